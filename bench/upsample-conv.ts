/**
 * Micro-benchmark of Heaton's generator block, UpSampling2D(2) + Conv2D 3×3, forward and
 * backward (gradients of input, kernel and bias), plain layers' ops versus the fused
 * quarter-resolution op (src/gan/upsample-conv.ts), on the wasm backend in Node (single thread,
 * SIMD) with the training kernels of src/worker/wasm-kernels.ts.
 *
 *   npx tsx bench/upsample-conv.ts [--reps 3] [--batch 32]
 *   npx tsx bench/upsample-conv.ts --step 64 [--reps 2]   # whole Heaton training steps at 64 px
 *
 * Plain and fused runs alternate within each repetition, so load from other processes on a
 * shared machine hits both alike; the ratio column is the median of the per-repetition ratios.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createImageSet, sampleBatch } from '../src/data/dataset.ts';
import { createGan, disposeGan, trainStep, type Gan } from '../src/gan/train-step.ts';
import { upsampleConv2d } from '../src/gan/upsample-conv.ts';
import { HEATON_DEFAULTS, type Resolution } from '../src/protocol/config.ts';
import { registerWasmTrainingKernels } from '../src/worker/wasm-kernels.ts';
import { argValue } from './common.ts';

type Shape4 = [number, number, number, number];

/** Heaton's blocks at 64 px: low-resolution side, input and output channels. */
const BLOCKS = [
  { side: 8, cin: 256, cout: 256 },
  { side: 16, cin: 256, cout: 128 },
  { side: 32, cin: 128, cout: 128 },
];

function plainBlock(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.add(tf.conv2d(tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w]), kernel, 1, 'same'), bias);
}

type Block = typeof plainBlock;

/** One forward + backward pass; returns wall milliseconds (all outputs read back). */
function timeStep(block: Block, x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, outputWeights: tf.Tensor): number {
  const started = performance.now();
  const grads = tf.tidy(() =>
    tf.grads((a: tf.Tensor, k: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(block(a as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D), outputWeights)),
    )([x, kernel, bias]),
  );
  for (const g of grads) g.dataSync();
  const ms = performance.now() - started;
  tf.dispose(grads);
  return ms;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** One whole trainStep (D real, D fake, G), metrics read back; wall milliseconds. */
function timeTrainStep(gan: Gan, set: ReturnType<typeof createImageSet>, step: number): number {
  const started = performance.now();
  const real = sampleBatch(set, gan.config.seed, step, gan.config.batchSize, false);
  const metrics = trainStep(gan, real, step, { labelSmoothing: 0 });
  metrics.dataSync();
  tf.dispose([real, metrics]);
  return performance.now() - started;
}

/** Heaton training steps at `resolution`, plain and fused generators alternating. */
function benchSteps(resolution: Resolution, batch: number, reps: number, loadBefore: number): void {
  const config = { ...HEATON_DEFAULTS, resolution, batchSize: batch };
  const pixels = new Uint8Array(64 * resolution * resolution * 3).map((_, i) => (i * 2654435761) >>> 24);
  const set = createImageSet(pixels, resolution, 3);
  const plainGan = createGan(config, { fusedUpsampleConv: false });
  const fusedGan = createGan(config, { fusedUpsampleConv: true });
  try {
    timeTrainStep(plainGan, set, 0); // warm-up: optimiser slots, XNNPACK packing, heap growth
    timeTrainStep(fusedGan, set, 0);
    const plain: number[] = [];
    const fused: number[] = [];
    for (let r = 1; r <= reps; r++) {
      plain.push(timeTrainStep(plainGan, set, r));
      fused.push(timeTrainStep(fusedGan, set, r));
    }
    console.error(`steps: plain ${plain.map((t) => t.toFixed(0)).join(', ')} ms; fused ${fused.map((t) => t.toFixed(0)).join(', ')} ms`);
    console.log(`Measured ${new Date().toISOString()} on ${os.cpus().length} cores, Node ${process.version}, tfjs wasm (1 thread, SIMD); 1-minute load ${loadBefore.toFixed(1)} → ${(os.loadavg()[0] ?? 0).toFixed(1)}`);
    console.log(`Whole Heaton training steps (D real, D fake, G), ${reps} alternating repetitions after one warm-up step each.\n`);
    console.log('| px | batch | plain ms/step | fused ms/step | plain / fused |');
    console.log('|---|---|---|---|---|');
    const ratio = median(plain.map((p, i) => p / (fused[i] ?? NaN)));
    console.log(`| ${resolution} | ${batch} | ${median(plain).toFixed(0)} | ${median(fused).toFixed(0)} | ${ratio.toFixed(2)}× |`);
  } finally {
    disposeGan(plainGan);
    disposeGan(fusedGan);
  }
}

async function main(): Promise<void> {
  const reps = Number(argValue('--reps') ?? 3);
  const batch = Number(argValue('--batch') ?? 32);
  const require = createRequire(import.meta.url);
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  const loadBefore = os.loadavg()[0] ?? 0;
  const stepResolution = argValue('--step');
  if (stepResolution !== null) {
    benchSteps(Number(stepResolution) as Resolution, batch, reps, loadBefore);
    return;
  }
  const rows: string[] = [];
  for (const { side, cin, cout } of BLOCKS) {
    const shape: Shape4 = [batch, side, side, cin];
    const x = tf.randomNormal(shape) as tf.Tensor4D;
    const kernel = tf.randomNormal([3, 3, cin, cout], 0, 0.05) as tf.Tensor4D;
    const bias = tf.randomNormal([cout]) as tf.Tensor1D;
    const outputWeights = tf.randomNormal([batch, 2 * side, 2 * side, cout]);
    // Warm-up: packs XNNPACK weights and grows the heap for both paths.
    timeStep(plainBlock, x, kernel, bias, outputWeights);
    timeStep(upsampleConv2d, x, kernel, bias, outputWeights);
    const plain: number[] = [];
    const fused: number[] = [];
    for (let r = 0; r < reps; r++) {
      plain.push(timeStep(plainBlock, x, kernel, bias, outputWeights));
      fused.push(timeStep(upsampleConv2d, x, kernel, bias, outputWeights));
    }
    tf.dispose([x, kernel, bias, outputWeights]);
    const ratio = median(plain.map((p, i) => p / (fused[i] ?? NaN)));
    rows.push(
      `| ${side}→${2 * side} | ${cin}→${cout} | ${batch} | ${median(plain).toFixed(0)} | ${median(fused).toFixed(0)} | ${ratio.toFixed(2)}× |`,
    );
    console.error(`${side}→${2 * side}: plain ${plain.map((t) => t.toFixed(0)).join(', ')} ms; fused ${fused.map((t) => t.toFixed(0)).join(', ')} ms`);
  }
  console.log(`Measured ${new Date().toISOString()} on ${os.cpus().length} cores, Node ${process.version}, tfjs wasm (1 thread, SIMD); 1-minute load ${loadBefore.toFixed(1)} → ${(os.loadavg()[0] ?? 0).toFixed(1)}`);
  console.log(`Forward + backward (dX, dW, dBias) of one generator block; medians of ${reps} alternating repetitions after a warm-up.\n`);
  console.log('| px | channels | batch | plain ms | fused ms | plain / fused |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

// A rejection ends Node with the error and exit code 1, which is what a failed benchmark should do.
void main();
