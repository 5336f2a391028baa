/**
 * Reads a generator zip saved by "Download generator" (see generatorZip in ui/downloads.ts):
 * `model.json` (tfjs Layers format, weights manifest pointing at `./weights.bin`), `weights.bin`
 * and `ganvas-run.json` (the RunSummary). Everything in the file is untrusted: each way it can
 * fail to be ours gets a GeneratorZipError whose message tells a non-expert what to do.
 */
import * as tf from '@tensorflow/tfjs';
import { upgradeConfig, describeProblems, validateConfig, type TrainConfig } from '../../protocol/config.ts';
import { isBackendName, type RunSummary } from '../../protocol/messages.ts';
import { formatBytes } from '../../protocol/format.ts';
import { openZip, readEntry, ZipError, type ZipArchive, type ZipEntry } from '../zip/zip-reader.ts';
import { describeError } from '../../protocol/describe-error.ts';

/** Why an uploaded file is not a usable generator; `message` is written for the user. */
export class GeneratorZipError extends Error {
  override readonly name = 'GeneratorZipError';
}

/** A generator zip, parsed and checked, ready for tf.loadLayersModel(tf.io.fromMemory(artifacts)). */
export interface GeneratorZipContents {
  artifacts: tf.io.ModelArtifacts;
  summary: RunSummary;
}

const MODEL_JSON = 'model.json';
const RUN_JSON = 'ganvas-run.json';
/** model.json and ganvas-run.json are a few kilobytes; anything near this is not ours. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** Bigger than the widest generator Ganvas trains (width 4 at 128 px), small enough to allocate. */
const MAX_WEIGHTS_BYTES = 1024 * 1024 * 1024;

/** Bytes per stored value, by dtype (or by quantization dtype when the weight is quantized). */
const BYTES_PER_VALUE: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

const WHAT_TO_DO = 'Choose the zip that Ganvas’s “Download generator” saved, unchanged.';

/**
 * Opens `file` and returns the model artifacts and run summary it holds.
 * @param fileName shown in messages ("faces.zip is not a zip file …").
 * @throws GeneratorZipError for anything that is not a Ganvas generator zip.
 */
export async function readGeneratorZip(file: Blob, fileName: string): Promise<GeneratorZipContents> {
  const archive = await openArchive(file, fileName);
  const modelEntry = findModelJson(archive);
  if (!modelEntry) {
    throw new GeneratorZipError(`“${fileName}” has no model.json, so it is not a generator downloaded from Ganvas. ${WHAT_TO_DO}`);
  }
  // Zipping the unzipped folder again puts everything one folder down; follow model.json there.
  const folder = modelEntry.name.slice(0, modelEntry.name.length - MODEL_JSON.length);
  const runEntry = findEntry(archive, folder + RUN_JSON);
  if (!runEntry) {
    throw new GeneratorZipError(`“${fileName}” has a model.json but no ganvas-run.json, so it is not a generator downloaded from Ganvas. ${WHAT_TO_DO}`);
  }
  const modelJson = parseModelJson(await readJson(archive, modelEntry, fileName), fileName);
  const summary = parseSummary(await readJson(archive, runEntry, fileName), fileName);
  const weightData = await readWeights(archive, folder, modelJson, fileName);
  return {
    artifacts: {
      modelTopology: modelJson.modelTopology,
      format: modelJson.format,
      generatedBy: modelJson.generatedBy,
      convertedBy: modelJson.convertedBy,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData,
    },
    summary,
  };
}

/**
 * Builds the model from `contents` and checks it is the generator its summary describes:
 * input [batch, latentSize], output [batch, S, S, C] with S and C from the summary's config.
 * The caller owns the model. @throws GeneratorZipError when tfjs cannot build it or a shape differs.
 */
export async function buildGeneratorFromZip(contents: GeneratorZipContents, fileName: string): Promise<tf.LayersModel> {
  const cannotBuild = (error: unknown) =>
    new GeneratorZipError(`TensorFlow.js could not build a model from “${fileName}” (${firstSentence(describeError(error))}). The zip may be damaged or edited. ${WHAT_TO_DO}`);
  const { modelTopology, weightSpecs = [], weightData } = contents.artifacts;
  let model: tf.LayersModel;
  try {
    // The network first, weights second: tf.loadLayersModel given both leaks the built model's
    // variables when the weights do not fit it, so the weights are loaded here, where a failure
    // can dispose the model.
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology }));
  } catch (error) {
    throw cannotBuild(error);
  }
  try {
    const named = tf.io.decodeWeights(weightData ?? new ArrayBuffer(0), weightSpecs);
    try {
      model.loadWeights(named, true);
    } finally {
      tf.dispose(Object.values(named));
    }
  } catch (error) {
    model.dispose();
    throw cannotBuild(error);
  }
  const problem = shapeProblem(model, contents.summary.config);
  if (problem) {
    model.dispose();
    throw new GeneratorZipError(`The model in “${fileName}” does not match its ganvas-run.json: ${problem}. The zip may have been edited. ${WHAT_TO_DO}`);
  }
  return model;
}

/** Why `model` is not a generator for `config`, or null when it is. */
function shapeProblem(model: tf.LayersModel, config: TrainConfig): string | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return 'it should have one input and one output';
  const input = model.inputs[0]?.shape ?? [];
  const output = model.outputs[0]?.shape ?? [];
  const { latentSize, resolution, channels } = config;
  const describe = (shape: readonly (number | null)[]) => `[${shape.map((d) => d ?? 'batch').join(', ')}]`;
  if (input.length !== 2 || input[1] !== latentSize) {
    return `it takes ${describe(input)} but the run used latent vectors of length ${latentSize}`;
  }
  if (output.length !== 4 || output[1] !== resolution || output[2] !== resolution || output[3] !== channels) {
    return `it makes ${describe(output)} but the run made ${resolution}×${resolution} images with ${channels} channel${channels === 1 ? '' : 's'}`;
  }
  return null;
}

async function openArchive(file: Blob, fileName: string): Promise<ZipArchive> {
  try {
    return await openZip(file);
  } catch (error) {
    if (error instanceof ZipError && error.code === 'not-a-zip') {
      throw new GeneratorZipError(`“${fileName}” is not a zip file. ${WHAT_TO_DO}`);
    }
    throw new GeneratorZipError(`“${fileName}” could not be read: ${describeError(error)} ${WHAT_TO_DO}`);
  }
}

/** model.json at the top, or else the shallowest one outside macOS's __MACOSX metadata folder. */
function findModelJson(archive: ZipArchive): ZipEntry | null {
  const candidates = archive.entries.filter(
    (entry) => !entry.isDirectory && (entry.name === MODEL_JSON || entry.name.endsWith(`/${MODEL_JSON}`)) && !entry.name.startsWith('__MACOSX/'),
  );
  candidates.sort((a, b) => a.name.split('/').length - b.name.split('/').length);
  return candidates[0] ?? null;
}

function findEntry(archive: ZipArchive, name: string): ZipEntry | null {
  return archive.entries.find((entry) => !entry.isDirectory && entry.name === name) ?? null;
}

async function readBytes(archive: ZipArchive, entry: ZipEntry, maxBytes: number, fileName: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return await readEntry(archive, entry, { maxBytes });
  } catch (error) {
    throw new GeneratorZipError(`“${fileName}” could not be read: ${describeError(error)} ${WHAT_TO_DO}`);
  }
}

async function readJson(archive: ZipArchive, entry: ZipEntry, fileName: string): Promise<unknown> {
  const bytes = await readBytes(archive, entry, MAX_JSON_BYTES, fileName);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    throw new GeneratorZipError(`${entry.name} in “${fileName}” is not valid JSON, so the zip is damaged. ${WHAT_TO_DO}`);
  }
}

interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

interface ModelJson {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: WeightsGroup[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Checks model.json's structure (not yet whether tfjs can build it). */
function parseModelJson(json: unknown, fileName: string): ModelJson {
  const damaged = (what: string) => new GeneratorZipError(`model.json in “${fileName}” is damaged (${what}). ${WHAT_TO_DO}`);
  if (!isRecord(json) || !isRecord(json.modelTopology)) throw damaged('it describes no network');
  if (!Array.isArray(json.weightsManifest) || json.weightsManifest.length === 0) throw damaged('it lists no weights');
  const weightsManifest = json.weightsManifest.map((group: unknown): WeightsGroup => {
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw damaged('its weights manifest is malformed');
    const paths = group.paths.map((path: unknown) => {
      if (typeof path !== 'string') throw damaged('a weights path is not text');
      return path;
    });
    const weights = group.weights.map((spec: unknown) => {
      if (!isRecord(spec) || typeof spec.name !== 'string' || !Array.isArray(spec.shape) || typeof spec.dtype !== 'string') {
        throw damaged('a weight is described incorrectly');
      }
      if (!spec.shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0)) throw damaged(`weight ${spec.name} has an impossible shape`);
      return spec as unknown as tf.io.WeightsManifestEntry;
    });
    return { paths, weights };
  });
  return {
    modelTopology: json.modelTopology,
    format: optionalString(json.format),
    generatedBy: optionalString(json.generatedBy),
    convertedBy: optionalString(json.convertedBy) ?? null,
    weightsManifest,
  };
}

/** The bytes a weight occupies in the weights file. @throws GeneratorZipError for dtypes tfjs does not store. */
function weightBytes(spec: tf.io.WeightsManifestEntry, fileName: string): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const size = BYTES_PER_VALUE[dtype];
  if (size === undefined) throw new GeneratorZipError(`model.json in “${fileName}” stores weight ${spec.name} as “${dtype}”, which Ganvas never writes. ${WHAT_TO_DO}`);
  return spec.shape.reduce((product, d) => product * d, 1) * size;
}

/**
 * Reads every weights file the manifest names, in order, and checks their total size against
 * the specs: a file of the wrong size would load garbage (or fail deep inside tfjs).
 */
async function readWeights(archive: ZipArchive, folder: string, modelJson: ModelJson, fileName: string): Promise<ArrayBuffer> {
  const expected = modelJson.weightsManifest.reduce((sum, group) => sum + group.weights.reduce((s, spec) => s + weightBytes(spec, fileName), 0), 0);
  const entries = modelJson.weightsManifest.flatMap((group) =>
    group.paths.map((path) => {
      const name = folder + path.replace(/^\.\//, '');
      const entry = findEntry(archive, name);
      if (!entry) throw new GeneratorZipError(`“${fileName}” is missing ${name}, the file with the generator’s weights. ${WHAT_TO_DO}`);
      return entry;
    }),
  );
  // Declared sizes are checked before anything is read, so a wrong file costs no allocation.
  const declared = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  const names = entries.map((entry) => entry.name).join(' + ');
  if (declared !== expected || expected > MAX_WEIGHTS_BYTES) {
    throw new GeneratorZipError(
      `${names} in “${fileName}” holds ${formatBytes(declared)} but model.json describes ${formatBytes(expected)} of weights: the weights are damaged or belong to another model. ${WHAT_TO_DO}`,
    );
  }
  const weights = new Uint8Array(expected);
  let offset = 0;
  for (const entry of entries) {
    const bytes = await readBytes(archive, entry, entry.uncompressedSize, fileName);
    weights.set(bytes, offset);
    offset += bytes.length;
  }
  return weights.buffer;
}

/**
 * Checks ganvas-run.json. The config must pass validateConfig (it decides the model's shapes);
 * the descriptive fields (dataset, backend, date) are only shown, so odd values become null or
 * empty rather than rejecting an otherwise good generator.
 */
function parseSummary(json: unknown, fileName: string): RunSummary {
  if (!isRecord(json) || !isRecord(json.config)) {
    throw new GeneratorZipError(`ganvas-run.json in “${fileName}” holds no training settings, so the zip is damaged. ${WHAT_TO_DO}`);
  }
  const config = upgradeConfig(json.config);
  const problems = validateConfig(config);
  if (problems.length > 0) {
    throw new GeneratorZipError(`ganvas-run.json in “${fileName}” has invalid settings. ${describeProblems(problems)} ${WHAT_TO_DO}`);
  }
  const step = typeof json.step === 'number' && Number.isInteger(json.step) && json.step >= 0 ? json.step : 0;
  const seed = typeof json.seed === 'number' && Number.isFinite(json.seed) ? json.seed : config.seed;
  const backend = typeof json.backend === 'string' && isBackendName(json.backend) ? json.backend : null;
  return { config: { ...config }, step, seed, dataset: parseDataset(json.dataset), backend, savedAt: optionalString(json.savedAt) ?? '' };
}

function parseDataset(value: unknown): RunSummary['dataset'] {
  if (!isRecord(value)) return null;
  const { name, count, side, channels, crop } = value;
  if (typeof name !== 'string' || typeof count !== 'number' || typeof side !== 'number' || typeof channels !== 'number' || typeof crop !== 'string') return null;
  return { name, count, side, channels, crop };
}

/** tfjs errors run to several lines of advice for developers; the first sentence is what happened. */
function firstSentence(text: string): string {
  const line = text.split('\n')[0] ?? '';
  const end = line.indexOf('. ');
  return (end >= 0 ? line.slice(0, end) : line).replace(/\.$/, '');
}

