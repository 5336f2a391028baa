/**
 * Jeff Heaton's Keras DCGAN (T81-558 module 7.2), layer for layer; see shared REFERENCE.md.
 * The generator is version B's, which is right for 32, 64, 96 and 128 px. With width 1 and
 * 3 channels the parameter counts equal Keras's (G 2,043,011 at 64 px; D 1,613,889).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../protocol/config.ts';
import { createInitializers, scaleFilters } from './layers.ts';
import { SeededDropout } from './seeded-dropout.ts';
import { deriveSeed } from './random.ts';
import type { GanModels } from './architectures.ts';

type ModelConfig = Pick<
  TrainConfig,
  'resolution' | 'channels' | 'width' | 'latentSize' | 'dropout' | 'batchNormMomentum' | 'leakySlope' | 'seed'
>;

/** Keras's BatchNormalization default epsilon (tfjs shares it). */
const KERAS_BN_EPSILON = 1e-3;

/**
 * Generator: Dense(4·4·256, ReLU) → [UpSampling2D → Conv2D 3×3 → BN → ReLU] × n → Conv2D 3×3 → tanh.
 * Blocks double the side 4 → 8 → 16 → 32 with 256, 256, 128 filters; above 32 px one more block
 * upsamples by resolution / 32 (Heaton's GENERATE_RES). 16 px (tests) stops after two blocks.
 * Input [batch, latent]; output [batch, S, S, C] in [-1, 1].
 */
export function buildHeatonGenerator(config: ModelConfig): tf.Sequential {
  const { resolution, channels, width, latentSize, batchNormMomentum, seed } = config;
  const init = createInitializers(seed, 0);
  const denseFilters = scaleFilters(256, width);
  const layers: tf.layers.Layer[] = [
    tf.layers.dense({
      name: 'g_dense',
      inputShape: [latentSize],
      units: 4 * 4 * denseFilters,
      activation: 'relu',
      kernelInitializer: init.glorotUniform(),
    }),
    tf.layers.reshape({ name: 'g_reshape', targetShape: [4, 4, denseFilters] }),
  ];
  const blocks: { upsample: number; filters: number }[] = [];
  let side = 4;
  for (const filters of [256, 256, 128]) {
    if (side >= Math.min(resolution, 32)) break;
    blocks.push({ upsample: 2, filters });
    side *= 2;
  }
  if (resolution > 32) blocks.push({ upsample: resolution / 32, filters: 128 });

  blocks.forEach(({ upsample, filters }, i) => {
    layers.push(
      tf.layers.upSampling2d({ name: `g_upsample_${i + 1}`, size: [upsample, upsample] }),
      tf.layers.conv2d({
        name: `g_conv_${i + 1}`,
        filters: scaleFilters(filters, width),
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: init.glorotUniform(),
      }),
      tf.layers.batchNormalization({ name: `g_bn_${i + 1}`, momentum: batchNormMomentum, epsilon: KERAS_BN_EPSILON }),
      tf.layers.activation({ name: `g_relu_${i + 1}`, activation: 'relu' }),
    );
  });
  layers.push(
    tf.layers.conv2d({
      name: 'g_conv_out',
      filters: channels,
      kernelSize: 3,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: init.glorotUniform(),
    }),
  );
  return tf.sequential({ name: 'generator', layers });
}

/**
 * Discriminator: five 3×3 convolutions (32, 64, 128, 256, 512 filters; strides 2, 2, 2, 1, 1)
 * with LeakyReLU, BN after all but the first, a ZeroPadding2D((0,1),(0,1)) after the second,
 * Dropout before all but the first, then Flatten → Dense(1, sigmoid).
 * Input [batch, S, S, C] in [-1, 1]; output [batch, 1], the probability the image is real.
 */
export function buildHeatonDiscriminator(config: ModelConfig): { model: tf.Sequential; dropouts: SeededDropout[] } {
  const { resolution, channels, width, dropout, batchNormMomentum, leakySlope, seed } = config;
  // Start the weight seeds far past the generator's so the two networks draw unrelated weights.
  const init = createInitializers(seed, 1000);
  const dropouts: SeededDropout[] = [];
  const convSpecs = [
    { filters: 32, strides: 2 },
    { filters: 64, strides: 2 },
    { filters: 128, strides: 2 },
    { filters: 256, strides: 1 },
    { filters: 512, strides: 1 },
  ];
  const layers: tf.layers.Layer[] = [];
  convSpecs.forEach(({ filters, strides }, i) => {
    const n = i + 1;
    if (i > 0) {
      const layer = new SeededDropout({ name: `d_dropout_${n}`, rate: dropout, runSeed: deriveSeed(seed, 'dropout', n) });
      dropouts.push(layer);
      layers.push(layer);
    }
    layers.push(
      tf.layers.conv2d({
        name: `d_conv_${n}`,
        ...(i === 0 ? { inputShape: [resolution, resolution, channels] } : {}),
        filters: scaleFilters(filters, width),
        kernelSize: 3,
        strides,
        padding: 'same',
        kernelInitializer: init.glorotUniform(),
      }),
    );
    if (i === 1) layers.push(tf.layers.zeroPadding2d({ name: 'd_pad', padding: [[0, 1], [0, 1]] }));
    if (i > 0) {
      layers.push(tf.layers.batchNormalization({ name: `d_bn_${n}`, momentum: batchNormMomentum, epsilon: KERAS_BN_EPSILON }));
    }
    layers.push(tf.layers.leakyReLU({ name: `d_leaky_${n}`, alpha: leakySlope }));
  });
  const finalDropout = new SeededDropout({ name: 'd_dropout_out', rate: dropout, runSeed: deriveSeed(seed, 'dropout', 0) });
  dropouts.push(finalDropout);
  layers.push(
    finalDropout,
    tf.layers.flatten({ name: 'd_flatten' }),
    tf.layers.dense({ name: 'd_dense_out', units: 1, activation: 'sigmoid', kernelInitializer: init.glorotUniform() }),
  );
  return { model: tf.sequential({ name: 'discriminator', layers }), dropouts };
}

export function buildHeaton(config: ModelConfig): GanModels {
  const { model: discriminator, dropouts } = buildHeatonDiscriminator(config);
  return { generator: buildHeatonGenerator(config), discriminator, dropouts };
}
