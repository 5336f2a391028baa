/**
 * UpSampling2D(2, nearest) followed by a 3×3 "same" Conv2D (Heaton's generator block) computed
 * on the low-resolution input: 16 instead of 36 multiply-adds per output quad.
 *
 * On the upsampled grid, output row 2i + a (phase a ∈ {0, 1}) of the 3×3 conv reads upsampled
 * rows 2i + a − 1 … 2i + a + 1, which are low-resolution rows
 *   a = 0: i − 1 (tap 0), i (taps 1 and 2)        a = 1: i (taps 0 and 1), i + 1 (tap 2)
 * and likewise for columns. So each of the four phases (a, b) is a 2×2 convolution of the
 * low-resolution input whose taps are sums of the 3×3 taps. With the input padded by one pixel
 * on every side, all four read the same 2×2 window: one conv with 4·Cout output channels gives
 *   z [N, H+1, W+1, 4·Cout],  y[n, 2i+a, 2j+b, c] = z[n, i+a, j+b, (2a+b)·Cout + c] + bias[c],
 * a phase-offset depth-to-space interleave. The interleave (and its transpose for the gradient)
 * are registered kernels that move the data in one pass, on the wasm heap on wasm: built from
 * tfjs slices and concats they cost more than the FLOPs saved.
 *
 * The 3×3 kernel stays the stored weight (Keras layout, Heaton's parameter counts); the 2×2
 * phase kernels are derived from it on every call, and its gradient is the phase kernels'
 * gradient folded back onto the 3×3 taps (the transpose of the same linear map).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

/** y [N, 2H, 2W, C] from z [N, H+1, W+1, 4C] and bias [C]. */
export const PHASE_INTERLEAVE = 'GanvasPhaseInterleave';
/** dz [N, H+1, W+1, 4C] from dy [N, 2H, 2W, C]: the transpose of the interleave (bias aside). */
export const PHASE_DEINTERLEAVE = 'GanvasPhaseDeinterleave';

/** Backends whose tensors live in CPU memory, where the two kernels below are registered. */
const KERNEL_BACKENDS = ['cpu', 'wasm'] as const;

type Shape4 = [number, number, number, number];
type KernelArgs = Parameters<KernelFunc>[0];

/**
 * The 2×2 tap (along one axis) that 3×3 tap d feeds in phase a. Output row 2i + a reads
 * low-resolution row i + ⌊(a + d − 1) / 2⌋ through tap d, and phase a's window starts at row
 * i + a − 1, so the tap is ⌊(a + d − 1) / 2⌋ − a + 1 = ⌊(a + d + 1) / 2⌋ − a.
 */
const phaseTap = (a: number, d: number): number => ((a + d + 1) >> 1) - a;

/**
 * The linear map from the 3×3 kernel to the phase kernels as a [16, 9] matrix: row
 * ((t·2 + u)·2 + a)·2 + b (2×2 tap (t, u) of phase (a, b)), column d·3 + e (3×3 tap (d, e)).
 */
const PHASE_MATRIX: readonly number[] = (() => {
  const rows: number[] = [];
  for (let t = 0; t < 2; t++)
    for (let u = 0; u < 2; u++)
      for (let a = 0; a < 2; a++)
        for (let b = 0; b < 2; b++)
          for (let d = 0; d < 3; d++)
            for (let e = 0; e < 3; e++) rows.push(phaseTap(a, d) === t && phaseTap(b, e) === u ? 1 : 0);
  return rows;
})();

/** Pad the low-resolution input by one pixel on each side: the upsampled conv's zero border. */
const PHASE_PADDING: [[number, number], [number, number], [number, number], [number, number]] = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];

/** The phase kernels: [3, 3, Cin, Cout] → [2, 2, Cin, 4·Cout], output channel (2a + b)·Cout + c. */
export function phaseKernels(kernel: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, , cin, cout] = kernel.shape;
    const summed = tf.matMul(tf.tensor2d(PHASE_MATRIX as number[], [16, 9]), tf.reshape(kernel, [9, cin * cout]));
    const byPhase = tf.transpose(tf.reshape(summed, [2, 2, 4, cin, cout]), [0, 1, 3, 2, 4]); // [2, 2, Cin, 4, Cout]
    return tf.reshape(byPhase, [2, 2, cin, 4 * cout]);
  });
}

/** The transpose of {@link phaseKernels}: a phase-kernel gradient folded onto the 3×3 taps. */
export function foldPhaseKernels(phaseGradient: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, , cin, cout4] = phaseGradient.shape;
    const cout = cout4 / 4;
    const byTap = tf.transpose(tf.reshape(phaseGradient, [2, 2, cin, 4, cout]), [0, 1, 3, 2, 4]); // [2, 2, 4, Cin, Cout]
    const folded = tf.matMul(tf.tensor2d(PHASE_MATRIX as number[], [16, 9]), tf.reshape(byTap, [16, cin * cout]), true);
    return tf.reshape(folded, [3, 3, cin, cout]);
  });
}

/** The parts of tfjs-backend-wasm's BackendWasm that expose tensors on the heap. */
interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: TensorInfo['dtype']): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

function isHeapBackend(backend: KernelBackend): backend is HeapBackend {
  return typeof (backend as Partial<HeapBackend>).typedArrayFromHeap === 'function';
}

/**
 * Allocates a float32 output of `shape`, then hands `fill` views of the inputs and the output:
 * on the wasm heap for wasm (views taken after the allocation, which may grow and move the
 * heap), plain arrays written back once filled for cpu.
 */
function withOutput(
  backend: KernelBackend,
  inputs: TensorInfo[],
  shape: number[],
  fill: (sources: Float32Array[], target: Float32Array) => void,
): TensorInfo {
  if (isHeapBackend(backend)) {
    const out = backend.makeOutput(shape, 'float32');
    fill(
      inputs.map((t) => backend.typedArrayFromHeap(t)),
      backend.typedArrayFromHeap(out),
    );
    return out;
  }
  const target = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fill(
    inputs.map((t) => backend.readSync(t.dataId) as Float32Array),
    target,
  );
  return { dataId: backend.write(target, shape, 'float32'), shape, dtype: 'float32' };
}

function requireFloat32(kernel: string, ...tensors: TensorInfo[]): void {
  if (tensors.some((t) => t.dtype !== 'float32')) throw new Error(`${kernel}: only float32 tensors are supported`);
}

/** y[n, 2i+a, 2j+b, c] = z[n, i+a, j+b, (2a+b)·C + c] + bias[c]; one sequential pass over y. */
function phaseInterleave(args: KernelArgs): TensorInfo {
  const { z, bias } = args.inputs;
  if (z === undefined || bias === undefined) throw new Error(`${PHASE_INTERLEAVE} needs z and bias`);
  requireFloat32(PHASE_INTERLEAVE, z, bias);
  const [n, h1, w1, c4] = z.shape as Shape4;
  const c = c4 / 4;
  const h2 = 2 * (h1 - 1);
  const w2 = 2 * (w1 - 1);
  return withOutput(args.backend as KernelBackend, [z, bias], [n, h2, w2, c], ([zs, bs], y) => {
    if (zs === undefined || bs === undefined) return;
    let dst = 0;
    for (let b = 0; b < n; b++) {
      for (let row = 0; row < h2; row++) {
        // Low-resolution row i + a of z for output row 2i + a is ⌈row / 2⌉ = (row + 1) >> 1.
        const zRow = (b * h1 + ((row + 1) >> 1)) * w1;
        const phaseRow = (row & 1) * 2 * c;
        for (let col = 0; col < w2; col++) {
          let src = (zRow + ((col + 1) >> 1)) * c4 + phaseRow + (col & 1) * c;
          for (let k = 0; k < c; k++) y[dst++] = (zs[src++] as number) + (bs[k] as number);
        }
      }
    }
  });
}

/** dz[n, i+a, j+b, (2a+b)·C + c] = dy[n, 2i+a, 2j+b, c]; dz entries no output reads are 0. */
function phaseDeinterleave(args: KernelArgs): TensorInfo {
  const { dy } = args.inputs;
  if (dy === undefined) throw new Error(`${PHASE_DEINTERLEAVE} needs dy`);
  requireFloat32(PHASE_DEINTERLEAVE, dy);
  const [n, h2, w2, c] = dy.shape as Shape4;
  const h1 = h2 / 2 + 1;
  const w1 = w2 / 2 + 1;
  const c4 = 4 * c;
  return withOutput(args.backend as KernelBackend, [dy], [n, h1, w1, c4], ([dys], dz) => {
    if (dys === undefined) return;
    // The wasm heap is not zeroed; the border phases (a = 1 at row 0, a = 0 at row H) stay 0.
    dz.fill(0);
    let src = 0;
    for (let b = 0; b < n; b++) {
      for (let row = 0; row < h2; row++) {
        const zRow = (b * h1 + ((row + 1) >> 1)) * w1;
        const phaseRow = (row & 1) * 2 * c;
        for (let col = 0; col < w2; col++) {
          const dst = (zRow + ((col + 1) >> 1)) * c4 + phaseRow + (col & 1) * c;
          dz.set(dys.subarray(src, src + c), dst);
          src += c;
        }
      }
    }
  });
}

const KERNELS: { name: string; kernelFunc: KernelFunc }[] = [
  { name: PHASE_INTERLEAVE, kernelFunc: phaseInterleave as KernelFunc },
  { name: PHASE_DEINTERLEAVE, kernelFunc: phaseDeinterleave as KernelFunc },
];

/**
 * Registers the interleave kernels for cpu and wasm. Idempotent (a module reloaded by a dev
 * server must not register twice), so the op calls it before every use.
 */
export function registerPhaseKernels(): void {
  for (const backendName of KERNEL_BACKENDS) {
    for (const { name, kernelFunc } of KERNELS) {
      if ((tf.getKernel(name, backendName) as KernelConfig | undefined) === undefined) {
        tf.registerKernel({ kernelName: name, backendName, kernelFunc });
      }
    }
  }
}

/** Whether the current backend runs {@link upsampleConv2d} (cpu and wasm; not webgl/webgpu). */
export function upsampleConvSupported(): boolean {
  return (KERNEL_BACKENDS as readonly string[]).includes(tf.getBackend());
}

const fusedUpsampleConv = tf.customGrad(((x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const phases = phaseKernels(kernel);
  const z = tf.conv2d(x, phases, 1, PHASE_PADDING); // [N, H+1, W+1, 4·Cout]
  const y = tf.engine().runKernel(PHASE_INTERLEAVE, { z, bias }) as tf.Tensor4D; // [N, 2H, 2W, Cout]
  save([x, phases]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [input, phaseKernel] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dz = tf.engine().runKernel(PHASE_DEINTERLEAVE, { dy }) as tf.Tensor4D;
      const convAttrs = { strides: 1, pad: PHASE_PADDING, dataFormat: 'NHWC', dilations: 1 };
      const dx = tf.engine().runKernel(
        'Conv2DBackpropInput',
        { dy: dz, filter: phaseKernel },
        { ...convAttrs, inputShape: input.shape },
      ) as tf.Tensor4D;
      const dPhases = tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x: input, dy: dz },
        { ...convAttrs, filterShape: phaseKernel.shape },
      ) as tf.Tensor4D;
      return [dx, foldPhaseKernels(dPhases), tf.sum(dy, [0, 1, 2])];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * conv2d(upSampling2d(x, 2), kernel, stride 1, 'same') + bias in a quarter-resolution form,
 * with its own gradient (x, kernel and bias). Only on backends where
 * {@link upsampleConvSupported} holds.
 *
 * @param x [N, H, W, Cin] low-resolution input.
 * @param kernel [3, 3, Cin, Cout], the Conv2D layer's kernel (Keras layout).
 * @param bias [Cout].
 * @returns [N, 2H, 2W, Cout].
 */
export function upsampleConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  if (!upsampleConvSupported()) throw new Error(`upsampleConv2d: no interleave kernel for the '${tf.getBackend()}' backend`);
  const [kh, kw] = kernel.shape;
  if (kh !== 3 || kw !== 3) throw new Error(`upsampleConv2d: needs a 3×3 kernel, got ${kh}×${kw}`);
  registerPhaseKernels();
  return fusedUpsampleConv(x, kernel, bias) as tf.Tensor4D;
}
