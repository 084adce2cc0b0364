import type { ColumnName, FeatureDefinition } from '../features/types.ts';
import { createEngine } from '../plugin/createEngine.ts';
import type { TradecorePlugin } from '../plugin/types.ts';

/** What validation needs to know about a dataset. */
export interface DatasetShape {
  /** Dataset id, for messages. */
  id: string;
  /** Manifest file, for messages. */
  file: string;
  columns: readonly string[];
  rows: number;
}

/** The feature definitions a plugin registers for this dataset's columns. */
export async function featuresFor(plugin: TradecorePlugin, columns: readonly string[]): Promise<FeatureDefinition[]> {
  const engine = await createEngine({ plugins: [plugin], requireRiskGuard: false });
  return engine.collectFeatures(columns as readonly ColumnName[]);
}

/**
 * Checks an indicator plugin against a dataset: every declared input column exists and every warm-up
 * leaves bars to use. Returns one message per problem (empty when it fits).
 */
export async function checkIndicatorAgainstDataset(plugin: TradecorePlugin, dataset: DatasetShape): Promise<string[]> {
  let definitions: FeatureDefinition[];
  try {
    definitions = await featuresFor(plugin, dataset.columns);
  } catch (error) {
    return [`${plugin.name} failed to register its features: ${error instanceof Error ? error.message : String(error)}`];
  }
  const problems: string[] = [];
  const have = new Set(dataset.columns);
  for (const definition of definitions) {
    for (const input of definition.inputs) {
      if (!have.has(input)) {
        problems.push(
          `feature "${definition.id}" needs column "${input}", which dataset "${dataset.id}" (${dataset.file}) does not have (it has ${dataset.columns.join(', ')})`,
        );
      }
    }
    if (definition.warmup >= dataset.rows) {
      problems.push(
        `feature "${definition.id}" needs ${definition.warmup} warm-up bars but dataset "${dataset.id}" (${dataset.file}) has only ${dataset.rows} rows`,
      );
    }
  }
  return problems;
}
