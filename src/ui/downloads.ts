/**
 * Everything the user can take away: the grid history as numbered PNGs, and the trained
 * generator in tfjs Layers format with a run summary and a README. The zip builders are pure
 * (Blob in, Blob out) so Node tests unzip and check them; only downloadBlob touches the DOM.
 */
import JSZip from 'jszip';
import type { GeneratorArtifacts, RunSummary } from '../protocol/messages.ts';
import { buildModelJson, WEIGHTS_FILE } from '../protocol/model-json.ts';

// Re-exported: the generator zip's tests and readers name them from here.
export { buildModelJson, WEIGHTS_FILE };

/** Object URLs outlive the click by this long: revoking at once can cancel the download in some browsers. */
const REVOKE_AFTER_MS = 60_000;

/** Saves `blob` as `fileName` through a temporary anchor; the object URL is revoked a minute later. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.rel = 'noopener';
  anchor.style.display = 'none';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/**
 * The grids as `train-1.png`, `train-2.png`, … in step order (Heaton's file names), stored
 * uncompressed because PNG already is. Blobs are read to bytes first: JSZip reads Blob input
 * with FileReader, which Node lacks.
 */
export async function gridsZip(frames: readonly { step: number; blob: Blob }[]): Promise<Blob> {
  const zip = new JSZip();
  const ordered = [...frames].sort((a, b) => a.step - b.step);
  const contents = await Promise.all(ordered.map((frame) => frame.blob.arrayBuffer()));
  contents.forEach((bytes, index) => zip.file(`train-${index + 1}.png`, bytes, { binary: true }));
  return zip.generateAsync({ type: 'blob', compression: 'STORE', mimeType: 'application/zip' });
}

/** How to use the download; filled in with the run's numbers so the snippets run as written. */
export function generatorReadme(summary: RunSummary): string {
  const { config } = summary;
  const { latentSize, resolution, channels } = config;
  const shape = `[n, ${resolution}, ${resolution}, ${channels}]`;
  const dataset = summary.dataset ? `${summary.dataset.name} (${summary.dataset.count.toLocaleString('en-US')} images)` : 'unknown';
  return `# Ganvas generator

A ${config.architecture} generator trained in the browser with Ganvas for ${summary.step.toLocaleString('en-US')} steps.

- Input: a batch of latent vectors, shape \`[n, ${latentSize}]\`, drawn from a standard normal distribution.
- Output: images, shape \`${shape}\` (${channels === 3 ? 'RGB' : 'grayscale'}), values in [-1, 1] (tanh).
  Pixels are \`(value + 1) * 127.5\`.
- Dataset: ${dataset}. Seed: ${summary.seed}. Saved ${summary.savedAt}.
- \`ganvas-run.json\` holds the full training configuration.

## Files

- \`model.json\`: the network (tfjs Layers format) and the manifest of its weights.
- \`${WEIGHTS_FILE}\`: the weights, float32, in the order the manifest lists them.
- \`ganvas-run.json\`: configuration, step, seed and dataset of the run.

## Generate faces in the browser (TensorFlow.js)

Serve this folder over HTTP next to your page, then:

\`\`\`js
import * as tf from '@tensorflow/tfjs';

const generator = await tf.loadLayersModel('./model.json');
// Random faces. (Ganvas's Generate view names faces by seed with its own documented
// algorithm, latentForSeed in Ganvas's src/protocol/latent.ts, so seed 42 there is the same face
// on any machine; tf.randomNormal's seeds are a different sequence.)
const z = tf.randomNormal([16, ${latentSize}], 0, 1, 'float32', 42);
const images = generator.predict(z);                 // ${shape}, in [-1, 1]
const pixels = images.add(1).div(2);                 // [0, 1], what tf.browser.toPixels expects
await tf.browser.toPixels(pixels.slice([0, 0, 0, 0], [1, ${resolution}, ${resolution}, ${channels}]).squeeze([0]), document.querySelector('canvas'));
\`\`\`

## Node

With \`@tensorflow/tfjs-node\` installed, load straight from disk:

\`\`\`js
const tf = require('@tensorflow/tfjs-node');
const generator = await tf.loadLayersModel('file://path/to/model.json');
\`\`\`

With plain \`@tensorflow/tfjs\` (no file system handler), read the files yourself and use \`tf.io.fromMemory\`:

\`\`\`js
const fs = require('node:fs');
const tf = require('@tensorflow/tfjs');
const modelJson = JSON.parse(fs.readFileSync('model.json', 'utf8'));
const weights = fs.readFileSync('${WEIGHTS_FILE}');
const generator = await tf.loadLayersModel(tf.io.fromMemory({
  modelTopology: modelJson.modelTopology,
  weightSpecs: modelJson.weightsManifest[0].weights,
  weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
}));
\`\`\`

## Keras / Python

\`\`\`sh
pip install tensorflowjs
tensorflowjs_converter --input_format tfjs_layers_model --output_format keras model.json generator.h5
\`\`\`

Then \`tf.keras.models.load_model('generator.h5')\` and \`generator.predict(np.random.normal(0, 1, (16, ${latentSize})))\`.
`;
}

/**
 * The trained generator as a zip: `model.json` + `weights.bin` (loadable by
 * tf.loadLayersModel), `ganvas-run.json` (the run summary) and a `README.md`.
 */
export async function generatorZip(artifacts: GeneratorArtifacts, summary: RunSummary): Promise<Blob> {
  const zip = new JSZip();
  zip.file('model.json', JSON.stringify(buildModelJson(artifacts), null, 2));
  zip.file(WEIGHTS_FILE, artifacts.weightData, { binary: true });
  zip.file('ganvas-run.json', JSON.stringify(summary, null, 2));
  zip.file('README.md', generatorReadme(summary));
  return zip.generateAsync({ type: 'blob', compression: 'DEFLATE', compressionOptions: { level: 6 }, mimeType: 'application/zip' });
}
