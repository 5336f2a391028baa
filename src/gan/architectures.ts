/**
 * The model registry: every architecture by name, so the UI can list them and the trainer can
 * build them from a TrainConfig.
 */
import type * as tf from '@tensorflow/tfjs';
import { SUPPORTED_RESOLUTIONS, type Architecture, type Resolution, type TrainConfig } from '../protocol/config.ts';
import { buildDcgan } from './dcgan.ts';
import { buildHeaton } from './heaton.ts';
import type { SeededDropout } from './seeded-dropout.ts';

export interface GanModels {
  /** [batch, latent] → [batch, S, S, C] in [-1, 1]. */
  generator: tf.Sequential;
  /** [batch, S, S, C] in [-1, 1] → [batch, 1], probability of "real". */
  discriminator: tf.Sequential;
  /** The discriminator's dropout layers; their mask counters are part of the run's random state. */
  dropouts: SeededDropout[];
}

export interface ArchitectureSpec {
  name: Architecture;
  label: string;
  description: string;
  resolutions: readonly Resolution[];
  build(config: TrainConfig): GanModels;
}

export const ARCHITECTURE_REGISTRY: Readonly<Record<Architecture, ArchitectureSpec>> = {
  heaton: {
    name: 'heaton',
    label: 'Heaton (Keras course)',
    description: 'Upsample + 3×3 conv generator, 5-conv discriminator with dropout; Adam 1.5e-4.',
    resolutions: SUPPORTED_RESOLUTIONS.heaton,
    build: buildHeaton,
  },
  dcgan: {
    name: 'dcgan',
    label: 'DCGAN (Radford et al.)',
    description: '4×4 transposed-conv generator, strided-conv discriminator, N(0, 0.02) weights.',
    resolutions: SUPPORTED_RESOLUTIONS.dcgan,
    build: buildDcgan,
  },
};

/** Builds the generator and discriminator that `config` names. The config must be valid. */
export function buildModels(config: TrainConfig): GanModels {
  return ARCHITECTURE_REGISTRY[config.architecture].build(config);
}
