/**
 * The Radford et al. DCGAN as in PyTorch's reference example (pytorch/examples `dcgan`):
 * 4×4 transposed convolutions that double the side, no biases, BN in both networks except on
 * G's output and D's input, ReLU/tanh in G, LeakyReLU(0.2) in D, weights from N(0, 0.02) and
 * BN gains from N(1, 0.02). ngf = ndf = 64 × width. At 64 px the layer widths equal PyTorch's.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../protocol/config.ts';
import { createInitializers, scaleFilters } from './layers.ts';
import type { GanModels } from './architectures.ts';

type ModelConfig = Pick<TrainConfig, 'resolution' | 'channels' | 'width' | 'latentSize' | 'batchNormMomentum' | 'leakySlope' | 'seed'>;

/** PyTorch's BatchNorm2d epsilon. */
const PYTORCH_BN_EPSILON = 1e-5;
const BASE_FILTERS = 64;

/** Number of stride-2 stages between 4 px and the output side: 2 at 16 px, 3 at 32, 4 at 64. */
function doublings(resolution: number): number {
  return Math.round(Math.log2(resolution / 4));
}

/**
 * Generator: z → ConvT 4×4 valid (1 → 4 px) → [BN → ReLU → ConvT 4×4 stride 2] × n → tanh.
 * Filters halve at each stage from ngf·2^(n−1) down to ngf, then the image channels.
 * Input [batch, latent]; output [batch, S, S, C] in [-1, 1].
 */
export function buildDcganGenerator(config: ModelConfig): tf.Sequential {
  const { resolution, channels, width, latentSize, batchNormMomentum, seed } = config;
  const init = createInitializers(seed, 0);
  const stages = doublings(resolution);
  const bn = (name: string) =>
    tf.layers.batchNormalization({
      name,
      momentum: batchNormMomentum,
      epsilon: PYTORCH_BN_EPSILON,
      gammaInitializer: init.normal(1),
    });
  const layers: tf.layers.Layer[] = [
    // A 1×1 "image" of latent channels, so the first layer is the paper's 4×4 projection.
    tf.layers.reshape({ name: 'g_reshape', inputShape: [latentSize], targetShape: [1, 1, latentSize] }),
    tf.layers.conv2dTranspose({
      name: 'g_convt_1',
      filters: scaleFilters(BASE_FILTERS * 2 ** (stages - 1), width),
      kernelSize: 4,
      strides: 1,
      padding: 'valid',
      useBias: false,
      kernelInitializer: init.normal(0),
    }),
    bn('g_bn_1'),
    tf.layers.reLU({ name: 'g_relu_1' }),
  ];
  for (let stage = 1; stage < stages; stage++) {
    const n = stage + 1;
    layers.push(
      tf.layers.conv2dTranspose({
        name: `g_convt_${n}`,
        filters: scaleFilters(BASE_FILTERS * 2 ** (stages - 1 - stage), width),
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: init.normal(0),
      }),
      bn(`g_bn_${n}`),
      tf.layers.reLU({ name: `g_relu_${n}` }),
    );
  }
  layers.push(
    tf.layers.conv2dTranspose({
      name: 'g_convt_out',
      filters: channels,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      useBias: false,
      activation: 'tanh',
      kernelInitializer: init.normal(0),
    }),
  );
  return tf.sequential({ name: 'generator', layers });
}

/**
 * Discriminator: Conv 4×4 stride 2 → LeakyReLU, then [Conv 4×4 stride 2 → BN → LeakyReLU] with
 * doubling filters down to 4 px, then Conv 4×4 valid to one value and a sigmoid.
 * Input [batch, S, S, C] in [-1, 1]; output [batch, 1], the probability the image is real.
 */
export function buildDcganDiscriminator(config: ModelConfig): tf.Sequential {
  const { resolution, channels, width, batchNormMomentum, leakySlope, seed } = config;
  const init = createInitializers(seed, 1000);
  const stages = doublings(resolution);
  const layers: tf.layers.Layer[] = [];
  for (let stage = 0; stage < stages; stage++) {
    const n = stage + 1;
    layers.push(
      tf.layers.conv2d({
        name: `d_conv_${n}`,
        ...(stage === 0 ? { inputShape: [resolution, resolution, channels] } : {}),
        filters: scaleFilters(BASE_FILTERS * 2 ** stage, width),
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: init.normal(0),
      }),
    );
    if (stage > 0) {
      layers.push(
        tf.layers.batchNormalization({
          name: `d_bn_${n}`,
          momentum: batchNormMomentum,
          epsilon: PYTORCH_BN_EPSILON,
          gammaInitializer: init.normal(1),
        }),
      );
    }
    layers.push(tf.layers.leakyReLU({ name: `d_leaky_${n}`, alpha: leakySlope }));
  }
  layers.push(
    tf.layers.conv2d({
      name: 'd_conv_out',
      filters: 1,
      kernelSize: 4,
      padding: 'valid',
      useBias: false,
      kernelInitializer: init.normal(0),
    }),
    tf.layers.flatten({ name: 'd_flatten' }),
    tf.layers.activation({ name: 'd_sigmoid', activation: 'sigmoid' }),
  );
  return tf.sequential({ name: 'discriminator', layers });
}

export function buildDcgan(config: ModelConfig): GanModels {
  return { generator: buildDcganGenerator(config), discriminator: buildDcganDiscriminator(config), dropouts: [] };
}
