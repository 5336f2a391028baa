/**
 * The worker's logic, free of `self` and `postMessage` so tests can drive it directly:
 * createTrainer(post) returns a message handler that answers through `post`.
 */
import { validateConfig, type TrainConfig } from '../protocol/config.ts';
import { assertNever, type FromWorker, type ToWorker } from '../protocol/messages.ts';
import { renderGrid } from '../gan/grid.ts';
import { createGan, disposeGan, generatePreview } from '../gan/train-step.ts';
import { initialiseBackend } from './backend.ts';

/** Sends a message to the page; `transfer` lists buffers to move rather than copy. */
export type Post = (message: FromWorker, transfer?: Transferable[]) => void;

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The untrained generator's fixed-seed grid: the smoke test of the model → grid → page chain. */
async function postUntrainedPreview(config: TrainConfig, post: Post): Promise<void> {
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
    post({ type: 'grid', step: 0, width: grid.width, height: grid.height, pixels }, [pixels]);
  } finally {
    disposeGan(gan);
  }
}

export function createTrainer(post: Post): (message: ToWorker) => Promise<void> {
  return async (message) => {
    try {
      switch (message.type) {
        case 'init': {
          const { backend, rejected } = await initialiseBackend(message.preferred);
          post({ type: 'ready', backend, rejected, crossOriginIsolated: globalThis.crossOriginIsolated === true });
          return;
        }
        case 'preview':
          await postUntrainedPreview(message.config, post);
          return;
        default:
          assertNever(message);
      }
    } catch (error) {
      post({ type: 'error', message: describeError(error), recoverable: true });
    }
  };
}
