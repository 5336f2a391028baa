/**
 * The Generate view's side of the worker: faces from seeds, latent walks and nearest real
 * images, drawn from the live run's generator or from a generator zip the user uploaded.
 * (Skeleton: the interface the trainer wires up; see the issue for the behaviour.)
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/dataset.ts';
import type { TrainConfig } from '../protocol/config.ts';
import type { ToWorker } from '../protocol/messages.ts';
import type { Post } from './post.ts';

export type GeneratorRequest = Extract<ToWorker, { type: 'load-generator' | 'generate' | 'walk' | 'nearest-real' }>;

export interface GeneratorSessionDeps {
  post: Post;
  /**
   * Runs `use` on the live run's generator between two training steps; null when there is no
   * run (the page should then say "train or upload a generator first").
   */
  withLiveGenerator<T>(use: (generator: tf.LayersModel, config: Readonly<TrainConfig>) => Promise<T>): Promise<T> | null;
  /** The loaded training set (for nearest real images), or null when none is loaded. */
  dataset(): ImageSet | null;
}

export interface GeneratorSession {
  /** Answers one request through `post`; never throws (failures become `generate-failed`). */
  handle(request: GeneratorRequest): Promise<void>;
  /** Frees the uploaded generator, if any. */
  dispose(): void;
}

export function createGeneratorSession(deps: GeneratorSessionDeps): GeneratorSession {
  return {
    async handle(request) {
      deps.post({ type: 'generate-failed', requestId: request.requestId, message: 'Not built yet.' });
    },
    dispose() {},
  };
}
