/**
 * The generator's training forward pass with every UpSampling2D(2) + Conv2D 3×3 pair run as one
 * {@link upsampleConv2d} (the same function in fewer FLOPs). The model itself is untouched:
 * the pair's weights are the Conv2D layer's own variables, so saving, exporting and
 * checkpointing still see Heaton's plain Keras layers with their names and shapes.
 */
import type * as tf from '@tensorflow/tfjs';
import { upsampleConv2d, upsampleConvSupported } from './upsample-conv.ts';

/** A layer's serialised config, read by field name (tfjs types it as a loose dictionary). */
function configOf(layer: tf.layers.Layer): Record<string, unknown> {
  return layer.getConfig() as Record<string, unknown>;
}

const isPair = (value: unknown, expected: number): boolean =>
  value === expected || (Array.isArray(value) && value.length === 2 && value.every((v) => v === expected));

/** UpSampling2D by exactly 2 (nearest, channels last), as in Heaton's blocks below 96 px. */
function isUpsampleBy2(layer: tf.layers.Layer): boolean {
  const config = configOf(layer);
  return (
    layer.getClassName() === 'UpSampling2D' &&
    isPair(config['size'], 2) &&
    (config['interpolation'] ?? 'nearest') === 'nearest' &&
    (config['dataFormat'] ?? 'channelsLast') === 'channelsLast'
  );
}

/** Conv2D 3×3, stride 1, 'same', no dilation, no activation, with a bias. */
function isPlainConv3x3(layer: tf.layers.Layer): boolean {
  const config = configOf(layer);
  return (
    layer.getClassName() === 'Conv2D' &&
    isPair(config['kernelSize'], 3) &&
    isPair(config['strides'], 1) &&
    isPair(config['dilationRate'], 1) &&
    config['padding'] === 'same' &&
    config['activation'] === 'linear' &&
    config['useBias'] === true &&
    (config['dataFormat'] ?? 'channelsLast') === 'channelsLast'
  );
}

/** How many UpSampling2D + Conv2D pairs of `generator` the fused path replaces. */
export function countFusablePairs(generator: tf.Sequential): number {
  const { layers } = generator;
  return layers.filter((layer, i) => {
    const next = layers[i + 1];
    return next !== undefined && isUpsampleBy2(layer) && isPlainConv3x3(next);
  }).length;
}

/**
 * `generator.apply(noise, { training: true })`, with each fusable pair as one upsampleConv2d
 * when `fused` and the backend runs it (cpu, wasm); otherwise exactly the plain apply.
 * BatchNorm and every other layer run as their own layers in training mode, so moving
 * statistics update as before. @param noise [batch, latent] → [batch, S, S, C].
 */
export function applyGeneratorForTraining(generator: tf.Sequential, noise: tf.Tensor2D, fused: boolean): tf.Tensor4D {
  if (!fused || !upsampleConvSupported()) return generator.apply(noise, { training: true }) as tf.Tensor4D;
  const { layers } = generator;
  let x: tf.Tensor = noise;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i] as tf.layers.Layer;
    const next = layers[i + 1];
    if (next !== undefined && isUpsampleBy2(layer) && isPlainConv3x3(next)) {
      const [kernel, bias] = next.weights;
      if (kernel === undefined || bias === undefined) throw new Error(`${next.name}: expected a kernel and a bias`);
      x = upsampleConv2d(x as tf.Tensor4D, kernel.read() as tf.Tensor4D, bias.read() as tf.Tensor1D);
      i++;
      continue;
    }
    x = layer.apply(x, { training: true }) as tf.Tensor;
  }
  return x as tf.Tensor4D;
}
