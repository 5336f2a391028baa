/**
 * The worker's logic, free of `self` and `postMessage` so tests can drive it directly:
 * createTrainer(post) returns a message handler that answers through `post`.
 *
 * Control messages (pause, stop, cancel-load, set-live) act at once, even while a load or a
 * run is in progress: the handler never waits for the training loop.
 */
import type { ImageSet } from '../data/dataset.ts';
import { openDatasetCache, type DatasetCache } from '../data/cache.ts';
import { IngestError, ingestPixels, ingestZip, sampleGrid } from '../data/ingest.ts';
import { renderGrid } from '../gan/grid.ts';
import { createGan, disposeGan, generatePreview } from '../gan/train-step.ts';
import { validateConfig, type TrainConfig } from '../protocol/config.ts';
import type { DatasetOptions, DatasetReport } from '../protocol/dataset.ts';
import { assertNever, type BackendName, type ToWorker } from '../protocol/messages.ts';
import { initialiseBackend } from './backend.ts';
import { createDecodePool, type DecodePool } from './decode-pool.ts';
import type { Post } from './post.ts';
import { createTrainingRun, type TrainingRun } from './training-run.ts';

export type { Post } from './post.ts';

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why `config` cannot train on `set`, as sentences; empty when it can. */
export function problemsStarting(config: TrainConfig, set: ImageSet | null): string[] {
  const problems = validateConfig(config);
  if (!set) return [...problems, 'no training images are loaded: drop a zip or use the cartoon faces first'];
  if (set.side !== config.resolution || set.channels !== config.channels) {
    const colour = (c: number) => (c === 3 ? 'RGB' : 'grayscale');
    problems.push(
      `the loaded images are ${set.side}×${set.side} ${colour(set.channels)} but the settings ask for ${config.resolution} px ${colour(config.channels)}: load the images again with these settings`,
    );
  }
  return problems;
}

export function createTrainer(post: Post): (message: ToWorker) => Promise<void> {
  let backend: BackendName | null = null;
  let dataset: { set: ImageSet; report: DatasetReport } | null = null;
  let loading: AbortController | null = null;
  let run: TrainingRun | null = null;
  let decodePool: DecodePool | null = null;
  let cache: Promise<DatasetCache | null> | null = null;

  const getCache = () => (cache ??= openDatasetCache().catch(() => null));

  async function postUntrainedPreview(config: TrainConfig): Promise<void> {
    const problems = validateConfig(config);
    if (problems.length > 0) {
      post({ type: 'error', message: `Invalid settings: ${problems.join('; ')}.`, recoverable: true });
      return;
    }
    const gan = createGan(config);
    try {
      const images = generatePreview(gan);
      const grid = await renderGrid(images, config).finally(() => images.dispose());
      const pixels = grid.pixels.buffer as ArrayBuffer;
      post({ type: 'grid', kind: 'untrained', step: 0, image: { width: grid.width, height: grid.height, pixels } }, [pixels]);
    } finally {
      disposeGan(gan);
    }
  }

  async function load(produce: (signal: AbortSignal) => Promise<{ set: ImageSet; report: DatasetReport }>): Promise<void> {
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    try {
      const loaded = await produce(controller.signal);
      if (controller.signal.aborted) throw new IngestError('cancelled', 'Loading was cancelled.');
      dataset = loaded;
      const sample = sampleGrid(loaded.set);
      const pixels = sample.pixels.buffer as ArrayBuffer;
      post({ type: 'dataset', report: loaded.report, sample: { width: sample.width, height: sample.height, pixels } }, [pixels]);
    } catch (error) {
      const cancelled = controller.signal.aborted || (error instanceof IngestError && error.code === 'cancelled');
      post({ type: 'load-failed', message: cancelled ? 'Loading was cancelled. The previous data set, if any, is still loaded.' : describeError(error), cancelled });
    } finally {
      if (loading === controller) loading = null;
    }
  }

  function loadZip(file: File, options: DatasetOptions): Promise<void> {
    decodePool ??= createDecodePool();
    const pool = decodePool;
    return load(async (signal) =>
      ingestZip(file, options, {
        decode: pool.decode,
        cache: await getCache(),
        signal,
        onProgress: (progress) => post({ type: 'load-progress', progress }),
      }),
    );
  }

  async function postCacheList(): Promise<void> {
    const opened = await getCache();
    if (!opened) {
      post({ type: 'cache-list', sets: [], available: false });
      return;
    }
    const sets = (await opened.list()).map(({ key, sourceName, count, side, channels, crop, createdAt }) => ({
      key,
      name: sourceName,
      count,
      side,
      channels,
      crop,
      createdAt,
    }));
    post({ type: 'cache-list', sets, available: true });
  }

  function start(config: TrainConfig): void {
    const problems = problemsStarting(config, dataset?.set ?? null);
    if (problems.length > 0 || !dataset) {
      post({ type: 'error', message: `Cannot start: ${problems.join('; ')}.`, recoverable: true });
      return;
    }
    run?.dispose();
    const { report } = dataset;
    run = createTrainingRun(config, {
      set: dataset.set,
      backend,
      post,
      datasetSummary: { name: report.name, count: report.count, side: report.side, channels: report.channels, crop: report.crop },
    });
    run.start();
  }

  function withRun(action: (current: TrainingRun) => void | Promise<void>): void | Promise<void> {
    if (!run) {
      post({ type: 'error', message: 'There is no training run yet: press Start first.', recoverable: true });
      return;
    }
    return action(run);
  }

  return async (message) => {
    try {
      switch (message.type) {
        case 'init': {
          const choice = await initialiseBackend(message.preferred);
          backend = choice.backend;
          post({
            type: 'ready',
            backend: choice.backend,
            rejected: choice.rejected,
            crossOriginIsolated: globalThis.crossOriginIsolated === true,
            wasmThreads: choice.wasmThreads,
          });
          return;
        }
        case 'preview':
          return await postUntrainedPreview(message.config);
        case 'load-zip':
          return await loadZip(message.file, message.options);
        case 'load-pixels': {
          const { name, options } = message;
          const pixels = new Uint8Array(message.pixels);
          return await load(async () => ingestPixels(pixels, options, name));
        }
        case 'cancel-load':
          loading?.abort();
          return;
        case 'list-cache':
          return await postCacheList();
        case 'clear-cache':
          await (await getCache())?.clear();
          return await postCacheList();
        case 'start':
          return start(message.config);
        case 'pause':
          return await withRun((r) => r.pause());
        case 'resume':
          return await withRun((r) => r.resume());
        case 'step':
          return await withRun((r) => r.stepOnce());
        case 'stop':
          return await withRun((r) => r.stop());
        case 'set-live':
          return await withRun((r) => r.setLive(message.live));
        case 'export-generator':
          return await withRun(async (r) => {
            const { artifacts, summary } = await r.exportGenerator();
            post({ type: 'generator', artifacts, summary }, [artifacts.weightData]);
          });
        default:
          assertNever(message);
      }
    } catch (error) {
      post({ type: 'error', message: describeError(error), recoverable: true });
    }
  };
}
