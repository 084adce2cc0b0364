import { createRequire } from 'node:module';
import type * as TS from 'typescript';

/**
 * Where a config file calls a plugin package's factory inside its `plugins` array, e.g. `plugins[1]` for
 * `plugins: [vwapPlugin(), rsiPlugin({ period: 14.5 })]` and the package `@tradecore/plugin-rsi`. Reads the
 * source (TypeScript or JavaScript) without running it; undefined when the call is not found exactly once
 * (the factory called outside the array, through a variable, or from two places).
 */
export function factoryCallSite(source: string, packageName: string): string | undefined {
  // Loaded only on this error path: the compiler is large.
  const ts = createRequire(import.meta.url)('typescript') as typeof TS;
  const file = ts.createSourceFile('config.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);

  const locals = new Set<string>();
  const namespaces = new Set<string>();
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const from = statement.moduleSpecifier.text;
    if (from !== packageName && !from.startsWith(`${packageName}/`)) continue;
    const clause = statement.importClause;
    if (clause?.name) locals.add(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) locals.add(element.name.text);
  }
  if (locals.size === 0 && namespaces.size === 0) return undefined;

  const callsFactory = (node: TS.Node): boolean => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isIdentifier(callee) && locals.has(callee.text)) return true;
      if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && namespaces.has(callee.expression.text)) return true;
    }
    return ts.forEachChild(node, callsFactory) ?? false;
  };

  const found: string[] = [];
  const scanArray = (array: TS.ArrayLiteralExpression, at: string) => {
    array.elements.forEach((element, index) => {
      const here = `${at}[${index}]`;
      if (ts.isArrayLiteralExpression(element)) scanArray(element, here);
      else if (callsFactory(element)) found.push(here);
    });
  };
  const visit = (node: TS.Node): void => {
    if (ts.isPropertyAssignment(node) && node.name.getText(file).replace(/['"]/g, '') === 'plugins' && ts.isArrayLiteralExpression(node.initializer)) {
      scanArray(node.initializer, 'plugins');
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found.length === 1 ? found[0] : undefined;
}
