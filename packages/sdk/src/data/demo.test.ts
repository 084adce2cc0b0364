import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataset, writeDataset } from './lake.ts';
import { loadManifest } from './manifest.ts';
import { generateSynthetic } from './synthetic.ts';
import { REPO_ROOT, tempDir } from './_testing.ts';

const dataDir = path.join(REPO_ROOT, 'data');
const DEMO_ID = 'synthetic-btc-usd-1m';

describe.skipIf(!existsSync(path.join(dataDir, 'manifests', `${DEMO_ID}.json`)))('shipped demo dataset', () => {
  it('is 90 days of 1m synthetic BTC-USD, labelled synthetic, and passes validation', async () => {
    const { manifest, bars, report } = await readDataset(DEMO_ID, { dataDir });
    expect(manifest).toMatchObject({ source: 'synthetic', symbol: 'BTC-USD', timeframe: '1m', synthetic: true, rows: 90 * 1440 });
    expect(manifest.partitions[0]?.path).toBe('lake/synthetic/BTC-USD/1m/year=2024/part-0000.parquet');
    expect(bars.length).toBe(129_600);
    expect(report?.errors).toEqual([]);
    expect(report?.stats.gaps.count).toBe(0);
  });

  it('regenerates bit for bit from the seed in its manifest (same partition checksums)', async () => {
    const { manifest } = await loadManifest(DEMO_ID, { dataDir });
    const generator = manifest.generator;
    if (!generator) throw new Error('the demo manifest must carry its generator block');
    const { params } = generator;
    const bars = generateSynthetic({ seed: generator.seed, ...params });
    const rebuilt = await writeDataset(bars, {
      dataDir: await tempDir(),
      id: manifest.id,
      source: manifest.source,
      symbol: manifest.symbol,
      timeframe: manifest.timeframe,
      synthetic: generator,
      compression: manifest.compression,
      ...(manifest.description ? { description: manifest.description } : {}),
    });
    expect(rebuilt.partitions).toEqual(manifest.partitions);
    expect({ ...rebuilt, createdBy: manifest.createdBy }).toEqual(manifest);
  });
});
