/**
 * The heart of the trainer: one GAN step in Heaton's order, as a pure function of tfjs state.
 * No DOM and no messaging, so it runs the same in Node tests and in the worker.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../protocol/config.ts';
import { STEP_METRICS, type StepMetricName } from '../protocol/metrics.ts';
import { buildModels, type GanModels } from './architectures.ts';
import { applyGeneratorForTraining } from './fused-generator.ts';
import { deriveSeed } from './random.ts';

/** Hyperparameters that may change between steps without rebuilding anything. */
export type LiveHyperparameters = Pick<TrainConfig, 'labelSmoothing'>;

export interface Gan extends GanModels {
  config: TrainConfig;
  generatorOptimizer: tf.AdamOptimizer;
  discriminatorOptimizer: tf.AdamOptimizer;
  /** The fixed latent vectors of the preview grid: [rows·cols, latent], drawn once per run. */
  previewSeed: tf.Tensor2D;
  /**
   * Whether G's UpSampling2D(2) + Conv2D 3×3 pairs train as one quarter-resolution op
   * (src/gan/upsample-conv.ts): the same function with 2.25× fewer multiply-adds, on the
   * backends that run it (cpu, wasm). The model and its saved weights are the same either way.
   */
  fusedUpsampleConv: boolean;
}

/** How the step is computed; none of it changes what the networks compute. */
export interface EngineOptions {
  fusedUpsampleConv?: boolean;
}

/**
 * Default of {@link EngineOptions.fusedUpsampleConv}: on, because a whole Heaton step on wasm
 * measured 1.65–1.7× faster with it at 32 px and 1.2–1.9× at 64 px (README, "Benchmarks");
 * webgl/webgpu ignore it.
 */
export const FUSED_UPSAMPLE_CONV_DEFAULT = true;

/**
 * Builds both networks, one Adam optimiser for each, and the fixed preview seed, all from
 * `config.seed`. The config must be valid (see validateConfig). Call disposeGan when done.
 */
export function createGan(config: TrainConfig, options: EngineOptions = {}): Gan {
  const models = buildModels(config);
  const previewCount = config.gridRows * config.gridCols;
  return {
    ...models,
    config,
    generatorOptimizer: tf.train.adam(config.generatorLearningRate, config.generatorBeta1),
    discriminatorOptimizer: tf.train.adam(config.discriminatorLearningRate, config.discriminatorBeta1),
    previewSeed: tf.randomNormal([previewCount, config.latentSize], 0, 1, 'float32', deriveSeed(config.seed, 'previewSeed')),
    fusedUpsampleConv: options.fusedUpsampleConv ?? FUSED_UPSAMPLE_CONV_DEFAULT,
  };
}

export function disposeGan(gan: Gan): void {
  gan.generator.dispose();
  gan.discriminator.dispose();
  gan.generatorOptimizer.dispose();
  gan.discriminatorOptimizer.dispose();
  gan.previewSeed.dispose();
}

/** The variables an optimiser may touch: the network's trainable weights, nothing else. */
function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/** Keras's binary cross-entropy on probabilities (clipped to [1e-7, 1 − 1e-7]), batch mean. */
function binaryCrossEntropy(labels: tf.Tensor, probabilities: tf.Tensor): tf.Scalar {
  return tf.mean(tf.metrics.binaryCrossentropy(labels, probabilities));
}

/** Share of probabilities on the side of 0.5 that `judgedReal` names. */
function accuracy(probabilities: tf.Tensor, judgedReal: boolean): tf.Scalar {
  const hits = judgedReal ? tf.greater(probabilities, 0.5) : tf.lessEqual(probabilities, 0.5);
  return tf.mean(tf.cast(hits, 'float32'));
}

/** Loss and accuracy of one update; the caller owns both scalars. */
export interface PhaseResult {
  loss: tf.Scalar;
  accuracy: tf.Scalar;
}

/**
 * One optimiser update of `variables` on the loss of `model` judging `input` against `labels`,
 * also reporting the accuracy of that same forward pass (no second pass). The accuracy is
 * computed inside the optimiser's closure, so it is kept past the closure's scope on purpose.
 */
function updateOn(
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  judge: () => tf.Tensor,
  labels: tf.Tensor,
  judgedReal: boolean,
): PhaseResult {
  let kept: tf.Scalar | null = null;
  const loss = optimizer.minimize(
    () => {
      const judged = judge();
      kept = tf.keep(accuracy(judged, judgedReal));
      return binaryCrossEntropy(labels, judged);
    },
    true,
    variables,
  );
  if (!loss || !kept) throw new Error('updateOn: the optimiser returned no loss');
  return { loss, accuracy: kept };
}

/** Batch size of the labels a phase needs: [batch, 1]. */
function labelsLike(batch: tf.Tensor, value: number): tf.Tensor2D {
  return tf.fill([batch.shape[0] ?? 0, 1], value);
}

/**
 * Phase 1: D learns that real images are real (label 1, or 1 − smoothing). Only D's
 * trainable variables are updated. @param realBatch [batch, S, S, C] in [-1, 1].
 */
export function discriminatorRealPhase(gan: Gan, realBatch: tf.Tensor4D, live: LiveHyperparameters): PhaseResult {
  const labels = labelsLike(realBatch, 1 - live.labelSmoothing);
  try {
    return updateOn(gan.discriminatorOptimizer, trainableVariables(gan.discriminator), () => gan.discriminator.apply(realBatch, { training: true }) as tf.Tensor, labels, true);
  } finally {
    labels.dispose();
  }
}

/**
 * Phase 2: D learns that generated images are fake (label 0). `fakeBatch` is a constant here:
 * G's variables are not in the list, so no gradient reaches G. @param fakeBatch [batch, S, S, C].
 */
export function discriminatorFakePhase(gan: Gan, fakeBatch: tf.Tensor4D): PhaseResult {
  const labels = labelsLike(fakeBatch, 0);
  try {
    return updateOn(gan.discriminatorOptimizer, trainableVariables(gan.discriminator), () => gan.discriminator.apply(fakeBatch, { training: true }) as tf.Tensor, labels, false);
  } finally {
    labels.dispose();
  }
}

/**
 * Phase 3: G learns to make D call its images real (label 1), through D. Only G's variables
 * are in the optimiser's list, so D's trainable weights are untouched: freezing by variable
 * list, not by `trainable` (which in tfjs would act at once and break the other phases).
 * The accuracy is the share of fakes D judged real. @param noise [batch, latent].
 */
export function generatorPhase(gan: Gan, noise: tf.Tensor2D): PhaseResult {
  const labels = labelsLike(noise, 1);
  try {
    return updateOn(
      gan.generatorOptimizer,
      trainableVariables(gan.generator),
      () => gan.discriminator.apply(generateForTraining(gan, noise), { training: true }) as tf.Tensor,
      labels,
      true,
    );
  } finally {
    labels.dispose();
  }
}

/** G's images in training mode (BatchNorm on batch statistics) for `noise` [batch, latent]. */
export function generateForTraining(gan: Pick<Gan, 'generator' | 'fusedUpsampleConv'>, noise: tf.Tensor2D): tf.Tensor4D {
  return applyGeneratorForTraining(gan.generator, noise, gan.fusedUpsampleConv);
}

/** The latent batch of step `stepIndex`: [batch, latent] ~ N(0, 1), seeded from the run seed. */
export function stepNoise(config: TrainConfig, stepIndex: number): tf.Tensor2D {
  return tf.randomNormal([config.batchSize, config.latentSize], 0, 1, 'float32', deriveSeed(config.seed, 'noise', stepIndex));
}

/**
 * One training step, exactly in Heaton's order: D on a real batch, then separately D on a
 * fake batch, then G through D. The same noise makes the fakes D sees and feeds G's update,
 * as in Heaton's loop. Both networks run with `training: true`, so BatchNorm uses batch
 * statistics; as in Keras, every such forward pass also moves BN's (non-trainable) moving
 * averages.
 *
 * @param realBatch [batch, S, S, C] in [-1, 1].
 * @param stepIndex 0-based step number; seeds this step's noise.
 * @returns [STEP_METRICS.length] float32, in STEP_METRICS order. The caller owns it: read it
 *   asynchronously, batched with other steps, and dispose it. Nothing is read back here.
 */
export function trainStep(gan: Gan, realBatch: tf.Tensor4D, stepIndex: number, live: LiveHyperparameters): tf.Tensor1D {
  return tf.tidy(() => {
    const noise = stepNoise({ ...gan.config, batchSize: realBatch.shape[0] }, stepIndex);
    const real = discriminatorRealPhase(gan, realBatch, live);
    const fakeBatch = generateForTraining(gan, noise);
    const fake = discriminatorFakePhase(gan, fakeBatch);
    const generated = generatorPhase(gan, noise);
    const byName: Record<StepMetricName, tf.Scalar> = {
      dRealLoss: real.loss,
      dRealAccuracy: real.accuracy,
      dFakeLoss: fake.loss,
      dFakeAccuracy: fake.accuracy,
      gLoss: generated.loss,
      gAccuracy: generated.accuracy,
    };
    const metrics = tf.stack(STEP_METRICS.map((name) => byName[name])) as tf.Tensor1D;
    // The accuracies were kept past their optimiser's scope; tidy will not free kept tensors.
    tf.dispose(Object.values(byName));
    return metrics;
  });
}

/**
 * The generator's images for the fixed preview seed, as in Heaton's `generator.predict(fixed_seed)`:
 * inference mode, so BatchNorm uses its moving averages. [rows·cols, S, S, C] in [-1, 1].
 */
export function generatePreview(gan: Pick<Gan, 'generator' | 'previewSeed'>): tf.Tensor4D {
  return tf.tidy(() => gan.generator.predict(gan.previewSeed) as tf.Tensor4D);
}
