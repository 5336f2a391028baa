import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createImageSet, type ImageSet } from '../../../src/data/dataset.ts';
import { createGan, disposeGan, trainStep, type Gan } from '../../../src/gan/train-step.ts';
import { HEATON_DEFAULTS, type TrainConfig } from '../../../src/protocol/config.ts';
import type { FromWorker, GeneratorArtifacts, GeneratorSource, RgbaImage, RunSummary } from '../../../src/protocol/messages.ts';
import { buildModelJson, generatorZip } from '../../../src/ui/downloads.ts';
import {
  createGeneratorSession,
  NO_LIVE_GENERATOR,
  NO_TRAINING_SET,
  NO_UPLOADED_GENERATOR,
  type GeneratorRequest,
} from '../../../src/worker/generator-session.ts';
import { createTrainer } from '../../../src/worker/trainer.ts';
import { useCpuBackend } from '../backends.ts';
import { buildZip } from '../data/zip/zip-fixtures.ts';
import { modelArtifacts } from '../../../src/gan/model-artifacts.ts';

const TINY: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16, latentSize: 8, batchSize: 4 };
const SUMMARY: RunSummary = {
  config: TINY,
  step: 3,
  seed: TINY.seed,
  dataset: { name: 'faces.zip', count: 8, side: 16, channels: 3, crop: 'centre' },
  backend: 'cpu',
  savedAt: '2026-01-02T03:04:05.000Z',
};

let gan: Gan;
let artifacts: GeneratorArtifacts;
/** A second, different generator, for checking which one is in use. */
let otherZip: File;

beforeAll(async () => {
  await useCpuBackend();
  gan = createGan(TINY);
  // A few real steps, so BatchNorm's moving statistics are no longer their initial 0 and 1.
  for (let step = 0; step < 3; step++) {
    const real = tf.tidy(() => tf.sub(tf.mul(tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', step), 2), 1) as tf.Tensor4D);
    tf.dispose([trainStep(gan, real, step, TINY), real]);
  }
  artifacts = await modelArtifacts(gan.generator);
  const other = createGan({ ...TINY, seed: 7 });
  otherZip = new File([await generatorZip(await modelArtifacts(other.generator), { ...SUMMARY, seed: 7 })], 'other.zip');
  disposeGan(other);
});
afterAll(() => disposeGan(gan));

/** A request as the page writes it, before the harness numbers it. */
type Unsent<T = GeneratorRequest> = T extends unknown ? Omit<T, 'requestId'> : never;

function harness(options: { live?: boolean; set?: ImageSet | null } = {}) {
  const posted: FromWorker[] = [];
  const transfers: Transferable[][] = [];
  let set = options.set ?? null;
  const session = createGeneratorSession({
    post: (message, transfer = []) => {
      posted.push(message);
      transfers.push(transfer);
    },
    withLiveGenerator: (use) => (options.live === false ? null : use(gan.generator, gan.config, 3)),
    dataset: () => set,
  });
  let nextId = 1;
  /** Sends one request and returns its single answer. */
  async function ask(request: Unsent): Promise<FromWorker> {
    const requestId = nextId++;
    const count = posted.length;
    await session.handle({ ...request, requestId } as GeneratorRequest);
    const answers = posted.slice(count);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ requestId });
    return answers[0] as FromWorker;
  }
  const faces = async (source: GeneratorSource, seeds: number[]) => {
    const answer = await ask({ type: 'generate', source, seeds });
    if (answer.type !== 'faces') throw new Error(`expected faces, got ${JSON.stringify(answer)}`);
    return answer.faces.map((face) => new Uint8Array(face.image.pixels));
  };
  const failure = async (request: Unsent) => {
    const answer = await ask(request);
    if (answer.type !== 'request-failed') throw new Error(`expected a failure, got ${answer.type}`);
    return answer.message;
  };
  const upload = (file: File) => ask({ type: 'load-generator', file });
  return { session, posted, transfers, ask, faces, failure, upload, setDataset: (next: ImageSet | null) => (set = next) };
}

const downloadedZip = async () => new File([await generatorZip(artifacts, SUMMARY)], 'ganvas-generator.zip');
const SEEDS = [0, 1, 42, -5, 2 ** 40];

/** RGB bytes of an RGBA image (undoes toRgbaImage for colour faces). */
function rgbOf(rgba: Uint8Array): Uint8Array {
  return rgba.filter((_, i) => i % 4 !== 3);
}

describe('generate', () => {
  test('the same seed gives identical pixels, different seeds differ; 16×16 RGBA, opaque, transferred', async () => {
    const { faces, posted, transfers } = harness();
    const [a, b, c] = await faces('live', [42, 43, 42]);
    expect(a).toEqual(c);
    expect(a).not.toEqual(b);
    expect(a?.length).toBe(16 * 16 * 4);
    expect(a?.filter((_, i) => i % 4 === 3).every((alpha) => alpha === 255)).toBe(true);
    const answer = posted[0];
    if (answer?.type !== 'faces') throw new Error('expected faces');
    expect(answer.faces.map((face) => face.seed)).toEqual([42, 43, 42]);
    expect(answer.faces.map((face) => [face.image.width, face.image.height])).toEqual([[16, 16], [16, 16], [16, 16]]);
    expect(transfers[0]).toEqual(answer.faces.map((face) => face.image.pixels));
    expect(await faces('live', [42])).toEqual([a]);
  });

  test('a downloaded-then-uploaded generator draws byte-identical faces to the live one', async () => {
    // BatchNorm's moving statistics moved during training, so inference mode really uses them.
    const movingMean = gan.generator.weights.find((weight) => weight.name.includes('moving_mean'))?.read();
    expect(movingMean && Array.from(await movingMean.data()).some((value) => value !== 0)).toBe(true);

    const { faces, upload, ask } = harness();
    const loaded = await upload(await downloadedZip());
    expect(loaded).toMatchObject({ type: 'generator-loaded', info: { fileName: 'ganvas-generator.zip', summary: SUMMARY } });
    expect(await faces('uploaded', SEEDS)).toEqual(await faces('live', SEEDS));
    // The answer names the live run's step (3 here); an uploaded generator has none.
    expect(await ask({ type: 'generate', source: 'live', seeds: [1] })).toMatchObject({ type: 'faces', step: 3 });
    expect(await ask({ type: 'generate', source: 'uploaded', seeds: [1] })).toMatchObject({ type: 'faces', step: null });
  });

  test('no live run, or nothing uploaded: say what to do', async () => {
    const { failure } = harness({ live: false });
    expect(await failure({ type: 'generate', source: 'live', seeds: [1] })).toBe(NO_LIVE_GENERATOR);
    expect(NO_LIVE_GENERATOR).toBe('There is no trained generator yet: start training, or upload a generator zip you downloaded from Ganvas.');
    expect(await failure({ type: 'generate', source: 'uploaded', seeds: [1] })).toBe(NO_UPLOADED_GENERATOR);
    expect(await failure({ type: 'walk', source: 'live', from: 1, to: 2, frames: 5 })).toBe(NO_LIVE_GENERATOR);
    expect(await failure({ type: 'nearest-real', source: 'uploaded', seed: 1, count: 3 })).toBe(NO_UPLOADED_GENERATOR);
  });

  test('refuses seeds that are not whole numbers and requests for too many faces', async () => {
    const { failure } = harness();
    expect(await failure({ type: 'generate', source: 'live', seeds: [1, 2.5] })).toBe('Seeds must be whole numbers, but got 2.5. Type a whole number such as 42.');
    expect(await failure({ type: 'generate', source: 'live', seeds: Array.from({ length: 257 }, (_, i) => i) })).toBe('Ask for at most 256 faces at a time.');
  });
});

describe('walk', () => {
  test("the first and last frames are the faces of `from` and `to`; the rest lie between", async () => {
    const { ask, faces, transfers } = harness();
    const answer = await ask({ type: 'walk', source: 'live', from: 3, to: 99, frames: 6 });
    if (answer.type !== 'walk-frames') throw new Error(`expected frames, got ${JSON.stringify(answer)}`);
    const frames = answer.frames.map((frame) => new Uint8Array(frame.pixels));
    expect(frames).toHaveLength(6);
    expect(transfers.at(-1)).toEqual(answer.frames.map((frame) => frame.pixels));
    const [from, to] = await faces('live', [3, 99]);
    expect(frames[0]).toEqual(from);
    expect(frames[5]).toEqual(to);
    expect(frames[2]).not.toEqual(from);
    expect(frames[2]).not.toEqual(to);
  });

  test('a frame count outside 2–240 is refused, not clamped', async () => {
    const { failure } = harness();
    expect(await failure({ type: 'walk', source: 'live', from: 1, to: 2, frames: 1 })).toBe(
      'The number of frames in a walk must be a whole number from 2 to 240, but got 1. Choose a number in that range.',
    );
    expect(await failure({ type: 'walk', source: 'live', from: 1, to: 2, frames: 241 })).toMatch(/from 2 to 240, but got 241/);
  });
});

describe('nearest-real', () => {
  /** 8 random 16×16 RGB images with `face` copied in at index 5. */
  function setWith(face: Uint8Array): ImageSet {
    const pixels = new Uint8Array(8 * 16 * 16 * 3).map((_, i) => (i * 97 + 13) % 256);
    pixels.set(face, 5 * face.length);
    return createImageSet(pixels, 16, 3);
  }

  test("finds a set image equal to the generated face at distance 0, nearest first, as RGBA", async () => {
    const probe = harness();
    const [face] = await probe.faces('live', [77]);
    const { ask, transfers } = harness({ set: setWith(rgbOf(face ?? new Uint8Array())) });
    const answer = await ask({ type: 'nearest-real', source: 'live', seed: 77, count: 4 });
    if (answer.type !== 'nearest-real') throw new Error(`expected matches, got ${JSON.stringify(answer)}`);
    expect(answer.generated.seed).toBe(77);
    expect(new Uint8Array(answer.generated.image.pixels)).toEqual(face);
    expect(answer.matches).toHaveLength(4);
    expect(answer.matches[0]).toMatchObject({ index: 5, distance: 0 });
    expect(new Uint8Array(answer.matches[0]?.image.pixels ?? new ArrayBuffer(0))).toEqual(face);
    const distances = answer.matches.map((match) => match.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(distances[1]).toBeGreaterThan(0);
    const images: RgbaImage[] = [answer.generated.image, ...answer.matches.map((match) => match.image)];
    expect(transfers.at(-1)).toEqual(images.map((image) => image.pixels));
  });

  test('no set loaded, a set of another size, or a bad count: say so', async () => {
    const { failure, setDataset } = harness();
    expect(await failure({ type: 'nearest-real', source: 'live', seed: 1, count: 3 })).toBe(NO_TRAINING_SET);
    expect(NO_TRAINING_SET).toMatch(/^Load the training images first/);
    setDataset(createImageSet(new Uint8Array(2 * 32 * 32), 32, 1));
    expect(await failure({ type: 'nearest-real', source: 'live', seed: 1, count: 3 })).toBe(
      'The loaded training images are 32×32 grayscale but this generator makes 16×16 colour faces, so they cannot be compared. Load the training images again at 16 px colour to search them.',
    );
    setDataset(createImageSet(new Uint8Array(2 * 16 * 16 * 3), 16, 3));
    expect(await failure({ type: 'nearest-real', source: 'live', seed: 1, count: 17 })).toBe(
      'The number of nearest images must be a whole number from 1 to 16, but got 17. Choose a number in that range.',
    );
  });
});

describe('load-generator', () => {
  test("a zip that isn't ours gets its message and leaves the earlier upload working", async () => {
    const { failure, faces, upload } = harness();
    expect(await upload(await downloadedZip())).toMatchObject({ type: 'generator-loaded' });
    const before = await faces('uploaded', SEEDS);
    const good = (name: string, overrides: Record<string, string | Uint8Array | undefined>) => {
      const files: Record<string, string | Uint8Array | undefined> = {
        'model.json': JSON.stringify(buildModelJson(artifacts)),
        'weights.bin': new Uint8Array(artifacts.weightData),
        'ganvas-run.json': JSON.stringify(SUMMARY),
        ...overrides,
      };
      const entries = Object.entries(files).flatMap(([entry, data]) => (data === undefined ? [] : [{ name: entry, data }]));
      return new File([buildZip(entries)], name);
    };
    const cases: [File, RegExp][] = [
      [new File(['hello'], 'notes.txt'), /^“notes\.txt” is not a zip file\./],
      [new File([buildZip([{ name: 'a.png', data: 'png' }])], 'faces.zip'), /^“faces\.zip” has no model\.json, so it is not a generator downloaded from Ganvas\./],
      [good('tfjs.zip', { 'ganvas-run.json': undefined }), /^“tfjs\.zip” has a model\.json but no ganvas-run\.json, so it is not a generator downloaded from Ganvas\./],
      [good('noweights.zip', { 'weights.bin': undefined }), /^“noweights\.zip” is missing weights\.bin/],
      [good('short.zip', { 'weights.bin': new Uint8Array(10) }), /^weights\.bin in “short\.zip” holds 10 bytes but model\.json describes/],
      [good('bad-config.zip', { 'ganvas-run.json': JSON.stringify({ ...SUMMARY, config: { ...TINY, batchSize: 0 } }) }), /has invalid settings\. Batch size: enter a whole number from 1 to 512 \(0 is too small\)\./],
      [good('shape.zip', { 'ganvas-run.json': JSON.stringify({ ...SUMMARY, config: { ...TINY, resolution: 32 } }) }), /does not match its ganvas-run\.json: it makes \[batch, 16, 16, 3\] but the run made 32×32 images/],
      [good('unbuildable.zip', { 'model.json': JSON.stringify({ ...buildModelJson(artifacts), modelTopology: { class_name: 'Nope', config: {} } }) }), /^TensorFlow\.js could not build a model from “unbuildable\.zip”/],
    ];
    for (const [file, message] of cases) {
      expect(await failure({ type: 'load-generator', file })).toMatch(message);
      expect(await faces('uploaded', SEEDS)).toEqual(before);
    }
  });

  test('a new upload replaces the old one and frees it; dispose frees the last', async () => {
    const { faces, upload, session } = harness();
    await upload(await downloadedZip());
    const first = await faces('uploaded', SEEDS);
    const withOne = tf.memory().numTensors;
    expect(await upload(otherZip)).toMatchObject({ type: 'generator-loaded', info: { fileName: 'other.zip' } });
    expect(tf.memory().numTensors).toBe(withOne);
    expect(await faces('uploaded', SEEDS)).not.toEqual(first);
    session.dispose();
    expect(tf.memory().numTensors).toBeLessThan(withOne);
  });
});

test('a generate, walk and nearest round leaves no tensors behind, live and uploaded', async () => {
  const { ask, upload, session } = harness({ set: createImageSet(new Uint8Array(4 * 16 * 16 * 3).fill(90), 16, 3) });
  await upload(await downloadedZip());
  const round = async () => {
    for (const source of ['live', 'uploaded'] as const) {
      expect(await ask({ type: 'generate', source, seeds: [1, 2, 3] })).toMatchObject({ type: 'faces' });
      expect(await ask({ type: 'walk', source, from: 1, to: 2, frames: 4 })).toMatchObject({ type: 'walk-frames' });
      expect(await ask({ type: 'nearest-real', source, seed: 1, count: 2 })).toMatchObject({ type: 'nearest-real' });
    }
  };
  await round();
  const before = tf.memory().numTensors;
  await round();
  expect(tf.memory().numTensors).toBe(before);
  session.dispose();
});

describe('through the trainer', () => {
  test('the live source is the running training run, taken between steps', async () => {
    const posted: FromWorker[] = [];
    const handle = createTrainer((message) => posted.push(message));
    const answerTo = (requestId: number) => posted.find((m) => 'requestId' in m && m.requestId === requestId);
    await handle({ type: 'init', preferred: 'cpu' });
    await handle({ type: 'generate', requestId: 1, source: 'live', seeds: [1] });
    expect(answerTo(1)).toEqual({ type: 'request-failed', requestId: 1, message: NO_LIVE_GENERATOR });

    const pixels = new Uint8Array(8 * 16 * 16 * 3).map((_, i) => (i * 37) % 256).buffer;
    await handle({ type: 'load-pixels', name: 'Test', pixels, options: { side: 16, channels: 3, crop: 'centre' }, cartoon: null });
    await handle({ type: 'start', config: { ...TINY, steps: 1000, previewEvery: 1000 } });
    await handle({ type: 'generate', requestId: 2, source: 'live', seeds: [1, 2] });
    await handle({ type: 'walk', requestId: 3, source: 'live', from: 1, to: 2, frames: 3 });
    await handle({ type: 'nearest-real', requestId: 4, source: 'live', seed: 1, count: 3 });
    await handle({ type: 'stop' });
    expect(answerTo(2)).toMatchObject({ type: 'faces', faces: [{ seed: 1 }, { seed: 2 }] });
    expect(answerTo(3)).toMatchObject({ type: 'walk-frames' });
    expect(answerTo(4)).toMatchObject({ type: 'nearest-real', generated: { seed: 1 } });
    const nearest = answerTo(4);
    if (nearest?.type !== 'nearest-real') throw new Error('expected nearest-real');
    expect(new Set(nearest.matches.map((match) => match.index)).size).toBe(3);
  });
});
