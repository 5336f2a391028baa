import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildGeneratorFromZip, GeneratorZipError, readGeneratorZip } from '../../../../src/data/exports/generator-zip.ts';
import { createGan, disposeGan, type Gan } from '../../../../src/gan/train-step.ts';
import { HEATON_DEFAULTS, type TrainConfig } from '../../../../src/protocol/config.ts';
import type { GeneratorArtifacts, RunSummary } from '../../../../src/protocol/messages.ts';
import { buildModelJson, generatorZip } from '../../../../src/ui/downloads.ts';
import { useCpuBackend } from '../../backends.ts';
import { buildZip, type FixtureEntry } from '../zip/zip-fixtures.ts';
import { modelArtifacts } from '../../../../src/gan/model-artifacts.ts';

const TINY: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16, latentSize: 8 };
const SUMMARY: RunSummary = {
  config: TINY,
  step: 0,
  seed: TINY.seed,
  dataset: { name: 'faces.zip', count: 8, side: 16, channels: 3, crop: 'centre' },
  backend: 'cpu',
  savedAt: '2026-01-02T03:04:05.000Z',
};

let gan: Gan;
let artifacts: GeneratorArtifacts;
beforeAll(async () => {
  await useCpuBackend();
  gan = createGan(TINY);
  artifacts = await modelArtifacts(gan.generator);
});
afterAll(() => disposeGan(gan));

/** The pieces of a generator zip, any of which a test may replace or drop (undefined). */
function pieces(overrides: Partial<Record<string, Uint8Array | string | undefined>> = {}, folder = ''): File {
  const files: Record<string, Uint8Array | string | undefined> = {
    'model.json': JSON.stringify(buildModelJson(artifacts)),
    'weights.bin': new Uint8Array(artifacts.weightData),
    'ganvas-run.json': JSON.stringify(SUMMARY),
    'README.md': '# Ganvas generator',
    ...overrides,
  };
  const entries: FixtureEntry[] = Object.entries(files).flatMap(([name, data]) => (data === undefined ? [] : [{ name: folder + name, data }]));
  return new File([buildZip(entries)], 'generator.zip');
}

async function failure(file: File): Promise<string> {
  try {
    const contents = await readGeneratorZip(file, file.name);
    (await buildGeneratorFromZip(contents, file.name)).dispose();
  } catch (error) {
    expect(error).toBeInstanceOf(GeneratorZipError);
    return (error as Error).message;
  }
  throw new Error('expected the zip to be refused');
}

describe('readGeneratorZip', () => {
  test('reads what "Download generator" saves, and the model draws the same faces as the original', async () => {
    const file = new File([await generatorZip(artifacts, SUMMARY)], 'ganvas-generator.zip');
    const contents = await readGeneratorZip(file, file.name);
    expect(contents.summary).toEqual(SUMMARY);
    expect(contents.artifacts.weightSpecs).toEqual(artifacts.weightSpecs);
    expect(new Uint8Array(contents.artifacts.weightData as ArrayBuffer)).toEqual(new Uint8Array(artifacts.weightData));
    const model = await buildGeneratorFromZip(contents, file.name);
    const z = tf.randomNormal([4, TINY.latentSize], 0, 1, 'float32', 5);
    const [original, loaded] = [gan.generator.predict(z) as tf.Tensor, model.predict(z) as tf.Tensor];
    expect(Array.from(await loaded.data())).toEqual(Array.from(await original.data()));
    tf.dispose([z, original, loaded]);
    model.dispose();
  });

  test('a generator saved before quality was measured (no qualityEvery in its settings) still loads', async () => {
    const { qualityEvery: _dropped, ...older } = TINY;
    const contents = await readGeneratorZip(pieces({ 'ganvas-run.json': JSON.stringify({ ...SUMMARY, config: older }) }), 'older.zip');
    expect(contents.summary.config).toEqual({ ...TINY, qualityEvery: 0 });
  });

  test('follows the files one folder down (the unzipped folder zipped again)', async () => {
    const contents = await readGeneratorZip(pieces({}, 'ganvas-generator/'), 'again.zip');
    expect(contents.summary.config.latentSize).toBe(8);
  });

  test('a file that is not a zip', async () => {
    expect(await failure(new File(['just some text'], 'notes.zip'))).toBe(
      '“notes.zip” is not a zip file. Choose the zip that Ganvas’s “Download generator” saved, unchanged.',
    );
  });

  test('a zip without model.json (a photo set, say)', async () => {
    const file = new File([buildZip([{ name: 'face-1.png', data: new Uint8Array([1, 2, 3]) }])], 'faces.zip');
    expect(await failure(file)).toBe(
      '“faces.zip” has no model.json, so it is not a generator downloaded from Ganvas. Choose the zip that Ganvas’s “Download generator” saved, unchanged.',
    );
  });

  test('a tfjs model zip without ganvas-run.json', async () => {
    expect(await failure(pieces({ 'ganvas-run.json': undefined }))).toBe(
      '“generator.zip” has a model.json but no ganvas-run.json, so it is not a generator downloaded from Ganvas. Choose the zip that Ganvas’s “Download generator” saved, unchanged.',
    );
  });

  test('weights missing', async () => {
    expect(await failure(pieces({ 'weights.bin': undefined }))).toMatch(/^“generator\.zip” is missing weights\.bin, the file with the generator’s weights\./);
  });

  test('weights of the wrong size', async () => {
    const message = await failure(pieces({ 'weights.bin': new Uint8Array(artifacts.weightData.byteLength - 4) }));
    expect(message).toMatch(/^weights\.bin in “generator\.zip” holds .* but model\.json describes .* of weights: the weights are damaged or belong to another model\./);
  });

  test('ganvas-run.json with invalid settings', async () => {
    const summary = { ...SUMMARY, config: { ...TINY, latentSize: 0 } };
    expect(await failure(pieces({ 'ganvas-run.json': JSON.stringify(summary) }))).toBe(
      'ganvas-run.json in “generator.zip” has invalid settings. Latent size: enter a whole number from 1 to 1,024 (0 is too small). Choose the zip that Ganvas’s “Download generator” saved, unchanged.',
    );
  });

  test('ganvas-run.json that is not JSON, or holds no settings', async () => {
    expect(await failure(pieces({ 'ganvas-run.json': '{ nope' }))).toMatch(/^ganvas-run\.json in “generator\.zip” is not valid JSON/);
    expect(await failure(pieces({ 'ganvas-run.json': '{"step": 3}' }))).toMatch(/^ganvas-run\.json in “generator\.zip” holds no training settings/);
  });

  test('a model whose shapes do not match the run summary', async () => {
    const latent = { ...SUMMARY, config: { ...TINY, latentSize: 9 } };
    expect(await failure(pieces({ 'ganvas-run.json': JSON.stringify(latent) }))).toBe(
      'The model in “generator.zip” does not match its ganvas-run.json: it takes [batch, 8] but the run used latent vectors of length 9. The zip may have been edited. Choose the zip that Ganvas’s “Download generator” saved, unchanged.',
    );
    const gray = { ...SUMMARY, config: { ...TINY, channels: 1 } };
    expect(await failure(pieces({ 'ganvas-run.json': JSON.stringify(gray) }))).toMatch(
      /it makes \[batch, 16, 16, 3\] but the run made 16×16 images with 1 channel\./,
    );
  });

  test('a model tfjs cannot build', async () => {
    const modelJson = { ...buildModelJson(artifacts), modelTopology: { class_name: 'NoSuchModel', config: {} } };
    expect(await failure(pieces({ 'model.json': JSON.stringify(modelJson) }))).toBe(
      'TensorFlow.js could not build a model from “generator.zip” (Unknown layer: NoSuchModel). The zip may be damaged or edited. Choose the zip that Ganvas’s “Download generator” saved, unchanged.',
    );
  });

  test('model.json without weights or network', async () => {
    expect(await failure(pieces({ 'model.json': '{"modelTopology": {}, "weightsManifest": []}' }))).toMatch(/^model\.json in “generator\.zip” is damaged \(it lists no weights\)/);
    expect(await failure(pieces({ 'model.json': '[1, 2]' }))).toMatch(/^model\.json in “generator\.zip” is damaged \(it describes no network\)/);
  });

  test('weights that do not fit the network are refused', async () => {
    const renamed = { ...buildModelJson(artifacts) };
    renamed.weightsManifest = [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs.map((spec, i) => (i === 0 ? { ...spec, name: 'renamed/kernel' } : spec)) }];
    expect(await failure(pieces({ 'model.json': JSON.stringify(renamed) }))).toBe(
      'TensorFlow.js could not build a model from “generator.zip” (Provided weight data has no target variable: renamed/kernel). The zip may be damaged or edited. Choose the zip that Ganvas’s “Download generator” saved, unchanged.',
    );
  });

  test('leaves no tensors behind when building fails', async () => {
    const gray = { ...SUMMARY, config: { ...TINY, channels: 1 } };
    const renamed = { ...buildModelJson(artifacts) };
    renamed.weightsManifest = [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs.map((spec, i) => (i === 0 ? { ...spec, name: 'renamed/kernel' } : spec)) }];
    const broken = [pieces({ 'ganvas-run.json': JSON.stringify(gray) }), pieces({ 'model.json': JSON.stringify(renamed) })];
    await failure(broken[0] as File);
    const before = tf.memory().numTensors;
    for (const file of broken) await failure(file);
    expect(tf.memory().numTensors).toBe(before);
  });
});
