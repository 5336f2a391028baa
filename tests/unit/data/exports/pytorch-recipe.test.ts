/**
 * "Continue in PyTorch": the export's train.py run for real with Debian's python3-torch, one
 * process and two (torchrun, gloo), and what it writes loaded back by the app's own code.
 * Skipped, with the reason printed, only where python3 cannot import torch.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, truncateSync, copyFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createImageSet, sampleBatch, splitHeldBack, type ImageSet } from '../../../../src/data/dataset.ts';
import { createTrainer } from '../../../../src/worker/trainer.ts';
import type { FromWorker } from '../../../../src/protocol/messages.ts';
import type { RecipeSources } from '../../../../src/data/exports/keras-recipe.ts';
import { heatonNpyChunks } from '../../../../src/data/exports/npy.ts';
import { pytorchRecipeZip, type PytorchRecipeManifest } from '../../../../src/data/exports/pytorch-recipe.ts';
import { buildModels } from '../../../../src/gan/architectures.ts';
import { captureCheckpoint, encodeCheckpoint } from '../../../../src/gan/checkpoint.ts';
import { modelArtifacts } from '../../../../src/gan/model-artifacts.ts';
import { createGan, disposeGan, trainStep, type Gan } from '../../../../src/gan/train-step.ts';
import { ARCHITECTURES, HEATON_DEFAULTS, SUPPORTED_RESOLUTIONS, heldBackCount, type TrainConfig } from '../../../../src/protocol/config.ts';
import { latentForSeed } from '../../../../src/protocol/latent.ts';
import { STEP_METRICS, type MetricRow } from '../../../../src/protocol/metrics.ts';
import { useCpuBackend } from '../../backends.ts';

beforeAll(useCpuBackend);

/**
 * A python3 that imports torch and numpy (pyenv's python3 may shadow Debian's, which has them),
 * or the reason there is none.
 */
function findTorchPython(): { python: string } | { problem: string } {
  let problem = 'no python3 found';
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const result = spawnSync(candidate, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (result.status === 0) return { python: candidate };
    problem = result.error?.message ?? result.stderr.trim().split('\n').at(-1) ?? `exit ${result.status}`;
  }
  return { problem };
}
const found = findTorchPython();
if ('problem' in found) console.warn(`pytorch-recipe.test: skipping the PyTorch round trips, python3 cannot import torch: ${found.problem}`);
const PYTHON = 'python' in found ? found.python : 'python3';
// Skipped only off CI: .ci/run installs Debian's python3-torch, so there a missing torch fails the tests.
const withTorch = test.skipIf('problem' in found && !process.env['CI']);

const HERE = path.dirname(new URL(import.meta.url).pathname);
const work = mkdtempSync(path.join(tmpdir(), 'ganvas-pytorch-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Tiny runs: 16 px, width ¼, batch 4, with label smoothing, flips and (heaton) dropout on. */
const HEATON: TrainConfig = {
  ...HEATON_DEFAULTS,
  resolution: 16,
  // Heaton's step on tfjs's cpu backend takes ~30 s at width ¼ here; 1/16 keeps the check quick.
  width: 1 / 16,
  latentSize: 8,
  batchSize: 4,
  steps: 1000,
  labelSmoothing: 0.1,
  flip: true,
  gridRows: 1,
  gridCols: 2,
  // On, so 12 of the 120 images are held back and train.py must draw from the same pool.
  qualityEvery: 1000,
  seed: 7,
};
const DCGAN: TrainConfig = { ...HEATON, architecture: 'dcgan', width: 0.25, generatorLearningRate: 2e-4, discriminatorLearningRate: 2e-4 };

function patternSet(count: number, salt: number): ImageSet {
  const pixels = new Uint8Array(count * 16 * 16 * 3).map((_, i) => (Math.imul(i + salt, 2654435761) >>> 24) & 0xff);
  return createImageSet(pixels, 16, 3);
}

/** A run trained `steps` steps in the app's own code (cpu backend), and what the export needs. */
async function appRun(config: TrainConfig, set: ImageSet, steps: number, identity: string): Promise<{ gan: Gan; sources: RecipeSources; pool: Uint32Array | null }> {
  const held = heldBackCount(set.count, config.qualityEvery);
  const pool = held > 0 ? splitHeldBack(set.count, config.seed, held).training : null;
  const gan = createGan(config);
  const rows: MetricRow[] = [];
  for (let step = 0; step < steps; step++) {
    const real = sampleBatch(set, config.seed, step, config.batchSize, config.flip, pool);
    const values = trainStep(gan, real, step, { labelSmoothing: config.labelSmoothing });
    real.dispose();
    const read = await values.data();
    values.dispose();
    rows.push({ step: step + 1, ...Object.fromEntries(STEP_METRICS.map((name, i) => [name, read[i] ?? NaN])) } as MetricRow);
  }
  const checkpoint = await captureCheckpoint(gan, { step: steps, metrics: rows, datasetIdentity: identity });
  const summary = { config, step: steps, seed: config.seed, dataset: { name: 'pattern.zip', count: set.count, side: 16, channels: 3, crop: 'centre' }, backend: 'cpu' as const, savedAt: '' };
  return { gan, pool, sources: { set, pool, checkpoint, generator: await modelArtifacts(gan.generator), discriminator: await modelArtifacts(gan.discriminator), summary } };
}

/** Unzips `blob` into a new folder under the test's work folder. */
async function unzip(blob: Blob, name: string): Promise<string> {
  const folder = path.join(work, name);
  const zip = await JSZip.loadAsync(await blob.arrayBuffer());
  for (const entry of Object.values(zip.files)) {
    if (entry.dir) continue;
    mkdirSync(path.dirname(path.join(folder, entry.name)), { recursive: true });
    writeFileSync(path.join(folder, entry.name), await entry.async('uint8array'));
  }
  return folder;
}

function seed42Face(gan: Gan): Float32Array {
  return tf.tidy(() => (gan.generator.predict(tf.tensor2d(latentForSeed(42, gan.config.latentSize), [1, gan.config.latentSize])) as tf.Tensor).dataSync() as Float32Array);
}

describe('Continue in PyTorch: every architecture, size and width', () => {
  withTorch("train.py's networks have the app's weights (widths ¼ and 1) and give its outputs (width 1/16, G's seed-42 face and D's verdict)", async () => {
    const cases: { name: string; config: TrainConfig; checkpoint?: string; [more: string]: unknown }[] = [];
    for (const architecture of ARCHITECTURES) {
      for (const resolution of SUPPORTED_RESOLUTIONS[architecture]) {
        const base: TrainConfig = { ...HEATON_DEFAULTS, architecture, resolution, latentSize: 100 };
        for (const width of [0.25, 1]) {
          const config = { ...base, width };
          const models = buildModels(config);
          const layout = (model: tf.LayersModel) => model.weights.map((w) => [w.originalName, w.shape]);
          cases.push({ name: `${architecture} ${resolution} px ×${width}`, config, generator: layout(models.generator), discriminator: layout(models.discriminator) });
          models.generator.dispose();
          models.discriminator.dispose();
        }
        const config = { ...base, width: 1 / 16 };
        const gan = createGan(config);
        const file = path.join(work, `${architecture}-${resolution}.ganvas`);
        writeFileSync(file, encodeCheckpoint(await captureCheckpoint(gan, { step: 0, metrics: [], datasetIdentity: null })));
        const [face, judged] = tf.tidy(() => {
          const images = gan.generator.predict(tf.tensor2d(latentForSeed(42, 100), [1, 100])) as tf.Tensor;
          return [Array.from(images.dataSync()), (gan.discriminator.predict(images) as tf.Tensor).dataSync()[0]];
        });
        cases.push({ name: `${architecture} ${resolution} px ×1/16`, config, checkpoint: file, face, judged });
        disposeGan(gan);
      }
    }
    const casesFile = path.join(work, 'cases.json');
    writeFileSync(casesFile, JSON.stringify(cases));
    const results = JSON.parse(execFileSync(PYTHON, [path.join(HERE, 'pytorch_networks.py'), path.join(HERE, '../../../../src/data/exports/pytorch'), casesFile], { encoding: 'utf8' })) as {
      name: string;
      faceError: number;
      judgedError: number;
    }[];
    expect(results.map((r) => r.name)).toEqual(cases.filter((c) => c.checkpoint).map((c) => c.name));
    for (const { name, faceError, judgedError } of results) {
      expect(faceError, name).toBeLessThan(1e-5);
      expect(judgedError, name).toBeLessThan(1e-5);
    }
  }, 300_000);
});

describe('Continue in PyTorch: exactness', () => {
  for (const config of [HEATON, DCGAN]) {
    withTorch(`${config.architecture}: one PyTorch step matches the app's next step (losses within 1e-4), and G's seed-42 face before it`, async () => {
      const set = patternSet(120, 1);
      const { gan, sources, pool } = await appRun(config, set, 2, 'pixels:v1:test:120:16:3:centre');
      try {
        const tensors = tf.memory().numTensors;
        const zip = await pytorchRecipeZip(sources);
        expect(tf.memory().numTensors).toBe(tensors);
        const folder = await unzip(zip, `exact-${config.architecture}`);
        const manifest = JSON.parse(readFileSync(path.join(folder, 'ganvas-recipe.json'), 'utf8')) as PytorchRecipeManifest;
        expect(manifest.nextStep.step).toBe(2);
        expect(manifest.nextStep.noise.length).toBe(config.batchSize * config.latentSize);
        expect(manifest.nextStep.indices.every((i) => pool?.includes(i))).toBe(true);

        const face = seed42Face(gan);
        const real = sampleBatch(set, config.seed, 2, config.batchSize, config.flip, pool);
        const values = trainStep(gan, real, 2, { labelSmoothing: config.labelSmoothing });
        real.dispose();
        const app = Array.from(await values.data());
        values.dispose();

        const output = execFileSync(PYTHON, [path.join(HERE, 'pytorch_step.py'), folder], { encoding: 'utf8' });
        const torch = JSON.parse(output) as { face42: number[]; row: Record<string, number>; step: number };
        expect(torch.step).toBe(3);
        expect(torch.face42.length).toBe(face.length);
        const faceError = Math.max(...torch.face42.map((v, i) => Math.abs(v - (face[i] ?? NaN))));
        expect(faceError).toBeLessThan(1e-5);
        STEP_METRICS.forEach((name, i) => {
          expect(Math.abs((torch.row[name] ?? NaN) - (app[i] ?? NaN)), `${name}: PyTorch ${torch.row[name]} vs app ${app[i]}`).toBeLessThan(1e-4);
        });
      } finally {
        disposeGan(gan);
      }
    });
  }
});

/** The worker's logic driven directly, as in the app, collecting what it posts. */
function app() {
  const posted: FromWorker[] = [];
  const handle = createTrainer((message) => posted.push(message), { openStore: async () => null, openCache: async () => null });
  const of = <T extends FromWorker['type']>(type: T) => posted.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);
  return { handle, of };
}

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs train.py (or torchrun with it); returns its exit status and both streams together. */
function runPython(args: string[], cwd: string): { status: number | null; output: string } {
  // A timeout, because spawnSync blocks vitest's own: a hung process fails the test instead of stalling CI.
  const result = spawnSync(args[0] === 'torchrun' ? TORCHRUN : PYTHON, args[0] === 'torchrun' ? args.slice(1) : args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
    timeout: 180_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error ? String(result.error) : ''}` };
}

/** Debian's torchrun next to Debian's python3; on Python 3.11, torch 1.13's default --redirects/--tee crash, so they are named. */
const TORCHRUN = PYTHON === '/usr/bin/python3' || existsSync('/usr/bin/torchrun') ? '/usr/bin/torchrun' : 'torchrun';
const TORCHRUN_ARGS = ['--redirects', '1', '--tee', '1', '--nproc_per_node=2'];

const PIXELS = new Uint8Array(patternSet(16, 3).pixels);
const OPTIONS = { side: 16, channels: 3, crop: 'centre' } as const;
const SMALL: TrainConfig = { ...DCGAN, qualityEvery: 0, previewEvery: 1000 };

describe('Continue in PyTorch: torchrun and back', () => {
  withTorch('2 gloo processes train an exported run, checkpoint, resume; the app loads the checkpoint and generator, draws faces, trains on', async () => {
    const { handle, of } = app();
    await handle({ type: 'init', preferred: 'cpu' });
    await handle({ type: 'load-pixels', name: 'pattern.zip', pixels: PIXELS.slice().buffer, options: OPTIONS, cartoon: null });
    await handle({ type: 'start', config: SMALL });
    await until(() => (of('run-state').at(-1)?.step ?? 0) >= 2 || of('metrics').length > 0);
    await handle({ type: 'pause' });
    await until(() => of('run-state').at(-1)?.state === 'paused');
    await handle({ type: 'export-recipe', requestId: 1, target: 'pytorch' });
    const answer = of('recipe')[0];
    if (!answer) throw new Error(`no recipe: ${JSON.stringify(of('request-failed'))}`);
    const folder = await unzip(answer.zip, 'distributed');
    const exported = JSON.parse(readFileSync(path.join(folder, 'ganvas-recipe.json'), 'utf8')) as PytorchRecipeManifest;
    const start = exported.summary.step;
    expect(answer.fileName).toBe(`ganvas-pytorch-step-${start}.zip`);

    // Train 3 steps with a checkpoint after 2, then "resume" to 5 steps past the export.
    const first = runPython(['torchrun', ...TORCHRUN_ARGS, 'train.py', '--steps', '3', '--checkpoint-every', '2', '--out', 'run'], folder);
    expect(first.output).toContain('2 process(es) on cpu, starting from the export');
    expect(first.status, first.output).toBe(0);
    const second = runPython(['torchrun', ...TORCHRUN_ARGS, 'train.py', '--steps', '5', '--out', 'run'], folder);
    expect(second.output).toContain(`step ${start + 3} → ${start + 5}, 2 process(es) on cpu, resuming from run/checkpoint.ganvas`);
    expect(second.status, second.output).toBe(0);

    // Back in the app: the same data is loaded, so "Load checkpoint…" continues the run.
    const bytes = readFileSync(path.join(folder, 'run', 'checkpoint.ganvas'));
    await handle({ type: 'load-checkpoint', requestId: 90, bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
    const restored = of('run-restored').at(-1);
    expect(restored).toMatchObject({ reason: 'loaded', step: start + 5 });
    // Charts continue: the app's rows, then PyTorch's, one per step.
    expect(restored?.rows.map((row) => row.step)).toEqual(Array.from({ length: start + 5 }, (_, i) => i + 1));
    expect(restored?.rows.every((row) => STEP_METRICS.every((name) => Number.isFinite(row[name])))).toBe(true);

    // The Generate view takes generator.zip; its faces equal the restored run's own.
    const zipBytes = readFileSync(path.join(folder, 'run', 'generator.zip'));
    await handle({ type: 'load-generator', requestId: 2, file: new File([zipBytes], 'generator.zip') });
    expect(of('generator-loaded')[0]?.info.summary.step).toBe(start + 5);
    await handle({ type: 'generate', requestId: 3, source: 'uploaded', seeds: [42, 7] });
    await handle({ type: 'generate', requestId: 4, source: 'live', seeds: [42, 7] });
    const [uploaded, live] = of('faces');
    expect(uploaded?.faces.map((face) => face.seed)).toEqual([42, 7]);
    expect(new Uint8Array(uploaded?.faces[0]?.image.pixels ?? new ArrayBuffer(0))).toEqual(new Uint8Array(live?.faces[0]?.image.pixels ?? new ArrayBuffer(1)));
    expect(new Set(new Uint8Array(uploaded?.faces[0]?.image.pixels ?? new ArrayBuffer(0))).size).toBeGreaterThan(10);

    // And training continues in the app.
    await handle({ type: 'step' });
    await until(() => of('run-state').some((m) => m.step === start + 6));
    await handle({ type: 'stop' });
    expect(of('error')).toEqual([]);
  }, 300_000);
});

/** A folder's files and their bytes, to show that nothing was written. */
function snapshot(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of ['checkpoint.ganvas', 'generator.zip']) {
    const file = path.join(folder, name);
    if (existsSync(file)) files[name] = `${statSync(file).size}:${readFileSync(file).toString('base64').slice(0, 64)}:${readFileSync(file).toString('base64').slice(-64)}`;
  }
  return files;
}

describe('Continue in PyTorch: bad input', () => {
  withTorch('another data set, a truncated checkpoint and another architecture: clear messages, nothing overwritten', async () => {
    // Two runs on the same images: heaton and dcgan.
    const set = patternSet(120, 1);
    const identity = 'pixels:v1:aaaa:120:16:3:centre';
    const heaton = await appRun(HEATON, set, 1, identity);
    const dcgan = await appRun(DCGAN, set, 1, identity);
    disposeGan(heaton.gan);
    disposeGan(dcgan.gan);
    const heatonFolder = await unzip(await pytorchRecipeZip(heaton.sources), 'bad-heaton');
    const dcganFolder = await unzip(await pytorchRecipeZip(dcgan.sources), 'bad-dcgan');
    const ok = runPython(['train.py', '--steps', '1', '--out', 'run'], dcganFolder);
    expect(ok.status, ok.output).toBe(0);

    // Another set's .npy (same shape) over this recipe's: refused before anything is written.
    const npy = path.join(heatonFolder, 'training_data_16_16.npy');
    const original = readFileSync(npy);
    writeFileSync(npy, Buffer.concat([...heatonNpyChunks(patternSet(120, 2))]));
    const otherData = runPython(['train.py', '--steps', '1', '--out', 'run'], heatonFolder);
    expect(otherData.status).toBe(2);
    expect(otherData.output).toContain('train.py: The training set training_data_16_16.npy is not the one this recipe was exported with (its checksum differs): it is from another data set or damaged.');
    expect(existsSync(path.join(heatonFolder, 'run'))).toBe(false);
    writeFileSync(npy, original);

    // The dcgan run's checkpoint in the heaton recipe's --out: refused, left as it was.
    const foreign = path.join(heatonFolder, 'run');
    mkdirSync(foreign);
    copyFileSync(path.join(dcganFolder, 'run', 'checkpoint.ganvas'), path.join(foreign, 'checkpoint.ganvas'));
    const before = snapshot(foreign);
    const otherArchitecture = runPython(['train.py', '--steps', '1', '--out', 'run'], heatonFolder);
    expect(otherArchitecture.status).toBe(2);
    expect(otherArchitecture.output).toContain(
      'train.py: run/checkpoint.ganvas is for dcgan at 16 px (RGB, width ×0.25, latent 8) (seed 7), but this recipe is heaton at 16 px (RGB, width ×0.0625, latent 8) (seed 7). Use a fresh --out folder for this recipe.',
    );
    expect(snapshot(foreign)).toEqual(before);

    // A truncated checkpoint (an interrupted copy): refused, left as it was.
    const own = path.join(dcganFolder, 'run', 'checkpoint.ganvas');
    truncateSync(own, statSync(own).size - 1000);
    const cut = snapshot(path.join(dcganFolder, 'run'));
    const truncated = runPython(['train.py', '--steps', '1', '--out', 'run'], dcganFolder);
    expect(truncated.status).toBe(2);
    expect(truncated.output).toContain('train.py: run/checkpoint.ganvas is incomplete: it was cut short, perhaps by an interrupted copy or download. Nothing was changed.');
    expect(snapshot(path.join(dcganFolder, 'run'))).toEqual(cut);

    // The app: the truncated checkpoint and a truncated generator zip get its messages; a
    // checkpoint of other data is refused and nothing is restored.
    const { handle, of } = app();
    await handle({ type: 'init', preferred: 'cpu' });
    await handle({ type: 'load-pixels', name: 'pattern.zip', pixels: patternSet(120, 2).pixels.slice().buffer, options: OPTIONS, cartoon: null });
    await handle({ type: 'load-checkpoint', requestId: 91, bytes: new Uint8Array(readFileSync(own)).buffer });
    expect(of('request-failed').at(-1)?.message).toContain('This checkpoint file is incomplete (it was cut short, perhaps by an interrupted download or save).');
    await handle({ type: 'load-checkpoint', requestId: 92, bytes: new Uint8Array(readFileSync(path.join(foreign, 'checkpoint.ganvas'))).buffer });
    expect(of('request-failed').at(-1)?.message).toMatch(/This checkpoint was trained on different data/);
    expect(of('run-restored')).toEqual([]);
    const zip = await JSZip.loadAsync(readFileSync(path.join(dcganFolder, 'run', 'generator.zip')));
    const weights = await zip.file('weights.bin')?.async('uint8array');
    if (!weights) throw new Error('generator.zip has no weights.bin');
    zip.file('weights.bin', weights.subarray(0, weights.length - 100));
    await handle({ type: 'load-generator', requestId: 1, file: new File([await zip.generateAsync({ type: 'blob' })], 'generator.zip') });
    expect(of('request-failed').find((reply) => reply.requestId === 1)?.message).toMatch(/^weights\.bin in “generator\.zip” holds .* but model\.json describes .* of weights/);
  }, 300_000);
});
