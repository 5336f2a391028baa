/**
 * Micro-benchmark of the conv kernels a DCGAN training step spends its time
 * in, on the wasm backend (with the kernels of src/worker/wasm-kernels.ts,
 * and the built-in naive Conv2DBackpropInput for reference) versus the cpu
 * backend.
 *
 *   npx tsx bench/wasm-kernels.ts [--quick]
 *
 * Node runs the single-threaded SIMD wasm build, so numbers are per core.
 * cpu runs whose estimated time (from a calibration run) exceeds ~20 s are
 * skipped and shown as "~N s (est.)"; the built-in wasm backprop-input is
 * treated the same way.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/worker/wasm-kernels';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid';

interface Case {
  label: string;
  /** Input of the forward conv (dx shape). */
  x: Shape4;
  k: number;
  cout: number;
  stride: number;
  pad: Pad;
}

const CASES: Case[] = [
  { label: 'G 3x3 s1 128->128 @64', x: [32, 64, 64, 128], k: 3, cout: 128, stride: 1, pad: 'same' },
  { label: 'G 3x3 s1 256->256 @16', x: [32, 16, 16, 256], k: 3, cout: 256, stride: 1, pad: 'same' },
  { label: 'D 3x3 s2 3->32 @64', x: [32, 64, 64, 3], k: 3, cout: 32, stride: 2, pad: 'same' },
  { label: 'D 3x3 s2 32->64 @32', x: [32, 32, 32, 32], k: 3, cout: 64, stride: 2, pad: 'same' },
  { label: 'D 3x3 s1 256->512 @9', x: [32, 9, 9, 256], k: 3, cout: 512, stride: 1, pad: 'same' },
  // conv2dTranspose layers (a transpose conv's forward = Conv2DBackpropInput):
  // x here is the transpose conv's *output*.
  { label: 'T 4x4 s2 256->128 @16', x: [32, 32, 32, 128], k: 4, cout: 256, stride: 2, pad: 'same' },
  { label: 'T 4x4 s1 100->512 valid', x: [32, 4, 4, 512], k: 4, cout: 100, stride: 1, pad: 'valid' },
];

const CPU_LIMIT_MS = 20_000;
const quick = process.argv.includes('--quick');

function outShape(c: Case): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(c.x, [c.k, c.k, c.x[3], c.cout], c.stride, 1, c.pad);
  return info.outShape;
}

/** 2 * multiply-adds of one conv (same for all three kernels). */
function flops(c: Case): number {
  const [n, ho, wo] = outShape(c);
  return 2 * n * ho * wo * c.k * c.k * c.x[3] * c.cout;
}

type Kernel = 'Conv2D' | 'Conv2DBackpropFilter' | 'Conv2DBackpropInput';
const KERNELS: Kernel[] = ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput'];

/** Builds the tensors once and returns a closure running one kernel call. */
function prepare(c: Case, kernel: Kernel): { run: () => void; dispose: () => void } {
  const filterShape: Shape4 = [c.k, c.k, c.x[3], c.cout];
  const x = tf.randomNormal(c.x) as tf.Tensor4D;
  const filter = tf.randomNormal(filterShape, 0, 0.1) as tf.Tensor4D;
  const dy = tf.randomNormal(outShape(c)) as tf.Tensor4D;
  const engine = tf.engine();
  const call = (): tf.Tensor | tf.Tensor[] => {
    switch (kernel) {
      case 'Conv2D':
        return engine.runKernel('Conv2D', { x, filter }, {
          strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dilations: 1,
        });
      case 'Conv2DBackpropFilter':
        return engine.runKernel('Conv2DBackpropFilter', { x, dy }, {
          strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape,
        });
      case 'Conv2DBackpropInput':
        return engine.runKernel('Conv2DBackpropInput', { dy, filter }, {
          strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x,
        });
    }
  };
  return {
    run: () => {
      const out = call();
      // wasm/cpu kernels are synchronous; reading a value just makes that explicit.
      for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
      tf.dispose(out);
    },
    dispose: () => tf.dispose([x, filter, dy]),
  };
}

/** Median of `reps` timed runs after one warm-up (warm-up also packs XNNPACK weights). */
function timeMs(c: Case, kernel: Kernel, reps: number, warmup = true): number {
  const p = prepare(c, kernel);
  try {
    if (warmup) p.run();
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      p.run();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] ?? NaN;
  } finally {
    p.dispose();
  }
}

/** GFLOP/s of a backend/kernel on a small problem, to predict big ones. */
function calibrate(kernel: Kernel): number {
  const c: Case = { label: 'cal', x: [4, 16, 16, 64], k: 3, cout: 64, stride: 1, pad: 'same' };
  const ms = timeMs(c, kernel, 1);
  return flops(c) / ms / 1e6;
}

interface Cell { ms: number; estimated: boolean }
type Row = Record<string, Cell | undefined>;

function measureOrEstimate(c: Case, kernel: Kernel, gflops: number, reps: number): Cell {
  const est = flops(c) / (gflops * 1e6);
  if (est > CPU_LIMIT_MS) return { ms: est, estimated: true };
  return { ms: timeMs(c, kernel, reps, false), estimated: false };
}

function fmt(cell: Cell | undefined): string {
  if (cell === undefined) return 'n/a';
  if (cell.estimated) return `~${(cell.ms / 1000).toFixed(0)} s (est.)`;
  return cell.ms >= 100 ? cell.ms.toFixed(0) : cell.ms.toFixed(1);
}

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  // main entry is dist/tf-backend-wasm.node.js, next to the .wasm binaries.
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const cases = quick ? CASES.filter((c) => c.x[1] * c.x[3] <= 32 * 64) : CASES;
  const rows = new Map<string, Row>(cases.map((c) => [c.label, {}]));
  const rowOf = (c: Case): Row => {
    const r = rows.get(c.label);
    if (r === undefined) throw new Error(`no row for ${c.label}`);
    return r;
  };
  const reps = quick ? 1 : 3;

  // 1. wasm, built-in kernels (before registering ours): only the naive
  //    Conv2DBackpropInput exists; Conv2DBackpropFilter is missing.
  await tf.setBackend('wasm');
  const builtinGflops = calibrate('Conv2DBackpropInput');
  for (const c of cases) {
    rowOf(c)['wasm built-in BPI'] = measureOrEstimate(c, 'Conv2DBackpropInput', builtinGflops, 1);
  }

  // 2. wasm with our kernels.
  registerWasmTrainingKernels();
  for (const c of cases) {
    for (const k of KERNELS) rowOf(c)[`wasm ${k}`] = { ms: timeMs(c, k, reps), estimated: false };
  }

  // 3. cpu backend.
  await tf.setBackend('cpu');
  for (const k of KERNELS) {
    const g = calibrate(k);
    for (const c of cases) rowOf(c)[`cpu ${k}`] = measureOrEstimate(c, k, g, 1);
  }

  const short: Record<Kernel, string> = { Conv2D: 'fwd', Conv2DBackpropFilter: 'dW', Conv2DBackpropInput: 'dX' };
  // [row key, column header]
  const cols: Array<[string, string]> = [
    ...KERNELS.map((k): [string, string] => [`wasm ${k}`, `wasm ${short[k]}`]),
    ['wasm built-in BPI', 'wasm old dX'],
    ...KERNELS.map((k): [string, string] => [`cpu ${k}`, `cpu ${short[k]}`]),
  ];
  const header = ['case (batch 32)', 'GFLOP', ...cols.map(([, h]) => h)];
  const table: string[][] = [header];
  const totals = { wasm: 0, cpu: 0, cpuEst: false };
  for (const c of cases) {
    const r = rowOf(c);
    table.push([c.label, (flops(c) / 1e9).toFixed(2), ...cols.map(([key]) => fmt(r[key]))]);
    for (const k of KERNELS) {
      totals.wasm += r[`wasm ${k}`]?.ms ?? NaN;
      const cc = r[`cpu ${k}`];
      totals.cpu += cc?.ms ?? NaN;
      totals.cpuEst ||= cc?.estimated ?? false;
    }
  }
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  for (const row of table) console.log(row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '));
  console.log(
    `\nms per call (median of ${reps} after warm-up for wasm; 1 run for cpu / built-in). ` +
      `fwd = Conv2D, dW = Conv2DBackpropFilter, dX = Conv2DBackpropInput.`,
  );
  console.log(
    `Sum of fwd+dW+dX over all rows (one conv training pass of these layers): ` +
      `wasm ${(totals.wasm / 1000).toFixed(2)} s vs cpu ${totals.cpuEst ? '~' : ''}${(totals.cpu / 1000).toFixed(1)} s` +
      `${totals.cpuEst ? ' (partly estimated)' : ''} -> ${(totals.cpu / totals.wasm).toFixed(1)}x`,
  );
}

// A rejection ends Node with the error and exit code 1, which is what a failed benchmark should do.
void main();
