/**
 * The plain-data contract between the browser bench's three parts: the Node driver
 * (bench/browser.ts), the page (bench-page.ts, `window.runBench`) and its worker
 * (bench.worker.ts). Imports nothing, so every side can use it.
 */

/**
 * Backend variants the bench can force:
 *  - `wasm`: what the app gets (src/worker/backend.ts): the threaded SIMD build when
 *    cross-origin isolated, tfjs's default thread count. That default comes from the pthread
 *    pool, min(4, hardwareConcurrency / 2), so on a 2-core machine it is 1 thread;
 *  - `wasm-mt`: the same build with `setThreadsCount(navigator.hardwareConcurrency)`;
 *  - `wasm-1t`: the same build with `setThreadsCount(1)`;
 *  - `wasm-simd`: the plain SIMD build (no SharedArrayBuffer), what a page that is not
 *    cross-origin isolated gets;
 *  - `webgl`, `webgpu`: forced even on a software renderer/adapter (SwiftShader here).
 */
export const BENCH_BACKENDS = ['wasm', 'wasm-mt', 'wasm-1t', 'wasm-simd', 'webgl', 'webgpu'] as const;
export type BenchBackend = (typeof BENCH_BACKENDS)[number];

export interface BenchOptions {
  backend: BenchBackend;
  architecture: 'heaton' | 'dcgan';
  resolution: 32 | 64;
  batchSize: number;
  /** Width multiplier of the networks (1 = published widths). */
  width: number;
  /** Steps timed after the one untimed warm-up step. */
  timedSteps: number;
  /**
   * Wall-clock budget for the whole run (initialisation, warm-up and timed steps), in ms.
   * No timed step is started that would likely overrun it; a step already running when it
   * expires is abandoned by terminating the worker.
   */
  budgetMs: number;
  /** Also run one `tf.profile`d step after the timed ones and report time per kernel. */
  profile: boolean;
  /** Train G's UpSampling2D + Conv2D pairs as one fused op (src/gan/upsample-conv.ts; cpu/wasm only). */
  fusedUpsampleConv: boolean;
}

/** One timed step, in ms; the phases are separated by `await loss.data()`. */
export interface StepTiming {
  /** Sampling and normalising the real batch, drawing the noise. */
  batchMs: number;
  /** D on the real batch (label 1). */
  dRealMs: number;
  /** G makes the fakes (forward only), then D on them (label 0). */
  dFakeMs: number;
  /** G through D (label 1). */
  gMs: number;
  totalMs: number;
}

export interface KernelTime {
  name: string;
  calls: number;
  ms: number;
  /** False for records that are not a kernel of the backend but wrap kernels listed themselves. */
  registered: boolean;
}

export interface BenchEnvironment {
  /** The tfjs backend actually running (must equal the requested one's family). */
  tfBackend: string;
  /** XNNPACK threads (wasm only). */
  wasmThreads: number | null;
  /** Whether tfjs decided the threaded wasm build could be used. */
  wasmMultithread: boolean | null;
  crossOriginIsolatedPage: boolean;
  crossOriginIsolatedWorker: boolean;
  hardwareConcurrency: number;
  userAgent: string;
}

export interface BenchResult {
  options: BenchOptions;
  /** Where the steps ran: always a dedicated module worker, as in the app. */
  ranIn: 'worker';
  environment: BenchEnvironment | null;
  initMs: number | null;
  warmUpMs: number | null;
  steps: StepTiming[];
  /** Median of `steps`, or null if no step was timed. */
  median: StepTiming | null;
  /** tf.memory() after the timed steps. */
  memory: { numTensors: number; numBytes: number } | null;
  /** numTensors after the warm-up step minus after the last timed step (0 = no leak). */
  tensorGrowth: number | null;
  /** Top kernels of one profiled step, by total time, when `profile` was asked. */
  kernels: KernelTime[] | null;
  /** Why the run stopped early (budget, error), or null if it completed. */
  stopped: string | null;
}

/** Messages from the bench worker to the page. */
export type BenchWorkerMessage =
  | { type: 'ready'; environment: BenchEnvironment; initMs: number }
  | { type: 'warm-up'; ms: number; numTensors: number }
  | { type: 'step'; timing: StepTiming }
  | { type: 'profile'; kernels: KernelTime[] }
  | { type: 'done'; memory: { numTensors: number; numBytes: number }; tensorGrowth: number; stopped: string | null }
  | { type: 'error'; message: string };

/** What the page sends the worker: the options plus the page's own isolation state. */
export interface BenchWorkerRequest {
  options: BenchOptions;
  crossOriginIsolatedPage: boolean;
}
