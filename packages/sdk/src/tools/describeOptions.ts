import type { TSchema } from 'typebox';

export interface OptionInfo {
  name: string;
  /** Readable type, e.g. `integer ≥ 1`, `'talib' | 'stockcharts'`, `integer[]`. */
  type: string;
  /** JSON of the default, or undefined when there is none. */
  default: string | undefined;
  description: string;
}

type SchemaNode = TSchema & {
  type?: string;
  const?: unknown;
  anyOf?: SchemaNode[];
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
  description?: string;
};

/** A short human-readable type for a (TypeBox/JSON) schema node. */
export function describeType(node: SchemaNode): string {
  if (node.anyOf) return node.anyOf.map(describeType).join(' | ');
  if (node.const !== undefined) return JSON.stringify(node.const).replaceAll('"', "'");
  if (node.type === 'array') return `${node.items ? describeType(node.items) : 'unknown'}[]`;
  const bounds: string[] = [];
  if (node.minimum !== undefined) bounds.push(`≥ ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined) bounds.push(`≤ ${node.maximum}`);
  if (node.exclusiveMaximum !== undefined) bounds.push(`< ${node.exclusiveMaximum}`);
  return [node.type ?? 'unknown', ...bounds].join(' ');
}

/** The top-level options of an options schema with their types, defaults and descriptions. */
export function describeOptions(schema: TSchema | undefined): OptionInfo[] {
  const properties = (schema as SchemaNode | undefined)?.properties;
  if (!properties) return [];
  return Object.entries(properties).map(([name, node]) => ({
    name,
    type: describeType(node),
    default: node.default === undefined ? undefined : JSON.stringify(node.default),
    description: node.description ?? '',
  }));
}
