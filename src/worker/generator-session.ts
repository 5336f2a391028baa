/**
 * The Generate view's side of the worker: faces from seeds, latent walks and nearest real
 * images, drawn from the live run's generator or from a generator zip the user uploaded.
 *
 * Every request is answered exactly once, by its answer or by `request-failed` with a sentence
 * for the user; `handle` never throws. Out-of-range requests (too many seeds, a walk of 1 or
 * 1,000 frames) are refused with a message rather than silently clamped, so the page never
 * shows something other than what it asked for.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/dataset.ts';
import { buildGeneratorFromZip, GeneratorZipError, readGeneratorZip } from '../data/exports/generator-zip.ts';
import { nearestImages } from '../data/nearest.ts';
import { facesFromLatents, toRgbaImage, type FaceBytes } from '../gan/generate.ts';
import type { TrainConfig } from '../protocol/config.ts';
import { latentForSeed, slerp } from '../protocol/latent.ts';
import { assertNever, type GeneratorSource, type RgbaImage, type ToWorker, type UploadedGeneratorInfo } from '../protocol/messages.ts';
import type { Post } from './post.ts';
import { RunRefusal } from './run-lifecycle.ts';
import { describeError } from '../protocol/describe-error.ts';

export type GeneratorRequest = Extract<ToWorker, { type: 'load-generator' | 'generate' | 'walk' | 'nearest-real' }>;

export interface GeneratorSessionDeps {
  post: Post;
  /**
   * Runs `use` on the live run's generator between two training steps; null when there is no
   * run (the page should then say "train or upload a generator first").
   */
  withLiveGenerator<T>(use: (generator: tf.LayersModel, config: Readonly<TrainConfig>, step: number) => Promise<T>): Promise<T> | null;
  /** The loaded training set (for nearest real images), or null when none is loaded. */
  dataset(): ImageSet | null;
}

export interface GeneratorSession {
  /** Answers one request through `post`; never throws (failures become `request-failed`). */
  handle(request: GeneratorRequest): Promise<void>;
  /** Frees the uploaded generator, if any. */
  dispose(): void;
}

/** Most faces one `generate` request may ask for (the view shows a few dozen). */
export const MAX_FACES = 256;
/** Inclusive range of a walk's frame count: 2 gives just the two ends; 240 is 8 s at 30 fps. */
export const WALK_FRAMES = { min: 2, max: 240 } as const;
/** Inclusive range of how many nearest real images one request may ask for. */
export const NEAREST_COUNT = { min: 1, max: 16 } as const;

export const NO_LIVE_GENERATOR = 'There is no trained generator yet: start training, or upload a generator zip you downloaded from Ganvas.';
export const NO_UPLOADED_GENERATOR =
  'No generator has been uploaded yet: upload a generator zip you downloaded from Ganvas, or switch to the generator of the current run.';
export const NO_TRAINING_SET = 'Load the training images first: the nearest real images are searched among the loaded training set.';

/** A request that cannot be answered; `message` is the sentence the user sees. */
class RequestFailure extends Error {
  override readonly name = 'RequestFailure';
}

function colourName(channels: number): string {
  return channels === 1 ? 'grayscale' : 'colour';
}

function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new RequestFailure(`Seeds must be whole numbers, but got ${String(seed)}. Type a whole number such as 42.`);
  }
  return seed;
}

function checkWholeInRange(value: unknown, range: { min: number; max: number }, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new RequestFailure(`${what} must be a whole number from ${range.min} to ${range.max}, but got ${String(value)}. Choose a number in that range.`);
  }
  return value;
}

/** The faces as RGBA images for the page, with the buffers to transfer. */
function toImages(bytes: FaceBytes): { images: RgbaImage[]; buffers: ArrayBuffer[] } {
  const images = bytes.faces.map((face) => toRgbaImage(face, bytes.side, bytes.channels));
  return { images, buffers: images.map((image) => image.pixels) };
}

export function createGeneratorSession(deps: GeneratorSessionDeps): GeneratorSession {
  let uploaded: { model: tf.LayersModel; config: TrainConfig } | null = null;
  let disposed = false;

  /**
   * Runs `use` on the chosen generator. For an uploaded one `use` starts synchronously, so a
   * later upload cannot dispose the model under its (synchronous) predict calls.
   */
  function withGenerator<T>(
    source: GeneratorSource,
    use: (generator: tf.LayersModel, config: Readonly<TrainConfig>, step: number | null) => Promise<T>,
  ): Promise<T> {
    if (source === 'live') {
      const result = deps.withLiveGenerator(use);
      if (!result) throw new RequestFailure(NO_LIVE_GENERATOR);
      return result;
    }
    if (!uploaded) throw new RequestFailure(NO_UPLOADED_GENERATOR);
    return use(uploaded.model, uploaded.config, null);
  }

  async function loadGenerator(file: File, requestId: number): Promise<void> {
    const contents = await readGeneratorZip(file, file.name);
    const model = await buildGeneratorFromZip(contents, file.name);
    if (disposed) {
      model.dispose();
      return;
    }
    // Only a generator that passed every check replaces the previous one.
    const previous = uploaded;
    const info: UploadedGeneratorInfo = { fileName: file.name, summary: contents.summary };
    uploaded = { model, config: contents.summary.config };
    previous?.model.dispose();
    deps.post({ type: 'generator-loaded', requestId, info });
  }

  async function generate(requestId: number, source: GeneratorSource, seeds: readonly number[]): Promise<void> {
    if (!Array.isArray(seeds)) throw new RequestFailure('Seeds must be a list of whole numbers, such as 1, 2, 42.');
    if (seeds.length > MAX_FACES) throw new RequestFailure(`Ask for at most ${MAX_FACES} faces at a time.`);
    seeds.forEach(checkSeed);
    let step: number | null = null;
    const bytes = await withGenerator(source, (generator, config, drawnAt) => {
      step = drawnAt;
      return facesFromLatents(
        generator,
        seeds.map((seed) => latentForSeed(seed, config.latentSize)),
      );
    });
    const { images, buffers } = toImages(bytes);
    const faces = images.map((image, i) => ({ seed: seeds[i] as number, image }));
    deps.post({ type: 'faces', requestId, faces, step }, buffers);
  }

  async function walk(requestId: number, source: GeneratorSource, from: number, to: number, frames: number): Promise<void> {
    checkSeed(from);
    checkSeed(to);
    checkWholeInRange(frames, WALK_FRAMES, 'The number of frames in a walk');
    const bytes = await withGenerator(source, (generator, config) => {
      const start = latentForSeed(from, config.latentSize);
      const end = latentForSeed(to, config.latentSize);
      // t = i / (frames − 1): the first and last frames are exactly the two seeds' faces.
      const latents = Array.from({ length: frames }, (_, i) => slerp(start, end, i / (frames - 1)));
      return facesFromLatents(generator, latents);
    });
    const { images, buffers } = toImages(bytes);
    deps.post({ type: 'walk-frames', requestId, frames: images }, buffers);
  }

  async function nearestReal(requestId: number, source: GeneratorSource, seed: number, count: number): Promise<void> {
    checkSeed(seed);
    checkWholeInRange(count, NEAREST_COUNT, 'The number of nearest images');
    const { set, face } = await withGenerator(source, async (generator, config) => {
      const loaded = deps.dataset();
      if (!loaded) throw new RequestFailure(NO_TRAINING_SET);
      if (loaded.side !== config.resolution || loaded.channels !== config.channels) {
        throw new RequestFailure(
          `The loaded training images are ${loaded.side}×${loaded.side} ${colourName(loaded.channels)} but this generator makes ${config.resolution}×${config.resolution} ${colourName(config.channels)} faces, so they cannot be compared. Load the training images again at ${config.resolution} px ${colourName(config.channels)} to search them.`,
        );
      }
      return { set: loaded, face: await facesFromLatents(generator, [latentForSeed(seed, config.latentSize)]) };
    });
    const query = face.faces[0];
    if (!query) throw new Error('the generator returned no face');
    // The search runs after the live generator is released, so training is not held up by it.
    const matches = nearestImages(set, query, count).map(({ index, distance }) => {
      const imageLength = set.side * set.side * set.channels;
      const pixels = set.pixels.subarray(index * imageLength, (index + 1) * imageLength);
      return { index, distance, image: toRgbaImage(pixels, set.side, set.channels) };
    });
    const generated = { seed, image: toRgbaImage(query, face.side, face.channels) };
    deps.post({ type: 'nearest-real', requestId, generated, matches }, [generated.image.pixels, ...matches.map((match) => match.image.pixels)]);
  }

  function answer(request: GeneratorRequest): Promise<void> {
    switch (request.type) {
      case 'load-generator':
        return loadGenerator(request.file, request.requestId);
      case 'generate':
        return generate(request.requestId, request.source, request.seeds);
      case 'walk':
        return walk(request.requestId, request.source, request.from, request.to, request.frames);
      case 'nearest-real':
        return nearestReal(request.requestId, request.source, request.seed, request.count);
      default:
        return assertNever(request);
    }
  }

  return {
    async handle(request) {
      try {
        await answer(request);
      } catch (error) {
        deps.post({ type: 'request-failed', requestId: request.requestId, message: failureMessage(request, error) });
      }
    },
    dispose() {
      disposed = true;
      uploaded?.model.dispose();
      uploaded = null;
    },
  };
}

/** The sentence the user sees for a failed request. */
function failureMessage(request: GeneratorRequest, error: unknown): string {
  if (error instanceof RequestFailure || error instanceof GeneratorZipError || error instanceof RunRefusal) return error.message;
  const reason = describeError(error);
  if (request.type === 'load-generator') {
    return `Could not load “${request.file.name}”: ${reason}. Check that it is the zip Ganvas’s “Download generator” saved, and try again.`;
  }
  return `Could not generate the faces: ${reason}. Try again; if it keeps failing, reload the page.`;
}
