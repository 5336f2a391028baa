import JSZip from 'jszip';
import { describe, expect, test } from 'vitest';
import { HEATON_DEFAULTS } from '../../../src/protocol/config.ts';
import type { GeneratorArtifacts, RunSummary } from '../../../src/protocol/messages.ts';
import { buildModelJson, generatorZip, gridsZip } from '../../../src/ui/downloads.ts';

async function unzip(blob: Blob): Promise<JSZip> {
  return JSZip.loadAsync(await blob.arrayBuffer());
}

function entry(zip: JSZip, name: string): JSZip.JSZipObject {
  const file = zip.file(name);
  if (!file) throw new Error(`${name} is missing from the zip`);
  return file;
}

const WEIGHTS = new Float32Array([0.5, -1.25, 3, 1e-3, 42]);

const ARTIFACTS: GeneratorArtifacts = {
  modelTopology: { class_name: 'Sequential', config: { name: 'generator', layers: [] }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
  weightSpecs: [
    { name: 'g_dense/kernel', shape: [1, 4], dtype: 'float32' },
    { name: 'g_dense/bias', shape: [1], dtype: 'float32' },
  ],
  weightData: WEIGHTS.buffer.slice(0),
  format: 'layers-model',
  generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
  convertedBy: null,
};

const SUMMARY: RunSummary = {
  config: { ...HEATON_DEFAULTS },
  step: 1234,
  seed: 42,
  dataset: { name: 'faces.zip', count: 500, side: 64, channels: 3, crop: 'centre' },
  backend: 'wasm',
  savedAt: '2025-01-02T03:04:05.000Z',
};

describe('generatorZip', () => {
  test('holds model.json, weights.bin, ganvas-run.json and README.md', async () => {
    const zip = await unzip(await generatorZip(ARTIFACTS, SUMMARY));
    expect(Object.keys(zip.files).sort()).toEqual(['README.md', 'ganvas-run.json', 'model.json', 'weights.bin']);
  });

  test('model.json is tfjs Layers format pointing at ./weights.bin', async () => {
    const zip = await unzip(await generatorZip(ARTIFACTS, SUMMARY));
    const modelJson: unknown = JSON.parse(await entry(zip, 'model.json').async('string'));
    expect(modelJson).toEqual({
      modelTopology: ARTIFACTS.modelTopology,
      format: 'layers-model',
      generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
      convertedBy: null,
      weightsManifest: [{ paths: ['./weights.bin'], weights: ARTIFACTS.weightSpecs }],
    });
    expect(buildModelJson(ARTIFACTS)).toEqual(modelJson);
  });

  test('weights.bin is the weight bytes unchanged', async () => {
    const zip = await unzip(await generatorZip(ARTIFACTS, SUMMARY));
    const bytes = await entry(zip, 'weights.bin').async('uint8array');
    expect(bytes.byteLength).toBe(WEIGHTS.byteLength);
    expect([...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)]).toEqual([...WEIGHTS]);
  });

  test('ganvas-run.json is the run summary, and the README has the run\u2019s numbers', async () => {
    const zip = await unzip(await generatorZip(ARTIFACTS, SUMMARY));
    expect(JSON.parse(await entry(zip, 'ganvas-run.json').async('string'))).toEqual(SUMMARY);
    const readme = await entry(zip, 'README.md').async('string');
    expect(readme).toContain("tf.loadLayersModel('./model.json')");
    expect(readme).toContain('tf.io.fromMemory');
    expect(readme).toContain('tensorflowjs_converter --input_format tfjs_layers_model --output_format keras model.json generator.h5');
    expect(readme).toContain('[16, 100]');
    expect(readme).toContain('[n, 64, 64, 3]');
    expect(readme).toContain('1,234 steps');
  });
});

describe('gridsZip', () => {
  test('names grids train-1.png, train-2.png, … in step order, bytes intact', async () => {
    const frames = [300, 100, 200].map((step) => ({ step, blob: new Blob([new Uint8Array([step % 256, 1, 2])], { type: 'image/png' }) }));
    const zip = await unzip(await gridsZip(frames));
    const names = Object.keys(zip.files).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    expect(names).toEqual(['train-1.png', 'train-2.png', 'train-3.png']);
    expect([...(await entry(zip, 'train-1.png').async('uint8array'))]).toEqual([100, 1, 2]);
    expect([...(await entry(zip, 'train-2.png').async('uint8array'))]).toEqual([200, 1, 2]);
    expect([...(await entry(zip, 'train-3.png').async('uint8array'))]).toEqual([300 % 256, 1, 2]);
  });

  test('an empty history gives an empty zip', async () => {
    const zip = await unzip(await gridsZip([]));
    expect(Object.keys(zip.files)).toEqual([]);
  });
});
