/**
 * Training-step benchmark in Node: ms per step and per phase, images/s and memory, for each
 * architecture at 32 and 64 px on the tfjs backends that work in Node (wasm with our training
 * kernels, single-threaded; cpu, only at a tiny size because its conv gradients are plain JS
 * loops that take minutes per step at full size).
 *
 *   npm run bench                       # heaton + dcgan, 32 and 64 px, batch 32, wasm; cpu tiny
 *   npm run bench -- --quick            # 32 px only, batch 8
 *   npm run bench -- --steps 5 --batch 16
 *
 * Phases are timed by waiting for each phase's loss with `await data()`: that sync exists only
 * here, to attribute time; the trainer itself never waits inside a step.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createImageSet, sampleBatch } from '../src/data/dataset.ts';
import {
  createGan,
  discriminatorFakePhase,
  discriminatorRealPhase,
  disposeGan,
  generateForTraining,
  generatorPhase,
  stepNoise,
  type Gan,
} from '../src/gan/train-step.ts';
import { HEATON_DEFAULTS, type Architecture, type Resolution, type TrainConfig } from '../src/protocol/config.ts';
import { useCpuBackend, useWasmBackend } from '../tests/unit/backends.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    steps: { type: 'string' },
    batch: { type: 'string' },
  },
});

const timedSteps = Number(args.steps ?? (args.quick ? 1 : 2));
const batchSize = Number(args.batch ?? (args.quick ? 8 : 32));

interface Row {
  backend: string;
  architecture: Architecture;
  resolution: number;
  width: number;
  batch: number;
  steps: number;
  msPerStep: number;
  dReal: number;
  dFake: number;
  g: number;
  tensors: number;
  backendMB: number;
  rssMB: number;
}

async function timePhase<T extends { loss: tf.Scalar; accuracy: tf.Scalar }>(run: () => T): Promise<number> {
  const start = performance.now();
  const { loss, accuracy } = run();
  await loss.data();
  const elapsed = performance.now() - start;
  tf.dispose([loss, accuracy]);
  return elapsed;
}

/** One step, phase by phase, as trainStep runs it; returns ms for [D real, D fake, G]. */
async function timedStep(gan: Gan, set: ReturnType<typeof createImageSet>, step: number): Promise<[number, number, number]> {
  const { config } = gan;
  const real = sampleBatch(set, config.seed, step, config.batchSize, config.flip);
  const noise = stepNoise(config, step);
  const dReal = await timePhase(() => discriminatorRealPhase(gan, real, { labelSmoothing: 0 }));
  // D-fake includes making the fakes, as in the real step.
  const dFake = await timePhase(() => {
    const fakes = generateForTraining(gan, noise);
    const result = discriminatorFakePhase(gan, fakes);
    fakes.dispose();
    return result;
  });
  const g = await timePhase(() => generatorPhase(gan, noise));
  tf.dispose([real, noise]);
  return [dReal, dFake, g];
}

async function bench(backend: string, config: TrainConfig, steps: number): Promise<Row> {
  const { resolution: side, channels } = config;
  // Random bytes: speed does not depend on what the images show.
  const pixels = new Uint8Array(64 * side * side * channels).map((_, i) => (i * 2654435761) >>> 24);
  const set = createImageSet(pixels, side, channels);
  const gan = createGan(config);
  await timedStep(gan, set, 0); // warm-up: kernel setup, optimiser slots
  const totals = [0, 0, 0];
  for (let step = 1; step <= steps; step++) {
    const phases = await timedStep(gan, set, step);
    phases.forEach((ms, i) => (totals[i] = (totals[i] ?? 0) + ms));
  }
  const [dReal = 0, dFake = 0, g = 0] = totals.map((t) => t / steps);
  const memory = tf.memory();
  const row: Row = {
    backend,
    architecture: config.architecture,
    resolution: side,
    width: config.width,
    batch: config.batchSize,
    steps,
    msPerStep: dReal + dFake + g,
    dReal,
    dFake,
    g,
    tensors: memory.numTensors,
    backendMB: memory.numBytes / 2 ** 20,
    rssMB: process.memoryUsage().rss / 2 ** 20,
  };
  disposeGan(gan);
  return row;
}

function formatRow(r: Row): string {
  const fixed = (v: number, digits = 0) => v.toFixed(digits);
  return `| ${r.backend} | ${r.architecture} | ${r.resolution} | ${r.width} | ${r.batch} | ${r.steps} | ${fixed(r.msPerStep)} | ${fixed(1000 / r.msPerStep, 3)} | ${fixed((1000 * r.batch) / r.msPerStep, 1)} | ${fixed(r.dReal)} | ${fixed(r.dFake)} | ${fixed(r.g)} | ${r.tensors} | ${fixed(r.backendMB)} | ${fixed(r.rssMB)} |`;
}

const rows: Row[] = [];
const cases: { architecture: Architecture; resolution: Resolution }[] = (['heaton', 'dcgan'] as const).flatMap((architecture) =>
  (args.quick ? ([32] as const) : ([32, 64] as const)).map((resolution) => ({ architecture, resolution })),
);

console.log(`# Training-step benchmark (Node ${process.version}, tfjs ${tf.version.tfjs})`);
console.log(`${new Date().toISOString()} · ${os.cpus()[0]?.model ?? 'unknown CPU'} · ${os.cpus().length} cores · ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB\n`);
console.log('| backend | arch | px | width | batch | timed steps | ms/step | steps/s | images/s | D real ms | D fake ms | G ms | tensors | backend MB | RSS MB |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');

await useWasmBackend();
for (const { architecture, resolution } of cases) {
  const row = await bench('wasm (1 thread)', { ...HEATON_DEFAULTS, architecture, resolution, batchSize }, timedSteps);
  rows.push(row);
  console.log(formatRow(row));
}
// cpu: a tiny configuration only (see the header comment).
await useCpuBackend();
for (const architecture of ['heaton', 'dcgan'] as const) {
  const row = await bench('cpu', { ...HEATON_DEFAULTS, architecture, resolution: 16, width: 1 / 16, batchSize: 8 }, timedSteps);
  rows.push(row);
  console.log(formatRow(row));
}
console.log(`\nms per phase: D real = D's update on a real batch; D fake = generating the fakes and D's update on them; G = G's update through D. Each row: 1 warm-up step, then ${timedSteps} timed.`);
