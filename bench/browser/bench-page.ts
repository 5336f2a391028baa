/**
 * The browser bench's page (served by Vite at /bench/browser/index.html). It exposes
 * `window.runBench(options)`, which runs one bench in a fresh dedicated module worker
 * (bench.worker.ts) and resolves with a BenchResult; with a `backend` query parameter it
 * also runs one on load and prints the result in the page.
 */
import { BENCH_BACKENDS, type BenchBackend, type BenchOptions, type BenchResult, type BenchWorkerMessage, type StepTiming } from './bench-types.ts';

declare global {
  interface Window {
    /** Runs one bench in a new worker; never rejects (errors land in `stopped`). */
    runBench: (options: Partial<BenchOptions>) => Promise<BenchResult>;
  }
}

const DEFAULT_OPTIONS: BenchOptions = {
  backend: 'wasm',
  architecture: 'heaton',
  resolution: 64,
  batchSize: 32,
  width: 1,
  timedSteps: 3,
  budgetMs: 600_000,
  profile: false,
  fusedUpsampleConv: false,
};

/** After the budget, how long a step already running may take to come back before the worker is killed. */
const BUDGET_GRACE_MS = 2_000;

function median(steps: StepTiming[]): StepTiming | null {
  if (steps.length === 0) return null;
  const pick = (key: keyof StepTiming): number => {
    const sorted = steps.map((s) => s[key]).sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  };
  return { batchMs: pick('batchMs'), dRealMs: pick('dRealMs'), dFakeMs: pick('dFakeMs'), gMs: pick('gMs'), totalMs: pick('totalMs') };
}

/**
 * Runs one bench in a new worker and collects its messages into a BenchResult. A budget
 * timer terminates the worker if a step overruns, keeping whatever was measured so far.
 */
export function runBench(partial: Partial<BenchOptions>): Promise<BenchResult> {
  const options: BenchOptions = { ...DEFAULT_OPTIONS, ...partial };
  const result: BenchResult = {
    options,
    ranIn: 'worker',
    environment: null,
    initMs: null,
    warmUpMs: null,
    steps: [],
    median: null,
    memory: null,
    tensorGrowth: null,
    kernels: null,
    stopped: null,
  };
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
    const finish = (stopped: string | null): void => {
      clearTimeout(timer);
      worker.terminate();
      result.median = median(result.steps);
      result.stopped ??= stopped;
      resolve(result);
    };
    const timer = setTimeout(() => {
      const phase = result.warmUpMs === null ? (result.environment === null ? 'initialisation' : 'the warm-up step') : `timed step ${result.steps.length + 1}`;
      finish(`budget: ${Math.round(options.budgetMs / 1000)} s ran out during ${phase}`);
    }, options.budgetMs + BUDGET_GRACE_MS);
    worker.onerror = (event) => finish(`worker error: ${event.message}`);
    worker.onmessage = (event: MessageEvent<BenchWorkerMessage>) => {
      const message = event.data;
      switch (message.type) {
        case 'ready':
          result.environment = message.environment;
          result.initMs = message.initMs;
          break;
        case 'warm-up':
          result.warmUpMs = message.ms;
          break;
        case 'step':
          result.steps.push(message.timing);
          break;
        case 'profile':
          result.kernels = message.kernels;
          break;
        case 'done':
          result.memory = message.memory;
          result.tensorGrowth = message.tensorGrowth;
          finish(message.stopped);
          break;
        case 'error':
          finish(`error: ${message.message}`);
          break;
        default:
          message satisfies never;
      }
    };
    worker.postMessage({ options, crossOriginIsolatedPage: globalThis.crossOriginIsolated });
  });
}

/** Bench options from the page's query string (backend, arch, px, batch, width, steps, budget s, profile, fused). */
function optionsFromQuery(params: URLSearchParams): Partial<BenchOptions> | null {
  const backend = params.get('backend');
  if (!backend || !(BENCH_BACKENDS as readonly string[]).includes(backend)) return null;
  const number = (name: string, fallback: number): number => Number(params.get(name) ?? fallback);
  return {
    backend: backend as BenchBackend,
    architecture: params.get('arch') === 'dcgan' ? 'dcgan' : 'heaton',
    resolution: params.get('px') === '32' ? 32 : 64,
    batchSize: number('batch', DEFAULT_OPTIONS.batchSize),
    width: number('width', DEFAULT_OPTIONS.width),
    timedSteps: number('steps', DEFAULT_OPTIONS.timedSteps),
    budgetMs: number('budget', DEFAULT_OPTIONS.budgetMs / 1000) * 1000,
    profile: params.get('profile') === '1',
    fusedUpsampleConv: params.get('fused') === '1',
  };
}

window.runBench = runBench;

const fromQuery = optionsFromQuery(new URLSearchParams(location.search));
const output = document.getElementById('output');
if (fromQuery && output) {
  output.textContent = 'running…';
  runBench(fromQuery).then(
    (result) => {
      output.textContent = JSON.stringify(result, null, 2);
    },
    (error: unknown) => {
      // Otherwise the page says "running…" for ever.
      output.textContent = `failed: ${error instanceof Error ? error.message : String(error)}`;
    },
  );
}
