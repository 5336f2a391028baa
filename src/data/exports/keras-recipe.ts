/**
 * "Export recipe for Keras": everything needed to carry on training in Keras on a bigger machine,
 * as one zip, built in the worker between training steps and streamed (see zip-writer.ts), so
 * the .npy never exists whole beside the set. Node tests unzip and check it.
 *
 * Layout:
 *   training_data_S_S.npy   Heaton's cached array: float32 (N, S, S, C) in [-1, 1]
 *   generator/model.json + generator/weights.bin          tfjs Layers format
 *   discriminator/model.json + discriminator/weights.bin  tfjs Layers format
 *   ganvas-run.json         the run's settings, step and dataset
 *   README.md               the converter commands and a Keras snippet that continues
 */
import type { Checkpoint } from '../../gan/checkpoint.ts';
import type { GeneratorArtifacts, RunSummary } from '../../protocol/messages.ts';
import { buildModelJson, WEIGHTS_FILE } from '../../protocol/model-json.ts';
import type { ImageSet } from '../dataset.ts';
import { heatonNpyChunks } from './npy.ts';
import { createZipWriter, type ZipWriter } from '../zip/zip-writer.ts';

/** What a run hands over for a recipe export, captured between two steps. */
export interface RecipeSources {
  /** The decoded training set (not copied: it never changes during a run). */
  set: ImageSet;
  /** The set indices the run trains on (the rest are held back for measuring quality), or null for all. */
  pool: Uint32Array | null;
  /** The run's complete state at `summary.step`. */
  checkpoint: Checkpoint;
  generator: GeneratorArtifacts;
  discriminator: GeneratorArtifacts;
  summary: RunSummary;
}

/** Heaton's file name for the decoded set at side S (`training_data_64_64.npy`). */
export function datasetFileName(side: number): string {
  return `training_data_${side}_${side}.npy`;
}

/** The recipe's README: the two converter commands, then a Keras loop in Heaton's order. */
export function recipeReadme(summary: RunSummary): string {
  const { config } = summary;
  const { resolution: side, channels, latentSize, batchSize } = config;
  const npy = datasetFileName(side);
  const count = summary.dataset?.count.toLocaleString('en-US') ?? 'the';
  return `# Ganvas recipe: continue this run in Keras

Trained in the browser with Ganvas for ${summary.step.toLocaleString('en-US')} steps (${config.architecture}, ${side}×${side}, ${channels === 3 ? 'RGB' : 'grayscale'}, seed ${summary.seed}).

- \`${npy}\`: the ${count} decoded training images, float32, shape (N, ${side}, ${side}, ${channels}), in [-1, 1] (\`x / 127.5 - 1\`): Heaton's cached \`training_data\` array, so his notebook can \`np.load\` it as it is.
- \`generator/\` and \`discriminator/\`: both networks in TensorFlow.js Layers format (\`model.json\` + \`${WEIGHTS_FILE}\`), with their current weights (BatchNorm moving statistics included).
- \`ganvas-run.json\`: every setting of the run (learning rates, β₁, batch size, label smoothing, …).

Optimiser state (Adam's moments) is not included: Keras starts fresh Adams, which only matters for the first few hundred steps. For an exact continuation use Ganvas's own checkpoint (.ganvas).

## 1. Convert the networks to Keras

\`\`\`sh
pip install tensorflowjs
tensorflowjs_converter --input_format tfjs_layers_model --output_format keras generator/model.json generator.h5
tensorflowjs_converter --input_format tfjs_layers_model --output_format keras discriminator/model.json discriminator.h5
\`\`\`

## 2. Continue training (Heaton's loop: D on real, D on fake, then G through the frozen D)

\`\`\`python
import numpy as np
import tensorflow as tf

training_data = np.load('${npy}')             # (N, ${side}, ${side}, ${channels}), float32 in [-1, 1]
generator = tf.keras.models.load_model('generator.h5', compile=False)
discriminator = tf.keras.models.load_model('discriminator.h5', compile=False)
g_opt = tf.keras.optimizers.Adam(${config.generatorLearningRate}, beta_1=${config.generatorBeta1})
d_opt = tf.keras.optimizers.Adam(${config.discriminatorLearningRate}, beta_1=${config.discriminatorBeta1})
bce = tf.keras.losses.BinaryCrossentropy()
BATCH, SEED_SIZE, SMOOTH = ${batchSize}, ${latentSize}, ${config.labelSmoothing}

@tf.function
def train_step(real):
    noise = tf.random.normal([tf.shape(real)[0], SEED_SIZE])
    with tf.GradientTape() as tape:
        p = discriminator(real, training=True)
        d_real = bce(tf.ones_like(p) * (1 - SMOOTH), p)
    d_opt.apply_gradients(zip(tape.gradient(d_real, discriminator.trainable_variables), discriminator.trainable_variables))
    with tf.GradientTape() as tape:
        p = discriminator(generator(noise, training=True), training=True)
        d_fake = bce(tf.zeros_like(p), p)
    d_opt.apply_gradients(zip(tape.gradient(d_fake, discriminator.trainable_variables), discriminator.trainable_variables))
    with tf.GradientTape() as tape:
        p = discriminator(generator(noise, training=True), training=True)
        g_loss = bce(tf.ones_like(p), p)
    g_opt.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))
    return d_real, d_fake, g_loss

for step in range(${summary.step}, ${summary.step} + 10000):
    idx = np.random.randint(0, training_data.shape[0], BATCH)
    d_real, d_fake, g_loss = train_step(training_data[idx])
    if step % 100 == 0:
        print(step, float(d_real), float(d_fake), float(g_loss))
generator.save('face_generator.h5')
\`\`\`
`;
}

/** Writes `artifacts` as `folder/model.json` (+ `folder/weights.bin` unless `withWeights` is false). */
export async function addModel(zip: ZipWriter, folder: string, artifacts: GeneratorArtifacts, withWeights = true): Promise<void> {
  await zip.add(`${folder}/model.json`, JSON.stringify(buildModelJson(artifacts), null, 2));
  if (withWeights) await zip.add(`${folder}/${WEIGHTS_FILE}`, new Uint8Array(artifacts.weightData));
}

/**
 * The Keras recipe as a zip, stored uncompressed: the .npy is float32 noise to a compressor and
 * can be gigabytes; it is streamed from the set in chunks.
 */
export async function kerasRecipeZip(sources: RecipeSources): Promise<Blob> {
  const zip = createZipWriter();
  await zip.add(datasetFileName(sources.set.side), heatonNpyChunks(sources.set));
  await addModel(zip, 'generator', sources.generator);
  await addModel(zip, 'discriminator', sources.discriminator);
  await zip.add('ganvas-run.json', JSON.stringify(sources.summary, null, 2));
  await zip.add('README.md', recipeReadme(sources.summary));
  return zip.finish();
}
