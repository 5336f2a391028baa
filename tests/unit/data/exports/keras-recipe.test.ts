import * as tf from '@tensorflow/tfjs';
import JSZip from 'jszip';
import { beforeAll, describe, expect, test } from 'vitest';
import { createImageSet } from '../../../../src/data/dataset.ts';
import { HEATON_DEFAULTS, type TrainConfig } from '../../../../src/protocol/config.ts';
import type { FromWorker } from '../../../../src/protocol/messages.ts';
import { datasetFileName, kerasRecipeZip, recipeReadme } from '../../../../src/data/exports/keras-recipe.ts';
import { createTrainingRun } from '../../../../src/worker/training-run.ts';
import { useCpuBackend } from '../../backends.ts';

beforeAll(useCpuBackend);

const TINY: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16, latentSize: 8, batchSize: 4, steps: 2, previewEvery: 1, qualityEvery: 0 };

/** Parses a .npy v1.0 header: descr, fortran order, shape and where the data starts. */
function parseNpy(bytes: Uint8Array): { descr: string; fortran: boolean; shape: number[]; dataOffset: number } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const headerLength = (bytes[8] ?? 0) | ((bytes[9] ?? 0) << 8);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  const descr = /'descr': '([^']+)'/.exec(header)?.[1] ?? '';
  const fortran = /'fortran_order': True/.test(header);
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { descr, fortran, shape, dataOffset: 10 + headerLength };
}

async function read(zip: JSZip, name: string, type: 'uint8array'): Promise<Uint8Array>;
async function read(zip: JSZip, name: string, type: 'string'): Promise<string>;
async function read(zip: JSZip, name: string, type: 'uint8array' | 'string'): Promise<Uint8Array | string> {
  const file = zip.file(name);
  if (!file) throw new Error(`${name} is missing from the recipe`);
  return type === 'string' ? file.async('string') : file.async('uint8array');
}

describe('kerasRecipeZip', () => {
  test('a real run exports the set as Heaton-range float32 .npy and both networks loadable by tfjs', async () => {
    const pixels = new Uint8Array(6 * 16 * 16 * 3).map((_, i) => (i * 53) % 256);
    const posted: FromWorker[] = [];
    const run = createTrainingRun(TINY, {
      set: createImageSet(pixels, 16, 3),
      backend: 'cpu',
      datasetSummary: { name: 'six.zip', count: 6, side: 16, channels: 3, crop: 'centre' },
      datasetIdentity: null,
      store: null,
      post: (message) => posted.push(message),
    });
    // Two steps (TINY.steps), then the export of the finished run.
    await run.start();
    await run.whenSettled();
    expect(run.step).toBe(2);
    const sources = await run.exportRecipe();
    await run.dispose();

    // Streamed by our zip writer (stored entries, data descriptors); JSZip reads it as any unzip would.
    const zip = await JSZip.loadAsync(await (await kerasRecipeZip(sources)).arrayBuffer());
    expect(Object.keys(zip.files).filter((name) => !name.endsWith('/')).sort()).toEqual([
      'README.md',
      'discriminator/model.json',
      'discriminator/weights.bin',
      'ganvas-run.json',
      'generator/model.json',
      'generator/weights.bin',
      'training_data_16_16.npy',
    ]);

    const npy = await read(zip, datasetFileName(16), 'uint8array');
    const { descr, fortran, shape, dataOffset } = parseNpy(npy);
    expect({ descr, fortran, shape }).toEqual({ descr: '<f4', fortran: false, shape: [6, 16, 16, 3] });
    expect(dataOffset % 64).toBe(0);
    const values = new Float32Array(npy.slice(dataOffset).buffer);
    expect(values.length).toBe(pixels.length);
    values.forEach((v, i) => {
      if (Math.abs(v - ((pixels[i] ?? 0) / 127.5 - 1)) > 1e-6) throw new Error(`value ${i}: ${v}`);
    });

    // Both networks load back in tfjs with the same outputs as the originals would give.
    for (const folder of ['generator', 'discriminator'] as const) {
      const modelJson = JSON.parse(await read(zip, `${folder}/model.json`, 'string')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
      expect(modelJson.weightsManifest[0]?.paths).toEqual(['./weights.bin']);
      const weights = await read(zip, `${folder}/weights.bin`, 'uint8array');
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0]?.weights, weightData: weights.slice().buffer }),
      );
      expect(model.outputs[0]?.shape).toEqual(folder === 'generator' ? [null, 16, 16, 3] : [null, 1]);
      model.dispose();
    }
    const summary = JSON.parse(await read(zip, 'ganvas-run.json', 'string')) as { step: number; config: TrainConfig };
    expect(summary.step).toBe(2);
    expect(summary.config).toEqual(TINY);
  });

  test('the README names the converter commands and the run numbers', () => {
    const readme = recipeReadme({ config: TINY, step: 1200, seed: 42, dataset: { name: 'faces.zip', count: 500, side: 16, channels: 3, crop: 'centre' }, backend: 'wasm', savedAt: '' });
    expect(readme).toContain('tensorflowjs_converter --input_format tfjs_layers_model --output_format keras generator/model.json generator.h5');
    expect(readme).toContain('tensorflowjs_converter --input_format tfjs_layers_model --output_format keras discriminator/model.json discriminator.h5');
    expect(readme).toContain("np.load('training_data_16_16.npy')");
    expect(readme).toContain('range(1200, 1200 + 10000)');
  });
});
