/**
 * A stored run on a zip resumes at once when the zip's decoded set is still in the dataset
 * cache: the worker loads the set from there, posts it as a `dataset`, and restores the run,
 * with no load message from the page. Node has no IndexedDB, so both stores live in memory.
 */
import { describe, expect, test } from 'vitest';
import { createTrainer } from '../../../src/worker/trainer.ts';
import { HEATON_DEFAULTS, type TrainConfig } from '../../../src/protocol/config.ts';
import { datasetIdentity } from '../../../src/protocol/dataset.ts';
import type { FromWorker } from '../../../src/protocol/messages.ts';
import type { CachedDataset, CachedDatasetMeta, DatasetCache } from '../../../src/data/storage/cache.ts';
import { ingestPixels } from '../../../src/data/ingest/ingest.ts';
import { reportToJson } from '../../../src/data/ingest/cached-sets.ts';
import { hashPixels } from '../../../src/data/ingest/pixel-hash.ts';
import { stepControl } from './turns.ts';
import { createMemoryCheckpointStore, type MemoryCheckpointStore } from './memory-checkpoint-store.ts';

const CONFIG: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16, latentSize: 8, batchSize: 4, steps: 1000, previewEvery: 3, gridRows: 2, gridCols: 3 };
const options = { side: 16, channels: 3, crop: 'centre' } as const;
const pixels = () => new Uint8Array(8 * 16 * 16 * 3).map((_, i) => (i * 37) % 256);

/** The DatasetCache interface kept in a Map. */
function memoryCache(entries: CachedDataset[] = []): DatasetCache & { gets: number } {
  const records = new Map(entries.map((entry) => [entry.key, entry]));
  return {
    gets: 0,
    async get(key) {
      this.gets++;
      const entry = records.get(key);
      return entry ? { ...entry, pixels: entry.pixels.slice() } : null;
    },
    async put(entry) {
      records.set(entry.key, entry);
      return { ok: true };
    },
    async list(): Promise<CachedDatasetMeta[]> {
      return [...records.values()].map(({ pixels: _pixels, ...meta }) => meta);
    },
    async delete(key) {
      records.delete(key);
    },
    async clear() {
      records.clear();
    },
    close() {},
  };
}

/** What ingest would have cached for faces.zip, identity included (or left out, as older records are). */
function cachedFaces(withIdentity = true): CachedDataset {
  const set = pixels();
  const { report } = ingestPixels(set, options, 'faces.zip');
  const zipReport = { ...report, source: 'zip' as const, cache: { status: 'stored' as const } };
  return {
    key: 'faces',
    createdAt: 1,
    count: 8,
    side: 16,
    channels: 3,
    crop: 'centre',
    sourceName: 'faces.zip',
    report: reportToJson(zipReport),
    ...(withIdentity ? { datasetIdentity: datasetIdentity(zipReport, { pixelHash: hashPixels(set) }) } : {}),
    pixels: set,
  };
}

function worker(store: MemoryCheckpointStore, cache: DatasetCache) {
  const posted: FromWorker[] = [];
  const control = stepControl(posted);
  const handle = createTrainer((message) => posted.push(message), { openStore: async () => store, openCache: async () => cache, ...control.deps });
  control.bind(handle);
  const of = <T extends FromWorker['type']>(type: T) => posted.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);
  return { posted, handle, of, control };
}

/** Trains on faces.zip's pixels until a checkpoint is stored; returns the store. */
async function storedRunOnFaces(): Promise<MemoryCheckpointStore> {
  const store = createMemoryCheckpointStore();
  const first = worker(store, memoryCache());
  await first.handle({ type: 'init', preferred: 'cpu' });
  await first.handle({ type: 'load-pixels', name: 'faces.zip', pixels: pixels().buffer, options, cartoon: null });
  expect(first.of('dataset')[0]?.identity).toBe(cachedFaces().datasetIdentity);
  first.control.pauseAt(3);
  await first.handle({ type: 'start', config: CONFIG });
  await first.handle.whenSettled();
  expect(first.of('checkpoint-saved').some((m) => m.step >= 3)).toBe(true);
  await first.handle({ type: 'stop' });
  return store;
}

describe('resuming a stored run on a zip', () => {
  test('resumes at once from the cached set, without the zip', async () => {
    const store = await storedRunOnFaces();
    const second = worker(store, memoryCache([cachedFaces()]));
    await second.handle({ type: 'init', preferred: 'cpu' });
    const info = second.of('stored-checkpoint')[0]?.info;
    expect(info?.datasetName).toBe('faces.zip');

    await second.handle({ type: 'resume-stored', quiet: true });
    const loaded = second.of('dataset');
    expect(loaded).toHaveLength(1);
    expect(loaded[0]).toMatchObject({ identity: info?.datasetIdentity, report: { name: 'faces.zip', count: 8, cache: { status: 'hit' } } });
    expect(second.of('run-restored')[0]).toMatchObject({ reason: 'resumed', step: info?.step });
    expect(second.of('error')).toEqual([]);
    await second.handle({ type: 'step' });
    await second.handle.whenSettled();
    expect(second.of('run-state').at(-1)).toMatchObject({ state: 'paused', step: (info?.step ?? 0) + 1 });
    await second.handle({ type: 'stop' });
  });

  test('without the set in the cache (or an older record without identity) a quiet resume waits for the zip', async () => {
    const store = await storedRunOnFaces();
    const cache = memoryCache([cachedFaces(false)]);
    const second = worker(store, cache);
    await second.handle({ type: 'init', preferred: 'cpu' });
    const before = second.posted.length;
    await second.handle({ type: 'resume-stored', quiet: true });
    expect(second.posted.slice(before)).toEqual([]);
    expect(cache.gets).toBe(0);

    // Dropping the same zip again (here: its pixels) then resumes as before.
    await second.handle({ type: 'load-pixels', name: 'faces.zip', pixels: pixels().buffer, options, cartoon: null });
    await second.handle({ type: 'resume-stored' });
    expect(second.of('run-restored')).toHaveLength(1);
    await second.handle({ type: 'stop' });
  });
});
