import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from './random.ts';

/**
 * Hands out initialisers whose seeds derive from the run seed, one fresh seed per layer, so
 * that the same run seed builds byte-identical models.
 */
export function createInitializers(runSeed: number, firstIndex: number) {
  let index = firstIndex;
  const nextSeed = () => deriveSeed(runSeed, 'weights', index++);
  return {
    /** Keras's default kernel initialiser. */
    glorotUniform: () => tf.initializers.glorotUniform({ seed: nextSeed() }),
    /** The DCGAN paper's N(mean, 0.02). */
    normal: (mean: number) => tf.initializers.randomNormal({ mean, stddev: 0.02, seed: nextSeed() }),
  };
}

/** Scales a published filter count by the width multiplier, keeping at least one filter. */
export function scaleFilters(filters: number, width: number): number {
  return Math.max(1, Math.round(filters * width));
}
