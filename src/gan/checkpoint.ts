/**
 * Checkpoints: everything needed to continue a run exactly where it stopped, and a binary file
 * format for them.
 *
 * A run's state is more than the two networks' weights. Continuing bit-for-bit also needs BN's
 * moving statistics (in `getWeights()`), both Adam optimisers' moments, iteration counters and
 * bias-correction powers, and the dropout layers' mask counters. Batches, noise and the preview
 * seed are functions of (config.seed, step), so they need no saving.
 *
 * A `Checkpoint` holds no tensors: it can be posted between threads, stored, and dropped
 * without disposal.
 *
 * File layout (all integers little-endian):
 * ```
 * offset 0   8 bytes   magic "GANVASCK"
 * offset 8   uint32    format version (CHECKPOINT_FORMAT_VERSION)
 * offset 12  uint32    header length H in bytes
 * offset 16  uint32    CRC-32 of the header bytes
 * offset 20  H bytes   UTF-8 JSON header (CheckpointHeader): config, step, metrics, dataset
 *                      identity, app version, optimiser scalars, every tensor's group, name,
 *                      shape and dtype in payload order, payload length and CRC-32
 * then       0–3 zero bytes, so the payload starts on a 4-byte boundary
 * then       payload: every tensor's values as float32, concatenated in header order
 * ```
 */
import * as tf from '@tensorflow/tfjs';
import { version as APP_VERSION } from '../../package.json';
import { describeProblems, upgradeConfig, validateConfig, type TrainConfig } from '../protocol/config.ts';
import { STEP_METRICS, type MetricRow, type QualityRow } from '../protocol/metrics.ts';
import { crc32 } from '../protocol/crc32.ts';
import { createGan, disposeGan, type Gan } from './train-step.ts';

/** Bumped whenever the layout or the header's meaning changes; older readers then refuse cleanly. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** "GANVASCK" in ASCII. */
const MAGIC = new TextEncoder().encode('GANVASCK');
/** Magic, version, header length, header CRC. */
const PREFIX_BYTES = MAGIC.length + 12;

/** One weight or optimiser slot, copied off the device. */
export interface WeightValues {
  /** The tfjs name when captured (informational: names carry per-session counters, so restore matches by order). */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** One Adam optimiser's state. */
export interface AdamState {
  /** Updates applied so far (tfjs's `iterations`). */
  iterations: number;
  /**
   * beta1^(iterations+1) and beta2^(iterations+1) as Adam holds them. tfjs's setWeights would
   * recompute them with pow(), which can differ in the last bit from the running product, so
   * they are saved as they are to keep restored runs bit-identical.
   */
  accBeta1: number;
  accBeta2: number;
  /** First moments then second moments, in the order of the variables the optimiser updates; empty before the first update. */
  slots: WeightValues[];
}

/** A run's complete state at a step boundary. */
export interface Checkpoint {
  config: TrainConfig;
  /** Steps completed; training resumes with step index `step`. */
  step: number;
  /** Metric history up to `step`, oldest first. */
  metrics: MetricRow[];
  /** Quality measurements (SWD) up to `step`, oldest first. */
  quality: QualityRow[];
  /** The data set the run trained on (a cache key or similar), or null when unknown. */
  datasetIdentity: string | null;
  /** Version of Ganvas that captured the state. */
  appVersion: string;
  /** All of G's weights (trainable and BN moving statistics), in `model.weights` order. */
  generator: WeightValues[];
  discriminator: WeightValues[];
  generatorOptimizer: AdamState;
  discriminatorOptimizer: AdamState;
  /** SeededDropout.maskCount of each dropout layer, in `gan.dropouts` order. */
  dropoutMaskCounts: number[];
}

/** What went wrong with a checkpoint, for code; the message is for people. */
export type CheckpointErrorCode = 'not-a-checkpoint' | 'truncated' | 'corrupt' | 'unsupported-version' | 'invalid-config' | 'incompatible';

/** A checkpoint that cannot be read or restored; `message` is a sentence a user can act on. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  readonly code: CheckpointErrorCode;

  constructor(code: CheckpointErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------
// Capture and restore

/** Adam's bias-correction accumulators are private in tfjs's typings but part of its state. */
interface AdamInternals {
  accBeta1?: unknown;
  accBeta2?: unknown;
}

function adamAccumulators(optimizer: tf.AdamOptimizer): { accBeta1: tf.Variable; accBeta2: tf.Variable } {
  const { accBeta1, accBeta2 } = optimizer as unknown as AdamInternals;
  if (!(accBeta1 instanceof tf.Variable) || !(accBeta2 instanceof tf.Variable)) {
    throw new Error('checkpoint: this tfjs version keeps Adam state differently; checkpoints are unsupported');
  }
  return { accBeta1, accBeta2 };
}

async function readValues(tensor: tf.Tensor): Promise<Float32Array> {
  if (tensor.dtype !== 'float32') throw new Error(`checkpoint: expected float32 state, got ${tensor.dtype}`);
  return (await tensor.data()) as Float32Array;
}

async function captureAdam(optimizer: tf.AdamOptimizer): Promise<AdamState> {
  // [iterations (a new int32 scalar we own), first moments…, second moments… (the optimiser's own variables)]
  const [iterationEntry, ...slotEntries] = await optimizer.getWeights();
  if (!iterationEntry) throw new Error('checkpoint: Adam returned no iteration counter');
  try {
    const { accBeta1, accBeta2 } = adamAccumulators(optimizer);
    const [iterations, beta1, beta2] = await Promise.all([iterationEntry.tensor.data(), accBeta1.data(), accBeta2.data()]);
    const slots = await Promise.all(
      slotEntries.map(async ({ name, tensor }) => ({ name, shape: [...tensor.shape], values: await readValues(tensor) })),
    );
    return { iterations: iterations[0] ?? 0, accBeta1: beta1[0] ?? 0, accBeta2: beta2[0] ?? 0, slots };
  } finally {
    iterationEntry.tensor.dispose();
  }
}

async function captureModel(model: tf.LayersModel): Promise<WeightValues[]> {
  // model.weights are LayerVariables; read() returns the variable itself, so nothing here is ours to dispose.
  return Promise.all(
    model.weights.map(async (weight) => {
      const tensor = weight.read();
      return { name: weight.originalName, shape: [...tensor.shape], values: await readValues(tensor) };
    }),
  );
}

/** What the caller knows that the GAN does not. */
export interface CaptureOptions {
  /** Steps completed so far. */
  step: number;
  metrics: MetricRow[];
  /** Quality measurements so far; none when omitted. */
  quality?: QualityRow[];
  datasetIdentity: string | null;
}

/**
 * Copies a run's complete state off the device. Call it between steps (not while one is in
 * flight): it awaits device reads, during which the weights must not move.
 */
export async function captureCheckpoint(gan: Gan, options: CaptureOptions): Promise<Checkpoint> {
  const [generator, discriminator, generatorOptimizer, discriminatorOptimizer] = await Promise.all([
    captureModel(gan.generator),
    captureModel(gan.discriminator),
    captureAdam(gan.generatorOptimizer),
    captureAdam(gan.discriminatorOptimizer),
  ]);
  return {
    config: { ...gan.config },
    step: options.step,
    metrics: options.metrics.map((row) => ({ ...row })),
    quality: (options.quality ?? []).map((row) => ({ ...row, perLevel: [...row.perLevel] })),
    datasetIdentity: options.datasetIdentity,
    appVersion: APP_VERSION,
    generator,
    discriminator,
    generatorOptimizer,
    discriminatorOptimizer,
    dropoutMaskCounts: gan.dropouts.map((dropout) => dropout.maskCount),
  };
}

function describeArchitecture(config: TrainConfig): string {
  return `${config.architecture} at ${config.resolution} px (${config.channels === 1 ? 'grayscale' : 'RGB'}, width ×${config.width}, latent ${config.latentSize})`;
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws `incompatible` unless `saved` has exactly the count and shapes of `expected`. */
function checkShapes(config: TrainConfig, what: string, saved: readonly WeightValues[], expected: readonly (readonly number[])[]): void {
  const prefix = `This checkpoint is for ${describeArchitecture(config)}, but`;
  const suffix = 'it was probably saved by another version of Ganvas, or edited.';
  if (saved.length !== expected.length) {
    throw new CheckpointError('incompatible', `${prefix} it has ${saved.length} ${what} tensors where that architecture has ${expected.length}; ${suffix}`);
  }
  saved.forEach((weight, i) => {
    const shape = expected[i] ?? [];
    const size = shape.reduce((a, b) => a * b, 1);
    if (formatShape(weight.shape) !== formatShape(shape) || weight.values.length !== size) {
      throw new CheckpointError(
        'incompatible',
        `${prefix} its ${what} tensor ${i} (${weight.name}) is ${formatShape(weight.shape)} where that architecture has ${formatShape(shape)}; ${suffix}`,
      );
    }
  });
}

function checkAdam(config: TrainConfig, what: string, state: AdamState, variables: readonly tf.LayerVariable[]): void {
  // Adam creates its slots lazily on the first update: none before it, two per variable after.
  const shapes = variables.map((v) => v.read().shape);
  checkShapes(config, `${what} optimiser`, state.slots, state.slots.length === 0 ? [] : [...shapes, ...shapes]);
  if (!Number.isInteger(state.iterations) || state.iterations < 0) {
    throw new CheckpointError('corrupt', `This checkpoint's ${what} optimiser state is damaged (iteration count ${state.iterations}).`);
  }
}

async function restoreAdam(optimizer: tf.AdamOptimizer, state: AdamState): Promise<void> {
  const owned = [tf.scalar(state.iterations, 'int32'), ...state.slots.map((slot) => tf.tensor(slot.values, slot.shape, 'float32'))];
  try {
    // setWeights wants [iterations, m…, v…] and matches slots to variables by position.
    await optimizer.setWeights(owned.map((tensor, i) => ({ name: i === 0 ? 'iter' : (state.slots[i - 1]?.name ?? ''), tensor })));
  } finally {
    // The optimiser's new variables share these tensors' data (reference-counted), so ours can go.
    tf.dispose(owned);
  }
  const { accBeta1, accBeta2 } = adamAccumulators(optimizer);
  tf.tidy(() => {
    accBeta1.assign(tf.scalar(state.accBeta1));
    accBeta2.assign(tf.scalar(state.accBeta2));
  });
}

function setModelWeights(model: tf.LayersModel, weights: readonly WeightValues[]): void {
  const tensors = weights.map((weight) => tf.tensor(weight.values, weight.shape, 'float32'));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Builds a fresh GAN from the checkpoint's config and loads its whole state, so that training
 * on from step `checkpoint.step` gives exactly what the original run would have.
 * @throws CheckpointError `invalid-config` or `incompatible` (nothing is left allocated then).
 */
export async function restoreCheckpoint(checkpoint: Checkpoint): Promise<Gan> {
  const problems = validateConfig(checkpoint.config);
  if (problems.length > 0) {
    throw new CheckpointError('invalid-config', `This checkpoint's settings are not valid. ${describeProblems(problems)}`);
  }
  const gan = createGan(checkpoint.config);
  try {
    const { config } = checkpoint;
    // Check every shape before writing anything, against the networks this config builds.
    checkShapes(config, 'generator', checkpoint.generator, gan.generator.weights.map((w) => w.read().shape));
    checkShapes(config, 'discriminator', checkpoint.discriminator, gan.discriminator.weights.map((w) => w.read().shape));
    checkAdam(config, 'generator', checkpoint.generatorOptimizer, gan.generator.trainableWeights);
    checkAdam(config, 'discriminator', checkpoint.discriminatorOptimizer, gan.discriminator.trainableWeights);
    if (checkpoint.dropoutMaskCounts.length !== gan.dropouts.length) {
      throw new CheckpointError(
        'incompatible',
        `This checkpoint is for ${describeArchitecture(config)}, but it has ${checkpoint.dropoutMaskCounts.length} dropout counters where that architecture has ${gan.dropouts.length}.`,
      );
    }

    setModelWeights(gan.generator, checkpoint.generator);
    setModelWeights(gan.discriminator, checkpoint.discriminator);
    await restoreAdam(gan.generatorOptimizer, checkpoint.generatorOptimizer);
    await restoreAdam(gan.discriminatorOptimizer, checkpoint.discriminatorOptimizer);
    gan.dropouts.forEach((dropout, i) => {
      dropout.maskCount = checkpoint.dropoutMaskCounts[i] ?? 0;
    });
    return gan;
  } catch (error) {
    disposeGan(gan);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The file format

type TensorGroup = 'generator' | 'discriminator' | 'generatorOptimizer' | 'discriminatorOptimizer';
const TENSOR_GROUPS: readonly TensorGroup[] = ['generator', 'discriminator', 'generatorOptimizer', 'discriminatorOptimizer'];

interface TensorEntry {
  group: TensorGroup;
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** A metric value in JSON: NaN and ±Infinity (a diverged run) would otherwise become null. */
type JsonMetric = number | 'NaN' | 'Infinity' | '-Infinity';

/** The JSON header of a checkpoint file. */
interface CheckpointHeader {
  appVersion: string;
  config: TrainConfig;
  step: number;
  datasetIdentity: string | null;
  /** Columnar: one array per column (`step` and STEP_METRICS), much smaller than an array of rows. */
  metrics: Record<string, JsonMetric[]>;
  /** Absent in files written before quality was measured. */
  quality?: QualityRow[];
  dropoutMaskCounts: number[];
  optimizers: Record<'generator' | 'discriminator', Omit<AdamState, 'slots'>>;
  tensors: TensorEntry[];
  payloadBytes: number;
  payloadCrc32: number;
}

const METRIC_COLUMNS = ['step', ...STEP_METRICS] as const;

function toJsonMetric(value: number): JsonMetric {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

function fromJsonMetric(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return null;
}

function tensorsOf(checkpoint: Checkpoint): { group: TensorGroup; weight: WeightValues }[] {
  const byGroup: Record<TensorGroup, WeightValues[]> = {
    generator: checkpoint.generator,
    discriminator: checkpoint.discriminator,
    generatorOptimizer: checkpoint.generatorOptimizer.slots,
    discriminatorOptimizer: checkpoint.discriminatorOptimizer.slots,
  };
  return TENSOR_GROUPS.flatMap((group) => byGroup[group].map((weight) => ({ group, weight })));
}

const alignTo4 = (n: number): number => (n + 3) & ~3;

/** Serialises a checkpoint to the file format above. */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array<ArrayBuffer> {
  const tensors = tensorsOf(checkpoint);
  const payloadBytes = tensors.reduce((sum, { weight }) => sum + weight.values.length * 4, 0);
  const payload = new Uint8Array(payloadBytes);
  let offset = 0;
  for (const { weight } of tensors) {
    // Float32Array bytes are platform order; every platform tfjs runs on is little-endian.
    payload.set(new Uint8Array(weight.values.buffer, weight.values.byteOffset, weight.values.byteLength), offset);
    offset += weight.values.byteLength;
  }
  const optimizerScalars = ({ iterations, accBeta1, accBeta2 }: AdamState) => ({ iterations, accBeta1, accBeta2 });
  const header: CheckpointHeader = {
    appVersion: checkpoint.appVersion,
    config: checkpoint.config,
    step: checkpoint.step,
    datasetIdentity: checkpoint.datasetIdentity,
    metrics: Object.fromEntries(METRIC_COLUMNS.map((column) => [column, checkpoint.metrics.map((row) => toJsonMetric(row[column]))])),
    quality: checkpoint.quality,
    dropoutMaskCounts: checkpoint.dropoutMaskCounts,
    optimizers: { generator: optimizerScalars(checkpoint.generatorOptimizer), discriminator: optimizerScalars(checkpoint.discriminatorOptimizer) },
    tensors: tensors.map(({ group, weight }) => ({ group, name: weight.name, shape: weight.shape, dtype: 'float32' })),
    payloadBytes,
    payloadCrc32: crc32(payload),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const payloadStart = alignTo4(PREFIX_BYTES + headerBytes.length);
  const bytes = new Uint8Array(payloadStart + payloadBytes);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(8, CHECKPOINT_FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  view.setUint32(16, crc32(headerBytes), true);
  bytes.set(headerBytes, PREFIX_BYTES);
  bytes.set(payload, payloadStart);
  return bytes;
}

const TRUNCATED = 'This checkpoint file is incomplete (it was cut short, perhaps by an interrupted download or save).';
const CORRUPT = 'This checkpoint file is damaged: its contents do not match their checksum.';

function corruptHeader(detail: string): CheckpointError {
  return new CheckpointError('corrupt', `This checkpoint file is damaged: ${detail}.`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

function parseAdamScalars(value: unknown, what: string): Omit<AdamState, 'slots'> {
  if (!isObject(value) || !isCount(value['iterations']) || typeof value['accBeta1'] !== 'number' || typeof value['accBeta2'] !== 'number') {
    throw corruptHeader(`the ${what} optimiser state is missing`);
  }
  return { iterations: value['iterations'], accBeta1: value['accBeta1'], accBeta2: value['accBeta2'] };
}

function parseTensorEntry(value: unknown): TensorEntry {
  if (
    !isObject(value) ||
    !TENSOR_GROUPS.includes(value['group'] as TensorGroup) ||
    typeof value['name'] !== 'string' ||
    !Array.isArray(value['shape']) ||
    !value['shape'].every(isCount) ||
    value['dtype'] !== 'float32'
  ) {
    throw corruptHeader('a tensor description is malformed');
  }
  return { group: value['group'] as TensorGroup, name: value['name'], shape: value['shape'] as number[], dtype: 'float32' };
}

function parseMetrics(value: unknown): MetricRow[] {
  if (!isObject(value)) throw corruptHeader('the metric history is missing');
  const columns = METRIC_COLUMNS.map((column) => value[column]);
  const length = Array.isArray(columns[0]) ? columns[0].length : -1;
  if (!columns.every((column) => Array.isArray(column) && column.length === length)) throw corruptHeader('the metric history is malformed');
  return Array.from({ length }, (_, i) => {
    const row: Record<string, number> = {};
    METRIC_COLUMNS.forEach((name, c) => {
      const parsed = fromJsonMetric((columns[c] as unknown[])[i]);
      if (parsed === null) throw corruptHeader('the metric history is malformed');
      row[name] = parsed;
    });
    return row as MetricRow;
  });
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The quality history; files from before it existed have none. */
function parseQuality(value: unknown): QualityRow[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw corruptHeader('the quality history is malformed');
  return value.map((row: unknown) => {
    if (
      !isObject(row) ||
      !isCount(row['step']) ||
      !isFiniteNumber(row['swd']) ||
      !isCount(row['images']) ||
      !Array.isArray(row['perLevel']) ||
      !row['perLevel'].every(isFiniteNumber)
    ) {
      throw corruptHeader('the quality history is malformed');
    }
    return { step: row['step'], swd: row['swd'], images: row['images'], perLevel: [...(row['perLevel'] as number[])] };
  });
}

/** Checks the untrusted header's structure; the config is checked separately, by validateConfig. */
function parseHeader(value: unknown): CheckpointHeader {
  if (!isObject(value)) throw corruptHeader('its header is not an object');
  const { appVersion, config, step, datasetIdentity, dropoutMaskCounts, optimizers, tensors, payloadBytes, payloadCrc32 } = value;
  if (typeof appVersion !== 'string') throw corruptHeader('the app version is missing');
  if (!isObject(config)) throw corruptHeader('the training settings are missing');
  if (!isCount(step)) throw corruptHeader('the step count is missing');
  if (datasetIdentity !== null && typeof datasetIdentity !== 'string') throw corruptHeader('the dataset identity is malformed');
  if (!Array.isArray(dropoutMaskCounts) || !dropoutMaskCounts.every(isCount)) throw corruptHeader('the dropout counters are malformed');
  if (!isObject(optimizers)) throw corruptHeader('the optimiser state is missing');
  if (!Array.isArray(tensors)) throw corruptHeader('the tensor list is missing');
  if (!isCount(payloadBytes) || !isCount(payloadCrc32)) throw corruptHeader('the payload description is missing');
  return {
    appVersion,
    config: upgradeConfig(config),
    step,
    datasetIdentity,
    metrics: {},
    dropoutMaskCounts: dropoutMaskCounts as number[],
    optimizers: { generator: parseAdamScalars(optimizers['generator'], 'generator'), discriminator: parseAdamScalars(optimizers['discriminator'], 'discriminator') },
    tensors: tensors.map(parseTensorEntry),
    payloadBytes,
    payloadCrc32,
  };
}

/**
 * Reads a checkpoint file written by encodeCheckpoint. The bytes are untrusted (a user's file).
 * Shapes are checked against the architecture later, by restoreCheckpoint.
 * @throws CheckpointError `not-a-checkpoint`, `unsupported-version`, `truncated`, `corrupt` or `invalid-config`.
 */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < MAGIC.length || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new CheckpointError('not-a-checkpoint', 'This file is not a Ganvas checkpoint.');
  }
  if (bytes.length < PREFIX_BYTES) throw new CheckpointError('truncated', TRUNCATED);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(
      'unsupported-version',
      version > CHECKPOINT_FORMAT_VERSION
        ? `This checkpoint was saved by a newer version of Ganvas (format ${version}); update Ganvas to open it.`
        : `This checkpoint uses format ${version}, which this version of Ganvas cannot read.`,
    );
  }
  const headerLength = view.getUint32(12, true);
  const payloadStart = alignTo4(PREFIX_BYTES + headerLength);
  if (bytes.length < PREFIX_BYTES + headerLength) throw new CheckpointError('truncated', TRUNCATED);
  const headerBytes = bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength);
  if (crc32(headerBytes) !== view.getUint32(16, true)) throw new CheckpointError('corrupt', CORRUPT);

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch {
    throw corruptHeader('its header is not readable');
  }
  const header = parseHeader(json);
  const metrics = parseMetrics(isObject(json) ? json['metrics'] : undefined);
  const quality = parseQuality(isObject(json) ? json['quality'] : undefined);

  const expectedPayload = header.tensors.reduce((sum, entry) => sum + entry.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (expectedPayload !== header.payloadBytes) throw corruptHeader('the tensor list does not add up to the payload size');
  if (bytes.length < payloadStart + header.payloadBytes) throw new CheckpointError('truncated', TRUNCATED);
  if (bytes.length > payloadStart + header.payloadBytes) throw corruptHeader('there are unexpected bytes after the payload');
  const payload = bytes.subarray(payloadStart);
  if (crc32(payload) !== header.payloadCrc32) throw new CheckpointError('corrupt', CORRUPT);

  const problems = validateConfig(header.config);
  if (problems.length > 0) {
    throw new CheckpointError('invalid-config', `This checkpoint's settings are not valid. ${describeProblems(problems)}`);
  }

  const groups: Record<TensorGroup, WeightValues[]> = { generator: [], discriminator: [], generatorOptimizer: [], discriminatorOptimizer: [] };
  let offset = 0;
  for (const entry of header.tensors) {
    const length = entry.shape.reduce((a, b) => a * b, 1);
    // Copy into a fresh buffer: the file's bytes may not be 4-byte aligned, and callers may drop them.
    const values = new Float32Array(length);
    new Uint8Array(values.buffer).set(payload.subarray(offset, offset + length * 4));
    offset += length * 4;
    groups[entry.group].push({ name: entry.name, shape: entry.shape, values });
  }
  return {
    config: header.config,
    step: header.step,
    metrics,
    quality,
    datasetIdentity: header.datasetIdentity,
    appVersion: header.appVersion,
    generator: groups.generator,
    discriminator: groups.discriminator,
    generatorOptimizer: { ...header.optimizers.generator, slots: groups.generatorOptimizer },
    discriminatorOptimizer: { ...header.optimizers.discriminator, slots: groups.discriminatorOptimizer },
    dropoutMaskCounts: header.dropoutMaskCounts,
  };
}

// src/data/zip/zip-reader.ts has a CRC-32 too, but gan may not import data (one-way layers).
