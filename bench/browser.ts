/**
 * Browser benchmark of the GAN training step: every backend × architecture × resolution,
 * timed in Debian's Chromium (headless, driven by Playwright) on the page
 * bench/browser/index.html served by a programmatic Vite dev server, next to the same step
 * in native PyTorch (bench/torch_reference.py) when torch imports.
 *
 *   npx tsx bench/browser.ts            # full run, about 15–20 minutes on 2 cores
 *   npx tsx bench/browser.ts --quick    # a smoke run, under 3 minutes
 *   npx tsx bench/browser.ts --only wasm-mt:heaton:64 --steps 2 --profile --no-native
 *       # one row, 2 timed steps, plus a per-kernel profile of one step; no PyTorch run
 *   npx tsx bench/browser.ts --only wasm:heaton:64 --fused both --repeat 2 --no-native
 *       # G's upsample+conv blocks plain and fused, alternating, twice each, and their ratio
 *       # (--budget S: seconds per row instead of the plan's, for a loaded machine)
 *
 * Prints one markdown table, preceded by the date, the machine and the Chromium version.
 * WebGL and WebGPU run on SwiftShader here (a batch-32 step takes many minutes), so they are
 * timed at a small batch and scaled linearly to batch 32 (software rasterisers do the same work
 * per image), under a per-row time budget; the note column says so for each row.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/e2e/chromium.ts';
import { argValue, cpuModel, startBenchServer } from './common.ts';
import type { BenchBackend, BenchOptions, BenchResult } from './browser/bench-types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BATCH = 32;
const CONFIGS = [
  { architecture: 'heaton', resolution: 32 },
  { architecture: 'heaton', resolution: 64 },
  { architecture: 'dcgan', resolution: 32 },
  { architecture: 'dcgan', resolution: 64 },
] as const;

/** How one backend is run: steps, budget, and for software GPUs a smaller batch to scale from. */
interface BackendPlan {
  backend: BenchBackend;
  timedSteps: number;
  budgetS: number;
  /** Batch actually run; results are scaled by BATCH / batch. Equal to BATCH for wasm. */
  batch: number;
  /** Configurations to run (others are listed as skipped). */
  only: (config: (typeof CONFIGS)[number]) => boolean;
  /** G's UpSampling2D + Conv2D pairs as one fused op (src/gan/upsample-conv.ts); only Heaton has them. */
  fused: boolean;
}

const everyConfig = (): boolean => true;
const only32 = (config: (typeof CONFIGS)[number]): boolean => config.resolution === 32;

const heaton64 = (config: (typeof CONFIGS)[number]): boolean => config.architecture === 'heaton' && config.resolution === 64;

const heaton = (config: (typeof CONFIGS)[number]): boolean => config.architecture === 'heaton';

const FULL_PLAN: BackendPlan[] = [
  { backend: 'wasm', timedSteps: 3, budgetS: 120, batch: BATCH, only: everyConfig, fused: false },
  { backend: 'wasm', timedSteps: 3, budgetS: 120, batch: BATCH, only: heaton, fused: true },
  { backend: 'wasm-mt', timedSteps: 5, budgetS: 120, batch: BATCH, only: everyConfig, fused: false },
  { backend: 'wasm-mt', timedSteps: 5, budgetS: 120, batch: BATCH, only: heaton, fused: true },
  { backend: 'wasm-1t', timedSteps: 2, budgetS: 90, batch: BATCH, only: heaton64, fused: false },
  { backend: 'wasm-simd', timedSteps: 2, budgetS: 90, batch: BATCH, only: heaton64, fused: false },
  { backend: 'webgl', timedSteps: 1, budgetS: 90, batch: 1, only: only32, fused: false },
  { backend: 'webgpu', timedSteps: 1, budgetS: 90, batch: 1, only: only32, fused: false },
];

const QUICK_PLAN: BackendPlan[] = [
  { backend: 'wasm-mt', timedSteps: 1, budgetS: 60, batch: BATCH, only: heaton64, fused: false },
  { backend: 'wasm', timedSteps: 1, budgetS: 30, batch: BATCH, only: (c) => c.architecture === 'dcgan' && c.resolution === 32, fused: false },
  { backend: 'webgl', timedSteps: 1, budgetS: 40, batch: 1, only: (c) => c.architecture === 'dcgan' && c.resolution === 32, fused: false },
];

interface NativeRow {
  arch: string;
  px: number;
  ms_per_step: number;
  d_real_ms: number;
  d_fake_ms: number;
  g_ms: number;
  steps: number;
  warmup: number;
}

interface NativeRun {
  status: string;
  rows: NativeRow[];
}

/** Debian's python3 (which sees python3-torch) first, then whatever python3 is on PATH. */
function findTorchPython(): string | null {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return null;
}

function runNative(quick: boolean, threads: number): NativeRun {
  const python = findTorchPython();
  if (!python) return { status: 'native: skipped (no torch)', rows: [] };
  const args = [path.join(ROOT, 'bench/torch_reference.py'), '--threads', String(threads), '--batch', String(BATCH)];
  if (quick) args.push('--configs', 'heaton:64', '--warmup', '2', '--steps', '2');
  const started = Date.now();
  const run = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) return { status: `native: failed (${run.stderr.trim().split('\n').pop() ?? 'no output'})`, rows: [] };
  const parsed = JSON.parse(run.stdout) as { torch: string; threads: number; results: NativeRow[] };
  const first = parsed.results[0];
  const method = first ? `median of ${first.steps} steps after ${first.warmup} warm-up` : '';
  return {
    status: `native: PyTorch ${parsed.torch} (${python}), CPU, ${parsed.threads} threads, ${method}; ${Math.round((Date.now() - started) / 1000)} s`,
    rows: parsed.results,
  };
}

const format = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '–' : ms >= 100 ? Math.round(ms).toLocaleString('en-US') : ms.toFixed(1));

function skipReason(plan: BackendPlan): string {
  if (plan.backend === 'webgl' || plan.backend === 'webgpu') return `skipped: SwiftShader, > ${plan.budgetS} s budget even at batch ${plan.batch}`;
  return 'skipped: same build as wasm, measured at heaton 64 only';
}

interface Row {
  plan: BackendPlan;
  architecture: string;
  resolution: number;
  result: BenchResult | null;
  skipped: string | null;
}

function tableRow(row: Row, native: NativeRun): string {
  const { plan, architecture, resolution, result } = row;
  const nativeRow = native.rows.find((n) => n.arch === architecture && n.px === resolution);
  const nativeMs = nativeRow ? format(nativeRow.ms_per_step) : '–';
  const base = [plan.backend, plan.fused ? 'fused' : 'plain', architecture, String(resolution), String(BATCH)];
  if (!result || row.skipped) {
    return `| ${[...base, '0', '–', '–', '–', '–', '–', '–', nativeMs, '–', row.skipped ?? 'not run'].join(' | ')} |`;
  }
  const scale = BATCH / plan.batch;
  const m = result.median;
  const notes: string[] = [];
  if (scale !== 1) notes.push(`est.: batch ${plan.batch} × ${scale}`);
  if (result.stopped) notes.push(result.stopped);
  if (result.tensorGrowth) notes.push(`tensor growth ${result.tensorGrowth}`);
  if (!m && result.warmUpMs !== null) notes.push(`warm-up step alone ${format(result.warmUpMs * scale)} ms${scale !== 1 ? ' (scaled)' : ''}`);
  const env = result.environment;
  if (env?.wasmThreads !== null && env?.wasmThreads !== undefined) notes.push(`${env.wasmThreads} thread${env.wasmThreads === 1 ? '' : 's'}${env.wasmMultithread ? '' : ', no SAB build'}`);
  const total = m ? m.totalMs * scale : null;
  const memory = result.memory ? `${result.memory.numTensors}/${(result.memory.numBytes / 2 ** 20).toFixed(0)}` : '–';
  const ratio = total !== null && nativeRow ? `${(total / nativeRow.ms_per_step).toFixed(2)}×` : '–';
  return `| ${[
    ...base,
    String(result.steps.length),
    format(total),
    format(m ? m.dRealMs * scale : null),
    format(m ? m.dFakeMs * scale : null),
    format(m ? m.gMs * scale : null),
    total ? ((BATCH * 1000) / total).toFixed(1) : '–',
    memory,
    nativeMs,
    ratio,
    notes.join('; ') || '',
  ].join(' | ')} |`;
}

/**
 * "backend arch px: ratio (plain ms → fused ms)" for every fused row, against the nearest plain
 * run of the same backend, architecture and size before it (with --repeat, the one just
 * before it, so both saw about the same load from other processes).
 */
function fusedRatios(rows: Row[]): string[] {
  return rows.flatMap((row, i) => {
    const fused = row.result?.median;
    if (!row.plan.fused || !fused) return [];
    const sameRow = (other: Row): boolean =>
      !other.plan.fused && other.plan.backend === row.plan.backend && other.architecture === row.architecture && other.resolution === row.resolution;
    const plain = rows.slice(0, i).reverse().find((other) => sameRow(other) && other.result?.median)?.result?.median;
    if (!plain) return [];
    return [
      `${row.plan.backend} ${row.architecture} ${row.resolution} px: ${(plain.totalMs / fused.totalMs).toFixed(2)}× ` +
        `(${format(plain.totalMs)} → ${format(fused.totalMs)} ms/step; G phase ${format(plain.gMs)} → ${format(fused.gMs)} ms; ` +
        `D-fake phase ${format(plain.dFakeMs)} → ${format(fused.dFakeMs)} ms)`,
    ];
  });
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const profile = process.argv.includes('--profile');
  const onlyFilter = argValue('--only'); // backend:arch:px
  const threads = Number(argValue('--threads') ?? 2);
  let plan = quick ? QUICK_PLAN : FULL_PLAN;
  if (onlyFilter) {
    const [backend, architecture, px] = onlyFilter.split(':');
    plan = [...FULL_PLAN, ...QUICK_PLAN]
      .filter((p, i, all) => p.backend === backend && all.findIndex((q) => q.backend === p.backend) === i)
      .map((p) => ({ ...p, only: (c: (typeof CONFIGS)[number]) => c.architecture === architecture && String(c.resolution) === px }));
  }
  const stepsOverride = argValue('--steps');
  if (stepsOverride) plan = plan.map((p) => ({ ...p, timedSteps: Number(stepsOverride) }));
  const budgetOverride = argValue('--budget'); // seconds per row, for a loaded machine
  if (budgetOverride) plan = plan.map((p) => ({ ...p, budgetS: Number(budgetOverride) }));
  // --fused on|off|both: G blocks fused, plain, or plain then fused for every row.
  const fusedChoice = argValue('--fused');
  if (fusedChoice !== null) {
    const variants = fusedChoice === 'both' ? [false, true] : [fusedChoice === 'on'];
    plan = plan.flatMap((p) => variants.map((fused) => ({ ...p, fused })));
  }
  // --repeat N: the whole plan N times over, so variants alternate under the same load.
  const repeat = Number(argValue('--repeat') ?? 1);
  plan = Array.from({ length: repeat }, () => plan).flat();
  const runStarted = Date.now();
  // Other processes on a 2-core machine skew every number; the load average shows whether they ran.
  const loadBefore = os.loadavg()[0] ?? 0;

  // Native first, alone on the CPU: the browser bench would otherwise share the 2 cores with it.
  const native = process.argv.includes('--no-native') ? { status: 'native: skipped (--no-native)', rows: [] } : runNative(quick, threads);
  console.error(native.status);

  const { server, origin } = await startBenchServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const rows: Row[] = [];
  const profiles: { label: string; result: BenchResult }[] = [];
  try {
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') console.error(`[page] ${message.text()}`);
    });
    await page.goto(`${origin}/bench/browser/index.html`);
    await page.waitForFunction(() => typeof window.runBench === 'function', undefined, { timeout: 120_000 });
    for (const backendPlan of plan) {
      for (const config of CONFIGS) {
        const row: Row = { plan: backendPlan, ...config, result: null, skipped: null };
        rows.push(row);
        if (!backendPlan.only(config) && onlyFilter) {
          rows.pop(); // --only: list just the rows asked for
          continue;
        }
        if (!backendPlan.only(config)) {
          row.skipped = quick || onlyFilter ? 'not run (--quick/--only)' : skipReason(backendPlan);
          continue;
        }
        const options: BenchOptions = {
          backend: backendPlan.backend,
          architecture: config.architecture,
          resolution: config.resolution,
          batchSize: backendPlan.batch,
          width: 1,
          timedSteps: backendPlan.timedSteps,
          budgetMs: backendPlan.budgetS * 1000,
          profile,
          fusedUpsampleConv: backendPlan.fused,
        };
        const started = Date.now();
        row.result = await page.evaluate((o) => window.runBench(o), options);
        const label = `${backendPlan.backend}${backendPlan.fused ? ' fused' : ''} ${config.architecture} ${config.resolution}px`;
        console.error(`${label}: ${Math.round((Date.now() - started) / 1000)} s${row.result.stopped ? ` (${row.result.stopped.split('\n')[0]})` : ''}`);
        if (profile && row.result.kernels) profiles.push({ label, result: row.result });
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }

  const env = rows.find((r) => r.result?.environment)?.result?.environment;
  console.log(`Measured ${new Date().toISOString()} on ${os.cpus().length} cores (${cpuModel()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}`);
  console.log(`Browser: ${browser.version()} headless, ${env ? `crossOriginIsolated page=${env.crossOriginIsolatedPage} worker=${env.crossOriginIsolatedWorker}, hardwareConcurrency ${env.hardwareConcurrency}` : 'no run reported its environment'}; steps run in a dedicated module worker`);
  console.log(native.status);
  console.log(`1-minute load average ${loadBefore.toFixed(1)} at start, ${(os.loadavg()[0] ?? 0).toFixed(1)} at end (${os.cpus().length} cores; above that, other processes shared the CPU).`);
  console.log(`Total bench time ${Math.round((Date.now() - runStarted) / 1000)} s. Times are medians per step after one untimed warm-up step; phases synced with await loss.data(); "tensors/MB" is tf.memory() after the timed steps.`);
  console.log('');
  console.log('| backend | G blocks | arch | px | batch | timed steps | ms/step | D-real ms | D-fake ms | G ms | images/s | tensors/MB | native ms/step | ours/native | note |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(tableRow(row, native));
  const ratios = fusedRatios(rows);
  if (ratios.length > 0) {
    console.log('\nFused G blocks: plain ms/step ÷ fused ms/step, each fused run against the nearest plain run before it:');
    for (const line of ratios) console.log(`- ${line}`);
  }
  for (const { label, result } of profiles) {
    // Op-level records (fusedConv2d__op; a customGrad op, recorded under its enclosing scope's
    // name such as "forward") wrap kernels that are listed themselves; the worker marks them.
    const kernels = (result.kernels ?? []).filter((k) => k.registered);
    const total = kernels.reduce((sum, k) => sum + k.ms, 0);
    console.log(`\nProfile of one trainStep, ${label} (tf.profile, ${format(total)} ms in kernels):`);
    console.log('| kernel | calls | ms | share |\n|---|---|---|---|');
    for (const k of kernels.slice(0, 15)) console.log(`| ${k.name} | ${k.calls} | ${format(k.ms)} | ${((100 * k.ms) / total).toFixed(1)}% |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
