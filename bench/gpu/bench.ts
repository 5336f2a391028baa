/**
 * The GPU kit's entry point, bundled by build-kit.sh into one file (bench.mjs) that runs with
 * plain Node beside `dawn.node` (the `webgpu` npm package's Dawn build): Ganvas's real training
 * step on @tensorflow/tfjs-backend-webgpu, then the same step in PyTorch
 * (../torch_reference.py, copied beside the bundle) on CUDA, and one table with the ratio.
 *
 *   node bench.mjs [--configs heaton:32,heaton:64,dcgan:32,dcgan:64] [--batch 32]
 *                  [--warmup 3] [--steps 10] [--no-check]
 *                  [--torch auto|none] [--torch-device cuda|cpu] [--json FILE]
 *
 * A config is arch:px or arch:px:width (width multiplies every filter count; 1 = published).
 * Before timing (unless --no-check), it trains 3 steps of two tiny configs on WebGPU and on
 * tfjs's cpu backend and compares the losses: a table from a GPU that computes wrong numbers
 * is worthless. Exit status: 0 done, 1 error, 2 the losses disagreed (the table still prints).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { registerCpuResizeNearestNeighborGradFix } from '../../src/worker/wasm-kernels.ts';
import { configLabel, maxLossDifference, median, parseBenchConfig, runSteps, type StepLosses } from './steps.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Losses of WebGPU and cpu may differ by float rounding, not by more. */
const LOSS_TOLERANCE = 1e-3;
const CHECK_STEPS = 3;
/** Small enough for cpu (and for a software Vulkan driver) to train in seconds. */
const CHECK_CONFIGS = ['dcgan:16:0.25', 'heaton:16:0.0625'];
const CHECK_BATCH = 2;

const { values: args } = parseArgs({
  options: {
    configs: { type: 'string', default: 'heaton:32,heaton:64,dcgan:32,dcgan:64' },
    batch: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '3' },
    steps: { type: 'string', default: '10' },
    'no-check': { type: 'boolean', default: false },
    torch: { type: 'string', default: 'auto' },
    'torch-device': { type: 'string', default: 'cuda' },
    json: { type: 'string' },
  },
});

function wholeNumber(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got "${text}"`);
  return value;
}

interface DawnModule {
  create(flags: string[]): unknown;
  globals: Record<string, unknown>;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<{ info?: AdapterInfoLike; isFallbackAdapter?: boolean } | null>;
}

/**
 * Installs Dawn as `navigator.gpu` (with the WebGPU constants such as GPUBufferUsage), then
 * registers tfjs's WebGPU backend, which only registers itself if navigator.gpu exists when it
 * loads: hence the dynamic import. Returns the adapter's description.
 */
async function startWebGpu(): Promise<{ adapter: string; software: boolean }> {
  const dawnPath = process.env['GANVAS_DAWN_NODE'] ?? path.join(HERE, 'dawn.node');
  if (!existsSync(dawnPath)) throw new Error(`Dawn is missing: no ${dawnPath} (build the kit with bench/gpu/build-kit.sh, or set GANVAS_DAWN_NODE)`);
  const dawn = createRequire(import.meta.url)(dawnPath) as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]) as GpuLike;
  // Node 21+ defines a read-only navigator getter; Node 20 has none.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu');

  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn found no WebGPU adapter: is a Vulkan driver installed (see run.sh and README.md)?');
  const info = adapter.info ?? {};
  const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') || 'unknown adapter';
  const software = adapter.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|software/i.test(description);
  if (!(await tf.setBackend('webgpu'))) throw new Error(`tfjs's WebGPU backend failed to start on ${description}`);
  await tf.ready();
  return { adapter: description, software };
}

/** Trains the check configs on the current backend; losses per config. */
async function checkLosses(): Promise<StepLosses[][]> {
  const runs: StepLosses[][] = [];
  for (const spec of CHECK_CONFIGS) {
    const { losses } = await runSteps(parseBenchConfig(spec, CHECK_BATCH), CHECK_STEPS);
    runs.push(losses);
  }
  return runs;
}

interface TorchResult {
  arch: string;
  px: number;
  ms_per_step: number;
}
type TorchOutcome = { ok: true; version: string; device: string; results: TorchResult[] } | { ok: false; reason: string };

/** Runs torch_reference.py for the width-1 configs, or says why it could not. */
function runTorch(specs: string[], batch: number, warmup: number, steps: number, device: string): TorchOutcome {
  const script = path.join(HERE, 'torch_reference.py');
  if (!existsSync(script)) return { ok: false, reason: 'torch_reference.py is not beside the bench' };
  const python = process.env['PYTHON'] ?? 'python3';
  const probe = spawnSync(
    python,
    ['-c', `import sys, torch; sys.exit(0 if "${device}" == "cpu" or torch.cuda.is_available() else 3)`],
    { encoding: 'utf8' },
  );
  if (probe.error) return { ok: false, reason: `${python} not found` };
  if (probe.status === 3) return { ok: false, reason: 'torch has no CUDA device here' };
  if (probe.status !== 0) return { ok: false, reason: `torch is not importable with ${python}: ${probe.stderr.trim().split('\n').pop() ?? ''}` };
  if (specs.length === 0) return { ok: false, reason: 'torch_reference.py only builds the published widths (width 1)' };
  const run = spawnSync(
    python,
    [script, '--device', device, '--configs', specs.join(','), '--batch', String(batch), '--warmup', String(warmup), '--steps', String(steps)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (run.status !== 0) return { ok: false, reason: `torch_reference.py failed (exit ${run.status ?? run.signal})` };
  const parsed = JSON.parse(run.stdout) as { torch: string; device_name: string; results: TorchResult[] };
  return { ok: true, version: parsed.torch, device: parsed.device_name, results: parsed.results };
}

async function main(): Promise<number> {
  const batch = wholeNumber('batch', args.batch, 1);
  const warmup = wholeNumber('warmup', args.warmup, 0);
  const steps = wholeNumber('steps', args.steps, 1);
  const configs = args.configs.split(',').map((spec) => parseBenchConfig(spec.trim(), batch));
  const check = !args['no-check'];
  if (args.torch !== 'auto' && args.torch !== 'none') throw new Error(`--torch must be auto or none, got "${args.torch}"`);

  const { adapter, software } = await startWebGpu();
  console.log(`# Ganvas GPU benchmark: tfjs ${tf.version.tfjs} on WebGPU (Dawn) in Node ${process.version}`);
  console.log(`${new Date().toISOString()} · adapter: ${adapter}`);
  if (software) console.log('NOTE: this is a software adapter (a CPU emulating a GPU): these numbers are not a GPU measurement.');

  let lossCheck: { maxDifference: number; webgpu: StepLosses[][]; cpu: StepLosses[][] } | null = null;
  if (check) {
    const webgpu = await checkLosses();
    registerCpuResizeNearestNeighborGradFix();
    await tf.setBackend('cpu');
    const cpu = await checkLosses();
    await tf.setBackend('webgpu');
    const maxDifference = Math.max(...webgpu.map((losses, i) => maxLossDifference(losses, cpu[i] ?? [])));
    lossCheck = { maxDifference, webgpu, cpu };
    const verdict = maxDifference <= LOSS_TOLERANCE ? 'ok' : 'MISMATCH';
    console.log(`loss check (${CHECK_CONFIGS.join(', ')}; batch ${CHECK_BATCH}; ${CHECK_STEPS} steps; WebGPU vs tfjs cpu): max |Δloss| = ${maxDifference.toExponential(2)} → ${verdict}`);
  }

  const rows: { config: string; batch: number; webgpuMs: number; stepMs: number[]; losses: StepLosses[]; leakedTensors: number }[] = [];
  for (const config of configs) {
    const result = await runSteps(config, warmup + steps);
    const timed = result.ms.slice(warmup);
    rows.push({ config: configLabel(config), batch, webgpuMs: median(timed), stepMs: result.ms, losses: result.losses, leakedTensors: result.leakedTensors });
    console.log(`  webgpu ${configLabel(config)} batch ${batch}: ${median(timed).toFixed(2)} ms/step (median of ${steps}, after ${warmup} warm-up)`);
  }

  const torchSpecs = configs.filter((c) => c.width === 1).map(configLabel);
  const torch: TorchOutcome = args.torch === 'none' ? { ok: false, reason: 'skipped (--torch none)' } : runTorch(torchSpecs, batch, warmup, steps, args['torch-device']);
  const torchName = `PyTorch ${args['torch-device'] === 'cpu' ? 'CPU' : 'CUDA'}`;
  console.log(torch.ok ? `${torchName}: torch ${torch.version} on ${torch.device}` : `${torchName}: not measured: ${torch.reason}`);

  console.log(`\n| config | batch | tfjs-webgpu ms/step | ${torchName} ms/step | ratio (webgpu / torch) |`);
  console.log('|---|---|---|---|---|');
  for (const row of rows) {
    const native = torch.ok ? torch.results.find((r) => `${r.arch}:${r.px}` === row.config) : undefined;
    const nativeText = native ? native.ms_per_step.toFixed(2) : 'n/a';
    const ratio = native ? `${(row.webgpuMs / native.ms_per_step).toFixed(2)}×` : 'n/a';
    console.log(`| ${row.config} | ${row.batch} | ${row.webgpuMs.toFixed(2)} | ${nativeText} | ${ratio} |`);
  }

  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ tfjs: tf.version.tfjs, node: process.version, adapter, software, warmup, steps, lossCheck, webgpu: rows, torch }, null, 1));
  }
  return lossCheck && lossCheck.maxDifference > LOSS_TOLERANCE ? 2 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
