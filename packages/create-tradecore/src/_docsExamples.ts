/**
 * Runnable examples in docs/*.md. A fenced block whose info string is `ts example` is type-checked against
 * the workspace packages and executed; `ts example typecheck` is only type-checked (for code that needs a
 * long run, a network or a dataset the test cannot provide). Any other block is prose.
 */
export interface DocExample {
  /** Page file name, e.g. `getting-started.md`. */
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  run: boolean;
}

const FENCE = /^(`{3,}|~{3,})\s*(\S*)\s*(.*)$/;

export function extractExamples(page: string, markdown: string): DocExample[] {
  const examples: DocExample[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, fence, lang, rest] = open as unknown as [string, string, string, string];
    const flags = rest.split(/\s+/).filter(Boolean);
    let end = i + 1;
    while (end < lines.length && !lines[end]!.startsWith(fence)) end++;
    if ((lang === 'ts' || lang === 'typescript') && flags[0] === 'example') {
      examples.push({ page, line: i + 1, code: lines.slice(i + 1, end).join('\n'), run: !flags.includes('typecheck') });
    }
    i = end;
  }
  return examples;
}

/** File name for an example: `getting-started.md` line 40 → `getting-started.L40.ts`. */
export function exampleFileName(example: DocExample): string {
  return `${example.page.replace(/\.md$/, '')}.L${example.line}.ts`;
}

/** Relative `.md` link targets in a page (anchors stripped), e.g. `config.md`, `../CONTRIBUTING.md`. */
export function localLinks(markdown: string): string[] {
  const links = new Set<string>();
  for (const match of markdown.matchAll(/\]\(([^)\s]+?\.md)(?:#[^)]*)?\)/g)) {
    const target = match[1]!;
    if (!/^[a-z]+:/i.test(target)) links.add(target);
  }
  return [...links];
}
