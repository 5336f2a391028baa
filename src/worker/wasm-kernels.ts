/**
 * Training kernels for the tfjs wasm backend.
 *
 * `@tensorflow/tfjs-backend-wasm` 4.22 can run conv nets forward but cannot
 * train them:
 *  - `Conv2DBackpropFilter` (dL/dW of a conv, needed by every Conv2D and
 *    Conv2DTranspose layer) is not registered at all, so `tf.grad` throws
 *    "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'";
 *  - `Conv2DBackpropInput` (dL/dx of a conv, and the *forward* pass of
 *    Conv2DTranspose) exists but is a naive scalar loop, many times slower than
 *    the XNNPACK `Conv2D`.
 *
 * Both are re-expressed here as a handful of calls to kernels the wasm backend
 * already implements well (XNNPACK `Conv2D`, `Transpose`,
 * `PadV2`, `Reverse`, `Slice`, `Reshape`), all running on the wasm heap with
 * no round trip through JS arrays.
 *
 * Every other kernel a DCGAN training step needs (Dense, BatchNormalization,
 * LeakyReLU/ReLU, UpSampling2D and its ResizeNearestNeighborGrad,
 * ZeroPadding2D, Dropout, sigmoid/tanh, binary cross-entropy, Adam) is
 * registered for wasm in 4.22 and correct; this was checked by profiling a
 * full training step, diffing the kernel names against
 * `getKernelsForBackend('wasm')`, and comparing per-layer gradients.
 *
 * The *cpu* backend's `ResizeNearestNeighborGrad` however is wrong for
 * batch > 1 (it indexes dy with the batch stride of the images, so every image
 * after the first gets the wrong dx). {@link registerCpuResizeNearestNeighborGradFix}
 * replaces it; it matters for any cpu-backend training with UpSampling2D and
 * for using cpu as the reference in tests.
 *
 * `Tile` is replaced too: the built-in one computes every output element's
 * source index in a scalar loop, and tfjs's batch-norm gradient tiles the
 * per-channel 1/sqrt(variance) to the whole activation, which made Tile ~20%
 * of a 64 px Heaton step (profiled in Chromium, bench/browser.ts --profile).
 *
 * Only NHWC and dilation 1 are supported (tfjs itself only calls these
 * backprop kernels with dilation 1; NCHW throws, like the wasm `Conv2D`).
 */
import {
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  getKernel,
  PadV2,
  registerKernel,
  Reshape,
  ResizeNearestNeighborGrad,
  Reverse,
  Slice,
  Tile,
  Transpose,
  unregisterKernel,
} from '@tensorflow/tfjs';
import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  ResizeNearestNeighborGradAttrs,
  TensorInfo,
  TileAttrs,
} from '@tensorflow/tfjs';

const BACKEND = 'wasm';

/** What the engine passes to a kernel function. */
type KernelArgs = Parameters<KernelFunc>[0];

type Shape4 = [number, number, number, number];
/** `[[0, 0], [top, bottom], [left, right], [0, 0]]` as accepted by `Conv2D`. */
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Runs wasm kernels on one backend and remembers every intermediate output so
 * they can all be freed in one go (`backend.disposeData`), whether the
 * composite kernel succeeds or throws. The one result to hand back to the
 * engine is removed from the list with {@link KernelScope.keep}.
 */
class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(private readonly backend: KernelBackend) {}

  /** Calls the wasm kernel `name`; the output is an intermediate by default. */
  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const config = getKernel(name, BACKEND) as KernelConfig | undefined;
    if (config === undefined) {
      throw new Error(`wasm-kernels: kernel '${name}' is not registered for backend 'wasm'`);
    }
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) {
      throw new Error(`wasm-kernels: kernel '${name}' returned several outputs`);
    }
    this.temps.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run(Reshape, { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run(Transpose, { x }, { perm });
  }

  /** Slice of a 4-D tensor; returns `x` itself when the slice is the whole tensor. */
  slice4(x: TensorInfo, begin: Shape4, size: Shape4): TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) {
      return x;
    }
    return this.run(Slice, { x }, { begin, size });
  }

  /** Stride-1, dilation-`dilations` XNNPACK conv with explicit zero padding. */
  conv2d(x: TensorInfo, filter: TensorInfo, pad: ExplicitPadding, dilations: [number, number]): TensorInfo {
    return this.run(
      Conv2D,
      { x, filter },
      { strides: [1, 1], pad, dataFormat: 'NHWC', dilations, dimRoundingMode: 'floor' } as unknown as NamedAttrMap,
    );
  }

  /** Takes `t` out of the dispose list (it becomes the kernel's result). */
  keep(t: TensorInfo): TensorInfo {
    const i = this.temps.lastIndexOf(t);
    if (i >= 0) this.temps.splice(i, 1);
    return t;
  }

  /** Frees every intermediate (reshapes only drop a reference count). */
  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

function checkNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`wasm-kernels: ${kernel} supports only dataFormat 'NHWC', got '${dataFormat}'`);
  }
}

/**
 * `Conv2DBackpropFilter` = dL/dW of `y = conv2d(x, W, stride s, pad)`.
 *
 *   dW[kh, kw, ci, co] = sum_{n, oh, ow} xpad[n, oh*sH + kh, ow*sW + kw, ci] * dy[n, oh, ow, co]
 *
 * This is itself a convolution once batch and channels swap roles: take
 * x' = x^T [Ci, H, W, N] (Ci "images" of N "channels") and use
 * dy' = dy^T [Ho, Wo, N, Co] as the *filter* with dilation s:
 *
 *   conv2d(x', dy', stride 1, dilation s)[ci, kh, kw, co]
 *     = sum_{oh, ow, n} x'pad[ci, kh + oh*sH, kw + ow*sW, n] * dy'[oh, ow, n, co]
 *
 * so dW = transpose(conv2d(x', dy'), [1, 2, 0, 3]). XNNPACK runs that as one
 * GEMM with K = N*Ho*Wo (no im2col buffer in memory), which measured faster
 * than an explicit im2col + BatchMatMul.
 */
function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const x = args.inputs['x'];
  const dy = args.inputs['dy'];
  if (x === undefined || dy === undefined) throw new Error('wasm-kernels: Conv2DBackpropFilter needs x and dy');
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  checkNHWC(Conv2DBackpropFilter, attrs.dataFormat);
  const [kh, kw] = attrs.filterShape;
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [, h, w] = x.shape as Shape4;
  const [, ho, wo] = dy.shape as Shape4;
  const { top, left } = info.padInfo;
  // Padded extent that the forward conv actually read: (Ho-1)*s + K rows.
  // Pad only up to that; if the forward conv ignored trailing rows (stride
  // skipped them), pad 0 and cut the surplus taps off the (tiny) result.
  const bottom = Math.max(0, (ho - 1) * info.strideHeight + kh - h - top);
  const right = Math.max(0, (wo - 1) * info.strideWidth + kw - w - left);

  const scope = new KernelScope(args.backend as KernelBackend);
  try {
    const [n, , , ci] = x.shape as Shape4;
    const co = (dy.shape as Shape4)[3];
    // x [N, H, W, Ci] -> [Ci, H, W, N]. A single 4-D transpose of this is
    // ~3x slower on wasm than these two cache-friendlier 2-D/3-D ones.
    const xFlat = scope.reshape(x, [n, h * w * ci]);
    const xA = scope.transpose(xFlat, [1, 0]); // [H*W*Ci, N]
    const xB = scope.reshape(xA, [h * w, ci, n]);
    const xC = scope.transpose(xB, [1, 0, 2]); // [Ci, H*W, N]
    const xT = scope.reshape(xC, [ci, h, w, n]);
    // dy [N, Ho, Wo, Co] -> [Ho, Wo, N, Co] (filter layout [fh, fw, in, out]).
    const dyA = scope.transpose(scope.reshape(dy, [n, ho * wo, co]), [1, 0, 2]);
    const dyT = scope.reshape(dyA, [ho, wo, n, co]);
    const full = scope.conv2d(
      xT,
      dyT,
      [[0, 0], [top, bottom], [left, right], [0, 0]],
      [info.strideHeight, info.strideWidth],
    ); // [Ci, >=KH, >=KW, Co]
    const cut = scope.slice4(full, [0, 0, 0, 0], [ci, kh, kw, co]); // [Ci, KH, KW, Co]
    return scope.keep(scope.transpose(cut, [1, 2, 0, 3])); // [KH, KW, Ci, Co]
  } finally {
    scope.dispose();
  }
}

/** Per-axis plan of the sub-pixel decomposition used by conv2DBackpropInput. */
interface AxisPlan {
  /** Taps per phase: J = ceil(K / s). */
  taps: number;
  /** Zero rows to add before dy (negative: rows of dy to drop). */
  before: number;
  /** Zero rows to add after dy (negative: rows of dy to drop). */
  after: number;
  /** Number of sub-pixel rows q computed (output rows = q * s). */
  rows: number;
  /** Offset of dx row 0 in the interleaved output. */
  offset: number;
}

/**
 * One spatial axis of dx[h] = sum_{oh, k : oh*s + k = h + p} dy[oh] * W[k]
 * (p = top/left padding of the forward conv, K = kernel size, s = stride).
 *
 * Write h + p = q*s + r with phase r in [0, s). Then k = (q - oh)*s + r, i.e.
 * k = j*s + r with j = q - oh in [0, J), and
 *
 *   dx[q*s + r - p] = sum_{j < J} dy[q - j] * W[j*s + r]     (W = 0 beyond K)
 *
 * which for every phase r is a stride-1 correlation of dy (padded with J-1
 * zeros in front) with the flipped taps W[(J-1-j')*s + r]. All s*s phases
 * read the same J x J window, so they are one conv whose output channels are
 * (rH, rW, ci), interleaved back into space afterwards.
 */
function planAxis(k: number, s: number, p: number, size: number, dySize: number): AxisPlan {
  const taps = Math.ceil(k / s);
  const q0 = Math.floor(p / s); // first sub-pixel row that holds a dx row
  const q1 = Math.floor((p + size - 1) / s); // last one
  const rows = q1 - q0 + 1;
  const before = taps - 1 - q0;
  // Input rows to the valid conv must be rows + taps - 1.
  const after = rows + taps - 1 - before - dySize;
  return { taps, before, after, rows, offset: p - q0 * s };
}

/**
 * `Conv2DBackpropInput` = dL/dx of `y = conv2d(x, W, stride s, pad)`, which is
 * also the forward pass of `conv2dTranspose`.
 *
 * Shapes: dy [N, Ho, Wo, Co], filter W [KH, KW, Ci, Co] -> dx [N, H, W, Ci].
 *
 * Instead of zero-inserting dy (which wastes (s^2-1)/s^2 of the multiplies)
 * this uses the sub-pixel form (see {@link planAxis}): one XNNPACK conv
 *   dy [N, Hq, Wq, Co]  *  V [J, J, Co, sH*sW*Ci]  ->  [N, rowsH, rowsW, sH*sW*Ci]
 * with V[jy, jx, co, (rH*sW + rW)*Ci + ci] = W[(J-1-jy)*sH + rH, (J-1-jx)*sW + rW, ci, co],
 * then a depth-to-space interleave -> [N, rowsH*sH, rowsW*sW, Ci] and a crop to [N, H, W, Ci].
 * For 4x4 stride 2 that is 2x2 taps per output pixel instead of 4x4.
 */
function conv2DBackpropInput(args: KernelArgs): TensorInfo {
  const dy = args.inputs['dy'];
  const filter = args.inputs['filter'];
  if (dy === undefined || filter === undefined) throw new Error('wasm-kernels: Conv2DBackpropInput needs dy and filter');
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  checkNHWC(Conv2DBackpropInput, attrs.dataFormat);
  const [kh, kw, ci, co] = filter.shape as Shape4;
  const [n, h, w] = attrs.inputShape;
  const [, ho, wo] = dy.shape as Shape4;
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const { top, left } = info.padInfo;

  // Patches that tile without overlap (each dx pixel gets exactly one tap):
  // stride == kernel, or a single output row/column (e.g. the 1x1 -> 4x4
  // 'valid' first layer of a generator). Then dx is just a 1x1 conv
  // (a GEMM) dy x W^T rearranged into space; the sub-pixel route would pad dy
  // with K-1 zeros per side and do K*K times the work.
  const tileH = ho === 1 ? kh : sh;
  const tileW = wo === 1 ? kw : sw;
  if (tileH === kh && tileW === kw && top + h <= ho * kh && left + w <= wo * kw) {
    const scope = new KernelScope(args.backend as KernelBackend);
    try {
      const wT = scope.transpose(filter, [3, 0, 1, 2]); // [Co, KH, KW, Ci]
      const f = scope.reshape(wT, [1, 1, co, kh * kw * ci]);
      const cols = scope.conv2d(dy, f, [[0, 0], [0, 0], [0, 0], [0, 0]], [1, 1]); // [N, Ho, Wo, KH*KW*Ci]
      const t = scope.reshape(cols, [n, ho, wo, kh, kw, ci]);
      const u = scope.transpose(t, [0, 1, 3, 2, 4, 5]); // [N, Ho, KH, Wo, KW, Ci]
      const v = scope.reshape(u, [n, ho * kh, wo * kw, ci]);
      return scope.keep(scope.slice4(v, [0, top, left, 0], [n, h, w, ci]));
    } finally {
      scope.dispose();
    }
  }

  const ph = planAxis(kh, sh, info.padInfo.top, h, ho);
  const pw = planAxis(kw, sw, info.padInfo.left, w, wo);

  const scope = new KernelScope(args.backend as KernelBackend);
  try {
    // --- Filter V [J, J, Co, sH*sW*Ci] (small; rebuilt every call). ---
    let f = filter;
    const padH = ph.taps * sh - kh;
    const padW = pw.taps * sw - kw;
    if (padH > 0 || padW > 0) {
      f = scope.run(PadV2, { x: f }, { paddings: [[0, padH], [0, padW], [0, 0], [0, 0]], constantValue: 0 });
    }
    // [J*sH, J*sW, Ci, Co] -> [J, sH, J, sW, Ci, Co]; flip j so the conv is a correlation.
    f = scope.reshape(f, [ph.taps, sh, pw.taps, sw, ci, co]);
    f = scope.run(Reverse, { x: f }, { dims: [0, 2] });
    f = scope.transpose(f, [0, 2, 5, 1, 3, 4]); // [J, J, Co, sH, sW, Ci]
    f = scope.reshape(f, [ph.taps, pw.taps, co, sh * sw * ci]);

    // --- dy: drop rows that no dx row depends on; the rest is conv padding. ---
    const cropTop = Math.max(0, -ph.before);
    const cropLeft = Math.max(0, -pw.before);
    const cropBottom = Math.max(0, -ph.after);
    const cropRight = Math.max(0, -pw.after);
    const dyIn = scope.slice4(
      dy,
      [0, cropTop, cropLeft, 0],
      [n, ho - cropTop - cropBottom, wo - cropLeft - cropRight, co],
    );
    const y = scope.conv2d(
      dyIn,
      f,
      [
        [0, 0],
        [Math.max(0, ph.before), Math.max(0, ph.after)],
        [Math.max(0, pw.before), Math.max(0, pw.after)],
        [0, 0],
      ],
      [1, 1],
    ); // [N, rowsH, rowsW, sH*sW*Ci]

    // --- Interleave the phases back into space. ---
    // (Reshape + 6-D transpose measured ~10x faster than the wasm DepthToSpace.)
    let d: TensorInfo;
    if (sh === 1 && sw === 1) {
      d = y;
    } else {
      const t = scope.reshape(y, [n, ph.rows, pw.rows, sh, sw, ci]);
      const u = scope.transpose(t, [0, 1, 3, 2, 4, 5]); // [N, rowsH, sH, rowsW, sW, Ci]
      d = scope.reshape(u, [n, ph.rows * sh, pw.rows * sw, ci]);
    } // [N, rowsH*sH, rowsW*sW, Ci]
    // Reshape outputs share their input's dataId but hold their own reference,
    // so keeping any of these while the temporaries are freed is safe.
    const out = scope.slice4(d, [0, ph.offset, pw.offset, 0], [n, h, w, ci]); // [N, H, W, Ci]
    return scope.keep(out);
  } finally {
    scope.dispose();
  }
}

/**
 * Source index along one axis of the *forward* nearest-neighbour resize, as
 * computed by tfjs's ResizeNearestNeighbor (cpu and wasm agree on it).
 */
function nearestSourceIndex(
  outIndex: number,
  ratio: number,
  inSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): number {
  const frac = halfPixelCenters ? ratio * (outIndex + 0.5) : ratio * outIndex;
  const nearest = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  return halfPixelCenters ? Math.max(0, nearest) : nearest;
}

/**
 * `ResizeNearestNeighborGrad`: dx[n, i, j, c] = sum of dy[n, r, s, c] over the
 * output pixels (r, s) whose nearest source pixel was (i, j).
 *
 * images [N, H, W, C] (only its shape is used), dy [N, H2, W2, C] -> dx [N, H, W, C].
 *
 * One scatter-add pass over dy using only the generic KernelBackend API
 * (readSync / write), so it works on any CPU-memory backend.
 */
function resizeNearestNeighborGrad(args: KernelArgs): TensorInfo {
  const images = args.inputs['images'];
  const dy = args.inputs['dy'];
  if (images === undefined || dy === undefined) {
    throw new Error('ResizeNearestNeighborGrad needs images and dy');
  }
  const { alignCorners, halfPixelCenters } = args.attrs as unknown as ResizeNearestNeighborGradAttrs;
  const backend = args.backend as KernelBackend;
  const [n, h, w, c] = images.shape as Shape4;
  const [, h2, w2] = dy.shape as Shape4;
  const ratio = (inSize: number, outSize: number): number =>
    alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const rowSrc = Int32Array.from({ length: h2 }, (_, r) =>
    nearestSourceIndex(r, ratio(h, h2), h, alignCorners, halfPixelCenters === true),
  );
  const colSrc = Int32Array.from({ length: w2 }, (_, s) =>
    nearestSourceIndex(s, ratio(w, w2), w, alignCorners, halfPixelCenters === true),
  );
  const dyVals = backend.readSync(dy.dataId) as ArrayLike<number>;
  const dx = new Float32Array(n * h * w * c);
  let src = 0;
  // (Typed-array reads past the end would be undefined; all indices below are in range.)
  for (let b = 0; b < n; b++) {
    const bOff = b * h * w * c;
    for (let r = 0; r < h2; r++) {
      const rowOff = bOff + (rowSrc[r] as number) * w * c;
      for (let s = 0; s < w2; s++) {
        const dst = rowOff + (colSrc[s] as number) * c;
        for (let k = 0; k < c; k++) dx[dst + k] = (dx[dst + k] as number) + (dyVals[src + k] as number);
        src += c;
      }
    }
  }
  const shape = [n, h, w, c];
  return { dataId: backend.write(dx, shape, 'float32'), shape, dtype: 'float32' };
}

/** The parts of tfjs-backend-wasm's BackendWasm that give direct access to tensors on the heap. */
interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: TensorInfo['dtype']): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): backend_util.TypedArray;
}

/** Below this many elements per copied block, a plain loop beats subarray + set. */
const SMALL_BLOCK = 64;

/**
 * Tile by block copies on the wasm heap. Dimensions are expanded from the innermost out:
 * after expanding dimension i, the data has shape [in_0 … in_(i−1), out_i … out_(r−1)], so
 * each pass repeats contiguous blocks, with `copyWithin` doubling (memory-bound, no index
 * arithmetic per element). Intermediates are JS arrays no larger than the output; the last
 * pass writes the output. Exactly tfjs's semantics (pure data movement, every dtype but string).
 */
function tile(args: KernelArgs): TensorInfo | TensorInfo[] {
  const backend = args.backend as HeapBackend;
  const x = args.inputs['x'] as TensorInfo;
  const { reps } = args.attrs as unknown as TileAttrs;
  if (x.dtype === 'string' || reps.length !== x.shape.length) {
    if (!builtInTile) throw new Error('wasm-kernels: no built-in Tile to fall back on');
    return builtInTile(args);
  }
  const inShape = x.shape;
  const outShape = inShape.map((d, i) => d * (reps[i] ?? 1));
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  // Views after makeOutput: allocating may grow (and so move) the wasm memory.
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  const axes = reps.map((r, i) => (r > 1 ? i : -1)).filter((i) => i >= 0).reverse();
  if (axes.length === 0) {
    target.set(source);
    return out;
  }
  const shape = [...inShape];
  let current = source;
  axes.forEach((axis, pass) => {
    const r = reps[axis] ?? 1;
    const inner = shape.slice(axis).reduce((a, b) => a * b, 1);
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const next = pass === axes.length - 1 ? target : makeLike(current, outer * inner * r);
    for (let o = 0; o < outer; o++) {
      const from = o * inner;
      const base = from * r;
      if (inner < SMALL_BLOCK) {
        for (let k = 0; k < r; k++) for (let j = 0; j < inner; j++) next[base + k * inner + j] = current[from + j] as number;
        continue;
      }
      next.set(current.subarray(from, from + inner), base);
      const total = inner * r;
      for (let filled = inner; filled < total; filled *= 2) {
        next.copyWithin(base + filled, base, base + Math.min(filled, total - filled));
      }
    }
    shape[axis] = (shape[axis] ?? 1) * r;
    current = next;
  });
  return out;
}

/** A zeroed typed array of the same kind as `like`, of `length` elements. */
function makeLike(like: backend_util.TypedArray, length: number): backend_util.TypedArray {
  if (like instanceof Int32Array) return new Int32Array(length);
  if (like instanceof Uint8Array) return new Uint8Array(length);
  return new Float32Array(length);
}

/** The wasm backend's own Tile, kept for string tensors. */
let builtInTile: KernelFunc | null = null;

const kernelConfigs: KernelConfig[] = [
  { kernelName: Conv2DBackpropFilter, backendName: BACKEND, kernelFunc: conv2DBackpropFilter as KernelFunc },
  { kernelName: Conv2DBackpropInput, backendName: BACKEND, kernelFunc: conv2DBackpropInput as KernelFunc },
  { kernelName: Tile, backendName: BACKEND, kernelFunc: tile as KernelFunc },
];

let registered = false;

/**
 * Registers fast `Conv2DBackpropFilter` and `Conv2DBackpropInput` kernels for
 * the 'wasm' backend, replacing the missing / naive built-in ones, so conv
 * nets (Conv2D, Conv2DTranspose) can be trained on wasm; and a block-copy
 * `Tile` (the built-in one dominated batch-norm gradients).
 *
 * Idempotent. Safe to call before or after `tf.setBackend('wasm')`, but must
 * run after `@tensorflow/tfjs-backend-wasm` has been imported (its import
 * registers the built-in kernels this replaces).
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  builtInTile = (getKernel(Tile, BACKEND) as KernelConfig | undefined)?.kernelFunc ?? null;
  for (const config of kernelConfigs) {
    // Drop the built-in kernel first: re-registering warns "already registered".
    if (getKernel(config.kernelName, BACKEND) as KernelConfig | undefined) {
      unregisterKernel(config.kernelName, BACKEND);
    }
    registerKernel(config);
  }
  registered = true;
}

let cpuFixRegistered = false;

/**
 * Replaces the 'cpu' backend's `ResizeNearestNeighborGrad` (the gradient of
 * UpSampling2D / `tf.image.resizeNearestNeighbor`), which in
 * tfjs-backend-cpu 4.22 returns a wrong dx for every image after the first
 * when batch > 1. Idempotent; harmless if the cpu backend is never used.
 */
export function registerCpuResizeNearestNeighborGradFix(): void {
  if (cpuFixRegistered) return;
  if (getKernel(ResizeNearestNeighborGrad, 'cpu') as KernelConfig | undefined) {
    unregisterKernel(ResizeNearestNeighborGrad, 'cpu');
  }
  registerKernel({
    kernelName: ResizeNearestNeighborGrad,
    backendName: 'cpu',
    kernelFunc: resizeNearestNeighborGrad as KernelFunc,
  });
  cpuFixRegistered = true;
}
