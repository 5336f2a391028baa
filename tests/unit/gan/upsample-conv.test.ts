/**
 * The fused generator block (src/gan/upsample-conv.ts) must compute what Heaton's
 * UpSampling2D(2) + Conv2D(3×3, same) pair computes, forward and backward, on every backend
 * that runs it. Error metric: max|fused − plain| / max|plain| < 1e-4, per tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { foldPhaseKernels, phaseKernels, upsampleConv2d, upsampleConvSupported } from '../../../src/gan/upsample-conv.ts';
import { useCpuBackend, useWasmBackend } from '../backends.ts';
import { randomValues, relativeError } from '../numeric.ts';

const TOL = 1e-4;

type Shape4 = [number, number, number, number];

function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Heaton's block as the layers compute it: nearest upsampling by 2, then conv 3×3 same + bias. */
function plainBlock(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.add(tf.conv2d(tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w]), kernel, 1, 'same'), bias);
}

type Block = typeof plainBlock;

/**
 * Output and the gradients of sum(output · weights) with respect to input, kernel and bias,
 * as plain arrays: [y, dx, dKernel, dBias].
 */
function outputAndGradients(block: Block, input: Shape4, cout: number): Float32Array[] {
  const [n, h, w, cin] = input;
  const tensors = tf.tidy(() => {
    const x = randomTensor(input, 1) as tf.Tensor4D;
    // Glorot-sized kernel, as the layer draws it, so activations stay O(1).
    const kernel = tf.mul(randomTensor([3, 3, cin, cout], 2), Math.sqrt(6 / (9 * (cin + cout)))) as tf.Tensor4D;
    const bias = randomTensor([cout], 3) as tf.Tensor1D;
    const outputWeights = randomTensor([n, 2 * h, 2 * w, cout], 4);
    const y = block(x, kernel, bias);
    const grads = tf.grads((a: tf.Tensor, k: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(block(a as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D), outputWeights)),
    )([x, kernel, bias]);
    return [y, ...grads];
  });
  const values = tensors.map((t) => t.dataSync() as Float32Array);
  tf.dispose(tensors);
  return values;
}

interface BlockCase {
  /** Low-resolution input [N, H, W, Cin]; the output is [N, 2H, 2W, Cout]. */
  input: Shape4;
  cout: number;
}

const label = ({ input: [n, h, , cin], cout }: BlockCase): string => `${h}→${2 * h} px, batch ${n}, ${cin}→${cout} channels`;

/** 8→16, 16→32 and 32→64 px at batch 1 and 32; channel counts small enough for the cpu reference. */
const SMALL_CASES: BlockCase[] = [8, 16, 32].flatMap((side) =>
  [1, 32].map((batch): BlockCase => ({ input: [batch, side, side, 6], cout: 5 })),
);

/** Heaton's own channel counts at each block (256→256, 256→128, 128→128), batch 1. */
const HEATON_CASES: BlockCase[] = [
  { input: [1, 8, 8, 256], cout: 256 },
  { input: [1, 16, 16, 256], cout: 128 },
  { input: [1, 32, 32, 128], cout: 128 },
];

const BACKENDS = [
  { name: 'cpu', use: useCpuBackend, cases: SMALL_CASES },
  { name: 'wasm', use: useWasmBackend, cases: [...SMALL_CASES, ...HEATON_CASES] },
] as const;

describe.each(BACKENDS)('upsampleConv2d on $name', ({ name, use, cases }) => {
  it.each(cases.map((c) => [label(c), c] as const))('equals UpSampling2D + Conv2D, forward and gradients: %s', async (_, c) => {
    await use();
    expect(tf.getBackend()).toBe(name);
    expect(upsampleConvSupported()).toBe(true);
    const plain = outputAndGradients(plainBlock, c.input, c.cout);
    const before = tf.memory().numTensors;
    const fused = outputAndGradients(upsampleConv2d, c.input, c.cout);
    expect(tf.memory().numTensors).toBe(before);
    const errors = plain.map((expected, i) => relativeError(fused[i] as Float32Array, expected));
    // [output, d input, d kernel, d bias]
    for (const error of errors) expect(error).toBeLessThan(TOL);
  });
});

describe('phase kernels', () => {
  afterAll(async () => {
    await useCpuBackend();
  });

  it('fold is the transpose of the 3×3 → 2×2 map: <fold(g), w> = <g, phases(w)>', async () => {
    await useCpuBackend();
    const [lhs, rhs] = tf.tidy(() => {
      const kernel = randomTensor([3, 3, 4, 3], 5) as tf.Tensor4D;
      const gradient = randomTensor([2, 2, 4, 12], 6) as tf.Tensor4D;
      return [tf.sum(tf.mul(foldPhaseKernels(gradient), kernel)), tf.sum(tf.mul(gradient, phaseKernels(kernel)))];
    });
    expect(Math.abs((lhs as tf.Tensor).dataSync()[0] as number - ((rhs as tf.Tensor).dataSync()[0] as number))).toBeLessThan(1e-4);
    tf.dispose([lhs as tf.Tensor, rhs as tf.Tensor]);
  });

  it('each 2×2 phase kernel keeps the 3×3 kernel’s total weight', async () => {
    await useCpuBackend();
    const sums = tf.tidy(() => {
      const kernel = randomTensor([3, 3, 2, 1], 7) as tf.Tensor4D;
      // [4 phases] against the 3×3 kernel's sum: every 3×3 tap lands on exactly one 2×2 tap.
      return tf.concat([tf.sum(phaseKernels(kernel), [0, 1, 2]), tf.reshape(tf.sum(kernel), [1])]);
    });
    const [p00, p01, p10, p11, total] = Array.from(sums.dataSync());
    sums.dispose();
    for (const phase of [p00, p01, p10, p11]) expect(phase).toBeCloseTo(total as number, 5);
  });

  it('refuses a backend without the interleave kernels, and kernels that are not 3×3', async () => {
    await useCpuBackend();
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const bias = tf.zeros([1]) as tf.Tensor1D;
    const kernel5 = tf.zeros([5, 5, 1, 1]) as tf.Tensor4D;
    expect(() => upsampleConv2d(x, kernel5, bias)).toThrow(/3×3 kernel, got 5×5/);
    tf.dispose([x, bias, kernel5]);
  });
});
