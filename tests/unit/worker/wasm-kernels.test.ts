/**
 * The wasm training kernels (src/worker/wasm-kernels.ts) must give the same
 * gradients as the reference cpu backend.
 *
 * Runs in Node: the wasm backend loads its .wasm binary from
 * node_modules/@tensorflow/tfjs-backend-wasm/dist (single-threaded SIMD build).
 * Error metric everywhere: max|wasm - cpu| / max(max|cpu|, tiny) < 1e-4.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  registerCpuResizeNearestNeighborGradFix,
  registerWasmTrainingKernels,
} from '../../../src/worker/wasm-kernels';
import { randomValues, relativeError } from '../numeric.ts';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid';
type Backend = 'cpu' | 'wasm';

const TOL = 1e-4;

/** Points the wasm backend at the .wasm files next to its Node entry point. */
async function setUpWasmForNode(): Promise<void> {
  const require = createRequire(import.meta.url);
  // The package's main entry is dist/tf-backend-wasm.node.js, next to the binaries.
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  // Node has no cross-origin-isolated SharedArrayBuffer workers: stay single-threaded.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  registerWasmTrainingKernels();
  registerWasmTrainingKernels(); // idempotent: no duplicate-registration warning or error
  // The cpu reference's own UpSampling2D gradient is wrong for batch > 1.
  registerCpuResizeNearestNeighborGradFix();
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('wasm backend failed to initialise');
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `arr[i]`, asserting it exists (the arrays here have fixed, known lengths). */
function at<T>(arr: readonly T[], i: number): T {
  const v = arr[i];
  if (v === undefined) throw new Error(`index ${i} out of range (length ${arr.length})`);
  return v;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/** Runs `fn` on a backend and returns plain arrays (tensors are freed). */
async function onBackend(backend: Backend, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return values;
}

async function compare(fn: () => tf.Tensor[]): Promise<number[]> {
  const ref = await onBackend('cpu', fn);
  const got = await onBackend('wasm', fn);
  return ref.map((r, i) => relativeError(at(got, i), r));
}

interface ConvCase {
  x: Shape4;
  k: number;
  cout: number;
  stride: number;
  pad: Pad;
}

function describeCase(c: ConvCase): string {
  return `x=[${c.x.join(',')}] k=${c.k} cout=${c.cout} s=${c.stride} ${c.pad}`;
}

function outShape(c: ConvCase): Shape4 {
  return tf.backend_util.computeConv2DInfo(c.x, [c.k, c.k, c.x[3], c.cout], c.stride, 1, c.pad).outShape;
}

// Strides 1/2 (and 3), same/valid, odd/even sizes, kernels 3/4/5, batch 1/32,
// channel counts 1..32. Batch-32 cases stay small: the cpu reference
// Conv2DBackpropFilter is a plain JS loop.
const CONV_CASES: ConvCase[] = [
  { x: [1, 8, 8, 3], k: 3, cout: 4, stride: 1, pad: 'same' },
  { x: [1, 9, 9, 3], k: 3, cout: 4, stride: 1, pad: 'valid' },
  { x: [1, 8, 8, 3], k: 3, cout: 8, stride: 2, pad: 'same' },
  { x: [1, 9, 9, 5], k: 3, cout: 8, stride: 2, pad: 'same' },
  { x: [1, 9, 9, 5], k: 3, cout: 8, stride: 2, pad: 'valid' },
  { x: [1, 10, 10, 5], k: 3, cout: 8, stride: 2, pad: 'valid' },
  { x: [1, 8, 8, 4], k: 4, cout: 6, stride: 1, pad: 'same' },
  { x: [1, 7, 7, 4], k: 4, cout: 6, stride: 1, pad: 'valid' },
  { x: [1, 8, 8, 4], k: 4, cout: 6, stride: 2, pad: 'same' },
  { x: [1, 11, 11, 4], k: 4, cout: 6, stride: 2, pad: 'same' },
  { x: [1, 12, 12, 4], k: 4, cout: 6, stride: 2, pad: 'valid' },
  { x: [1, 7, 7, 2], k: 5, cout: 3, stride: 1, pad: 'same' },
  { x: [1, 10, 10, 2], k: 5, cout: 3, stride: 2, pad: 'same' },
  { x: [1, 11, 11, 2], k: 5, cout: 3, stride: 2, pad: 'valid' },
  { x: [1, 13, 13, 3], k: 3, cout: 4, stride: 3, pad: 'same' },
  { x: [1, 9, 6, 3], k: 3, cout: 4, stride: 2, pad: 'same' }, // non-square
  { x: [1, 6, 6, 1], k: 3, cout: 1, stride: 1, pad: 'same' }, // single channel
  { x: [1, 4, 4, 16], k: 4, cout: 8, stride: 1, pad: 'valid' }, // 1x1 output
  { x: [2, 8, 8, 3], k: 2, cout: 4, stride: 2, pad: 'valid' }, // stride == kernel
  { x: [2, 7, 7, 3], k: 2, cout: 4, stride: 2, pad: 'same' }, // stride == kernel, odd
  { x: [32, 8, 8, 3], k: 3, cout: 16, stride: 2, pad: 'same' },
  { x: [32, 7, 7, 8], k: 3, cout: 8, stride: 1, pad: 'same' },
  { x: [32, 8, 8, 16], k: 4, cout: 8, stride: 2, pad: 'same' },
  { x: [32, 5, 5, 32], k: 5, cout: 4, stride: 1, pad: 'valid' },
];

beforeAll(async () => {
  await setUpWasmForNode();
});

describe('registerWasmTrainingKernels', () => {
  it('registers Conv2DBackpropFilter and Conv2DBackpropInput for wasm', () => {
    const names = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
    expect(names).toContain('Conv2DBackpropFilter');
    expect(names).toContain('Conv2DBackpropInput');
  });
});

describe('conv2d gradients on wasm match cpu', () => {
  it.each(CONV_CASES.map((c) => [describeCase(c), c] as const))('%s', async (_name, c) => {
    const w: Shape4 = [c.k, c.k, c.x[3], c.cout];
    const dyShape = outShape(c);
    const xv = randomValues(size(c.x), 1);
    const wv = randomValues(size(w), 2);
    const dyv = randomValues(size(dyShape), 3);
    const errs = await compare(() => {
      const x = tf.tensor4d(xv, c.x);
      const filter = tf.tensor4d(wv, w);
      const dy = tf.tensor4d(dyv, dyShape);
      // d/dx and d/dW of sum(conv2d(x, W) * dy) are exactly the two backprop
      // kernels applied to dy.
      const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy));
      return tf.grads(f)([x, filter]); // [dx, dW]
    });
    expect(at(errs, 0), 'dx').toBeLessThan(TOL);
    expect(at(errs, 1), 'dW').toBeLessThan(TOL);
  });
});

describe('conv2dTranspose forward and gradients on wasm match cpu', () => {
  // Generator shapes: 4x4 stride 2 'same' upsampling and the 4x4 stride 1
  // 'valid' 1x1 -> 4x4 first layer, plus odd/other variants. `x` here is the
  // transpose conv's output shape; `cout` its input channels.
  const cases: ConvCase[] = [
    { x: [2, 8, 8, 4], k: 4, cout: 6, stride: 2, pad: 'same' },
    { x: [2, 4, 4, 8], k: 4, cout: 5, stride: 1, pad: 'valid' },
    { x: [2, 9, 9, 3], k: 3, cout: 4, stride: 2, pad: 'valid' },
    { x: [2, 9, 9, 3], k: 3, cout: 4, stride: 2, pad: 'same' },
    { x: [2, 7, 7, 3], k: 5, cout: 2, stride: 1, pad: 'same' },
    { x: [32, 16, 16, 8], k: 4, cout: 16, stride: 2, pad: 'same' },
  ];
  it.each(cases.map((c) => [describeCase(c), c] as const))('%s', async (_name, c) => {
    const w: Shape4 = [c.k, c.k, c.x[3], c.cout];
    const inShape = outShape(c);
    const iv = randomValues(size(inShape), 4);
    const wv = randomValues(size(w), 5);
    const rv = randomValues(size(c.x), 6);
    const errs = await compare(() => {
      const input = tf.tensor4d(iv, inShape);
      const filter = tf.tensor4d(wv, w);
      const r = tf.tensor4d(rv, c.x);
      const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
        tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.x, c.stride, c.pad), r));
      const y = tf.conv2dTranspose(input, filter, c.x, c.stride, c.pad);
      return [y, ...tf.grads(f)([input, filter])]; // [y, d input, dW]
    });
    expect(at(errs, 0), 'forward').toBeLessThan(TOL);
    expect(at(errs, 1), 'd input').toBeLessThan(TOL);
    expect(at(errs, 2), 'dW').toBeLessThan(TOL);
  });
});

describe('UpSampling2D gradient (ResizeNearestNeighborGrad)', () => {
  // Independent reference for an integer factor f: dx = sum of each f x f block of dy.
  it.each([
    ['batch 1', [1, 3, 3, 2], 2],
    ['batch 4', [4, 3, 5, 3], 2],
    ['batch 32, factor 3', [32, 4, 4, 8], 3],
  ] as const)('is a block sum of dy on wasm and (fixed) cpu: %s', async (_n, shape, f) => {
    const [n, h, w, c] = shape;
    const dyShape: Shape4 = [n, h * f, w * f, c];
    const xv = randomValues(size(shape), 11);
    const dyv = randomValues(size(dyShape), 12);
    for (const backend of ['wasm', 'cpu'] as const) {
      const values = await onBackend(backend, () => {
        const x = tf.tensor4d(xv, [n, h, w, c]);
        const dy = tf.tensor4d(dyv, dyShape);
        const g = tf.grad((a: tf.Tensor) =>
          tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [h * f, w * f]), dy)),
        )(x);
        return [g, tf.sum(tf.reshape(dy, [n, h, f, w, f, c]), [2, 4])];
      });
      expect(relativeError(at(values, 0), at(values, 1)), backend).toBeLessThan(TOL);
    }
  });
});

/** Tiny DCGAN-like generator + discriminator (no Dropout: it is random). */
function buildNet(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 2 * 2 * 8, kernelInitializer: 'glorotUniform' }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.reshape({ targetShape: [2, 2, 8] }),
      tf.layers.conv2dTranspose({ filters: 6, kernelSize: 4, strides: 2, padding: 'same' }), // 4x4
      tf.layers.batchNormalization({ momentum: 0.8 }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.upSampling2d({ size: [2, 2] }), // 8x8
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }),
      tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }), // 9x9
      tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' }), // 5x5
      tf.layers.batchNormalization({ momentum: 0.8 }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 4, strides: 1, padding: 'valid' }), // 2x2
      tf.layers.flatten(),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
}

describe('small conv net training step', () => {
  it('gives the same loss and gradients on wasm and cpu', async () => {
    await tf.setBackend('cpu');
    const init = buildNet();
    const weights = init.getWeights().map((t) => ({ shape: t.shape, values: t.dataSync().slice() }));
    init.dispose();
    const zv = randomValues(16 * 8, 7);
    const labels = Float32Array.from({ length: 16 }, (_, i) => i % 2);

    const run = async (backend: Backend): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const model = buildNet();
      model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const out = await onBackend(backend, () => {
        const z = tf.tensor2d(zv, [16, 8]);
        const y = tf.tensor2d(labels, [16, 1]);
        const { value, grads } = tf.variableGrads(() => {
          const p = model.apply(z, { training: true }) as tf.Tensor;
          return tf.metrics.binaryCrossentropy(y, p).mean() as tf.Scalar;
        }, vars);
        return [
          value,
          ...vars.map((v) => {
            const g = grads[v.name];
            if (g === undefined) throw new Error(`no gradient for ${v.name}`);
            return g;
          }),
        ];
      });
      model.dispose();
      return out;
    };
    const ref = await run('cpu');
    const got = await run('wasm');
    expect(got.length).toBe(ref.length);
    expect(relativeError(at(got, 0), at(ref, 0)), 'loss').toBeLessThan(TOL);
    // Biases feeding a BatchNormalization have an exactly-zero true gradient,
    // so both sides are rounding noise (~1e-8): compare those absolutely.
    const scale = Math.max(...ref.slice(1).map((r) => maxAbs(r)));
    for (let i = 1; i < ref.length; i++) {
      if (maxAbs(at(ref, i)) < 1e-5 * scale) {
        expect(maxAbs(at(got, i)), `gradient ${i} (~0)`).toBeLessThan(1e-5 * scale);
      } else {
        expect(relativeError(at(got, i), at(ref, i)), `gradient ${i}`).toBeLessThan(TOL);
      }
    }
  });

  it('runs a full GAN-style optimizer step on wasm (Dropout, Adam) without missing kernels', async () => {
    await tf.setBackend('wasm');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2dTranspose({ inputShape: [1, 1, 8], filters: 8, kernelSize: 4, padding: 'valid' }),
        tf.layers.batchNormalization(),
        tf.layers.reLU(),
        tf.layers.upSampling2d({ size: [2, 2] }),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
        tf.layers.leakyReLU({ alpha: 0.2 }),
        tf.layers.dropout({ rate: 0.25 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    const optimizer = tf.train.adam(1e-3, 0.5);
    const z = tf.randomNormal([4, 1, 1, 8]);
    const y = tf.ones([4, 1]);
    const before = at(model.getWeights(), 0).dataSync().slice();
    const loss = optimizer.minimize(
      () => tf.losses.sigmoidCrossEntropy(y, model.apply(z, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    );
    if (loss === null) throw new Error('minimize returned no loss');
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    expect(relativeError(at(model.getWeights(), 0).dataSync(), before)).toBeGreaterThan(0);
    tf.dispose([loss, z, y]);
    optimizer.dispose();
    model.dispose();
  });
});

describe('memory', () => {
  it('leaks no tensors or wasm buffers across repeated gradient calls', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(randomValues(4 * 9 * 9 * 6, 8), [4, 9, 9, 6]);
    const w = tf.tensor4d(randomValues(4 * 4 * 6 * 5, 9), [4, 4, 6, 5]);
    const w3 = tf.tensor4d(randomValues(3 * 3 * 6 * 5, 10), [3, 3, 6, 5]);
    const step = (): void => {
      tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))),
        );
        const t = tf.grads((b: tf.Tensor) =>
          tf.sum(tf.conv2dTranspose(x, b as tf.Tensor4D, [4, 18, 18, 5], 2, 'same')),
        );
        const h = tf.grads((b: tf.Tensor) => tf.sum(tf.conv2d(x, b as tf.Tensor4D, 1, 'valid')));
        return [...g([x, w3]), ...t([tf.transpose(w, [0, 1, 3, 2])]), ...h([w])];
      }).forEach((t) => t.dispose());
    };
    step();
    const m0 = tf.memory();
    // Kernel intermediates live on the wasm heap without ever being tensors,
    // so also count the backend's own buffers.
    const ids0 = tf.backend().numDataIds();
    for (let i = 0; i < 5; i++) step();
    const m1 = tf.memory();
    expect(m1.numTensors).toBe(m0.numTensors);
    expect(m1.numBytes).toBe(m0.numBytes);
    expect(tf.backend().numDataIds()).toBe(ids0);
    tf.dispose([x, w, w3]);
  });
});

describe('Tile on wasm', () => {
  it.each([
    { shape: [1, 1, 1, 5], reps: [3, 4, 6, 1], dtype: 'float32' },
    { shape: [1, 1, 1, 70], reps: [2, 3, 5, 1], dtype: 'float32' },
    { shape: [2, 3, 1, 4], reps: [2, 1, 3, 2], dtype: 'float32' },
    { shape: [3, 1], reps: [1, 100], dtype: 'int32' },
    { shape: [2, 2], reps: [1, 1], dtype: 'bool' },
    { shape: [4, 65], reps: [3, 2], dtype: 'int32' },
    { shape: [2, 0], reps: [2, 3], dtype: 'float32' },
  ] as const)('$shape × $reps ($dtype) matches cpu exactly', async ({ shape, reps, dtype }) => {
    const values = Array.from(randomValues(size(shape), 7), (v) => (dtype === 'float32' ? v : dtype === 'int32' ? Math.round(v * 100) : v > 0 ? 1 : 0));
    const run = async (backend: Backend) => {
      await tf.setBackend(backend);
      const x = tf.tensor(values, [...shape], dtype);
      const y = tf.tile(x, [...reps]);
      const result = { shape: y.shape, data: Array.from(await y.data()) };
      tf.dispose([x, y]);
      return result;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(wasm.shape).toEqual(cpu.shape);
    expect(wasm.data).toEqual(cpu.data);
  });
});
