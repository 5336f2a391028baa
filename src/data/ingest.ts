/**
 * A zip of photos → the uint8 training set and the report the user reads, in the worker.
 *
 * Steps: open the zip (central directory only) → hash it and ask the cache → classify entries
 * from the directory → read the image entries in file order through readEntries (16 MiB
 * windows, one slice each: a slice per entry cost more in round trips than in bytes) while up
 * to `concurrency` decodes run in parallel (the decoder is usually a pool of workers) → write
 * each S×S×C result straight into one pre-sized store → compact and trim → cache.
 *
 * Memory: the store is allocated once, sized for every image entry (count · S · S · C bytes,
 * an upper bound known from the directory), so the load never holds two copies of a growing
 * set, and a set too big for memory fails in the first second, not after minutes of decoding.
 * Results land in their entry's slot (decodes finish out of order); failed slots are squeezed
 * out at the end in place (copyWithin). The unused tail is then released with
 * ArrayBuffer.prototype.transfer where the browser has it (a realloc, no second copy), kept as
 * a view when it is small, and copied away otherwise. Peak ≈ the result + the failed slots +
 * `concurrency` entries' bytes in flight + two read windows.
 *
 * Every per-entry problem (not an image, corrupt, zip bomb, undecodable…) is a counted skip;
 * only problems with the whole file throw, as an IngestError whose message is for the user.
 */
import { formatBytes } from '../protocol/format.ts';
import { centralDirectoryHash, openZip, readEntries, ZipError, type ReadEntriesItem, type ZipArchive, type ZipEntry } from './zip-reader.ts';
import { classifyEntry, DEFAULT_INGEST_LIMITS, describeCompressionMethod, type IngestLimits } from './entries.ts';
import { datasetCacheKey, type CachedDataset, type DatasetCache, type JsonValue, type PutResult } from './cache.ts';
import type { DecodeOptions, DecodeResult } from './decode.ts';
import { identifyContent, MAX_IMAGE_PIXELS, readImageDimensions, sourceSizeProblem, sourceSizeRules, type ForeignImageFormat, type SourceSizeRules } from './image-header.ts';
import { createDuplicateFinder } from './duplicates.ts';
import { createImageSet, type ImageSet } from './dataset.ts';
import { composeGrid, type GridImage } from '../gan/grid.ts';
import { createRandom, randomInt } from '../gan/random.ts';
import type { GridLayout } from '../protocol/config.ts';
import { DEFAULT_FACE_MARGIN, FACE_MARGINS, minimumEyeDistance } from './faces/align.ts';
import { datasetIdentity, type CacheOutcome, type CropMode, type DatasetOptions, type FaceMargin, type DatasetReport, type IngestSkipReason, type LoadProgress, type SkippedGroup } from '../protocol/dataset.ts';
import { hashPixels } from './pixel-hash.ts';
import { createFaceCropStore, type FaceCropStore } from './faces/face-crops.ts';
import { describeError } from '../protocol/describe-error.ts';

/** Why a whole load failed. 'cancelled' is the user's own abort, not a failure to show. */
export type IngestErrorCode =
  | 'not-a-zip'
  | 'truncated'
  | 'corrupt'
  | 'unsupported'
  | 'unreadable'
  | 'empty'
  | 'no-images'
  | 'out-of-memory'
  | 'decoder-failed'
  | 'invalid-options'
  | 'cancelled';

/**
 * A load that produced no set. `message` is written for the user. A cancelled load is named
 * 'AbortError', as fetch and streams name theirs, so generic abort handling recognises it.
 */
export class IngestError extends Error {
  override readonly name: 'IngestError' | 'AbortError';
  readonly code: IngestErrorCode;

  constructor(code: IngestErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = code === 'cancelled' ? 'AbortError' : 'IngestError';
  }
}

/** Decodes one image file; the contract of decodeToPixels (never throws for bad input). */
export type DecodeFunction = (bytes: Uint8Array, options: DecodeOptions) => Promise<DecodeResult>;

/** What ingestZip needs from its surroundings (all injected, so Node tests run it for real). */
export interface IngestDeps {
  /**
   * The decoder, usually a pool of workers. It may take ownership of (transfer) `bytes`.
   * A rejection means the decoder itself broke (not the image) and fails the load.
   */
  decode: DecodeFunction;
  /** null where IndexedDB is unavailable: the load works, nothing is cached. */
  cache: DatasetCache | null;
  /** Throttled to one call per `progressIntervalMs`, plus phase changes and a final event. */
  onProgress: (progress: LoadProgress) => void;
  signal: AbortSignal;
  limits?: IngestLimits;
  /** Most decodes in flight at once; default DEFAULT_DECODE_CONCURRENCY. */
  concurrency?: number;
  /** Milliseconds, monotonic; default performance.now (tests pass a fake clock). */
  now?: () => number;
  /** Least time between two throttled progress events; default 100 ms (10 per second). */
  progressIntervalMs?: number;
}

/** The set and its report. */
export interface IngestResult {
  set: ImageSet;
  report: DatasetReport;
  /** hashPixels of a freshly decoded set, so the trainer need not hash it again; absent for cache hits, which the trainer re-hashes to verify. */
  pixelHash?: string;
}

/**
 * Decodes kept in flight: twice a 2-worker pool, so each worker has its next image queued
 * when it finishes one (no idle gap for a postMessage round trip), while at most 4 entries'
 * compressed bytes wait in memory.
 */
export const DEFAULT_DECODE_CONCURRENCY = 4;

/** Entry names kept per skip reason: enough to find the bad files, bounded for huge zips. */
export const MAX_SKIPPED_NAMES = 200;

/** A name longer than this is cut (zip names can be 64 KB; the report is posted to the page). */
const MAX_NAME_LENGTH = 256;

const DEFAULT_PROGRESS_INTERVAL_MS = 100;

/** Every skip reason, in the order ties are listed in the report. */
export const INGEST_SKIP_REASONS: readonly IngestSkipReason[] = [
  'no-face',
  'face-too-small',
  'not-image',
  'corrupt',
  'unsupported',
  'duplicate',
  'near-duplicate',
  'same-path',
  'too-small',
  'aspect-ratio',
  'too-large',
  'zip-bomb',
  'encrypted',
  'unsupported-compression',
  'empty',
  'hidden',
  'directory',
];

/** Labels read after a count ("3 not images"), singular and plural. */
const SKIP_LABELS: Readonly<Record<IngestSkipReason, readonly [one: string, many: string]>> = {
  directory: ['folder', 'folders'],
  hidden: ['hidden or system file', 'hidden or system files'],
  'not-image': ['not an image', 'not images'],
  empty: ['empty file', 'empty files'],
  encrypted: ['password-protected', 'password-protected'],
  'unsupported-compression': ['with an unsupported compression method', 'with an unsupported compression method'],
  'too-large': ['too large', 'too large'],
  'zip-bomb': ['zip bomb', 'zip bombs'],
  corrupt: ['corrupt', 'corrupt'],
  unsupported: ['in an unsupported format', 'in unsupported formats'],
  'too-small': ['too small', 'too small'],
  'aspect-ratio': ['too narrow or too wide', 'too narrow or too wide'],
  'same-path': ['with a repeated path', 'with repeated paths'],
  duplicate: ['exact duplicate', 'exact duplicates'],
  'near-duplicate': ['near-duplicate', 'near-duplicates'],
  'no-face': ['photo without a face', 'photos without a face'],
  'face-too-small': ['face too small', 'faces too small'],
};

/** How each format the browser cannot decode is called, and what to turn it into. */
const FOREIGN_FORMATS: Readonly<Record<ForeignImageFormat, { one: string; many: string; fix: string }>> = {
  HEIC: { one: 'HEIC photo', many: 'HEIC photos', fix: 'convert to JPEG' },
  TIFF: { one: 'TIFF image', many: 'TIFF images', fix: 'convert to JPEG or PNG' },
  SVG: { one: 'SVG image', many: 'SVG images', fix: 'convert to PNG' },
  PSD: { one: 'Photoshop (PSD) file', many: 'Photoshop (PSD) files', fix: 'export as JPEG or PNG' },
  'JPEG XL': { one: 'JPEG XL image', many: 'JPEG XL images', fix: 'convert to JPEG' },
};

/** The label of `count` skipped entries for `reason`, as describeReport prints it after the count. */
export function skipLabel(reason: IngestSkipReason, count: number, format?: ForeignImageFormat): string {
  if (reason === 'unsupported' && format) return count === 1 ? FOREIGN_FORMATS[format].one : FOREIGN_FORMATS[format].many;
  const [one, many] = SKIP_LABELS[reason];
  return count === 1 ? one : many;
}

/** What the advice sentences need to know about the load. */
interface AdviceContext {
  limits: Readonly<IngestLimits>;
  maxPixels: number;
  side: number;
  rules: SourceSizeRules;
  /** For 'faces': the smallest eye distance, in photo pixels, that makes a crop (minimumEyeDistance). */
  minEyeDistance: number;
}

/**
 * The sentence that tells the user what happened to a group and what to do about it, starting
 * with the count and label ("12 HEIC photos: this browser can't decode HEIC; convert to
 * JPEG."); undefined where the label says all there is (not images, corrupt, empty, junk).
 * @param notes per-group facts gathered while loading (compression methods met).
 */
export function skipAdvice(reason: IngestSkipReason, count: number, context: AdviceContext, notes: readonly string[] = [], format?: ForeignImageFormat): string | undefined {
  const head = `${count.toLocaleString('en-US')} ${skipLabel(reason, count, format)}`;
  const one = count === 1;
  const { limits, rules } = context;
  switch (reason) {
    case 'unsupported':
      return format ? `${head}: this browser can't decode ${format}; ${FOREIGN_FORMATS[format].fix}.` : undefined;
    case 'encrypted':
      return `${count.toLocaleString('en-US')} password-protected ${one ? 'file' : 'files'}: re-zip without a password.`;
    case 'unsupported-compression':
      return `${count.toLocaleString('en-US')} ${one ? 'file' : 'files'} compressed with ${notes.join(' or ')}: re-zip with standard (Deflate) compression.`;
    case 'zip-bomb':
      return `${head}: ${one ? 'it unpacks' : 'they unpack'} to over ${limits.maxCompressionRatio} times ${one ? 'its' : 'their'} compressed size (the limit for files above ${formatBytes(limits.ratioFloorBytes)}) or to more than ${one ? 'it declares' : 'they declare'}; not loaded.`;
    case 'too-large':
      return `${head}: over the ${formatBytes(limits.maxEntryBytes)} limit per file or the ${Math.round(context.maxPixels / 1e6)} megapixel limit per image.`;
    case 'too-small':
      return `${head}: under ${rules.minSide} px on the short side (half the ${context.side} px training size); use larger photos or a smaller image size.`;
    case 'aspect-ratio':
      return `${head}: one side over ${rules.maxAspectRatio} times the other; crop ${one ? 'it' : 'them'} nearer to square.`;
    case 'duplicate':
      return `${head}: the same pixels as an earlier image; kept once.`;
    case 'near-duplicate':
      return `${head}: a re-encoded or resized copy of an earlier image; kept once.`;
    case 'same-path':
      return `${head}: the zip holds more than one file at ${one ? 'this path' : 'these paths'}; only the first was loaded.`;
    case 'no-face':
      return `${head}: no face was found with enough confidence (faces in profile, half hidden or tiny are missed).`;
    case 'face-too-small':
      return `${head}: ${one ? 'its eyes are' : 'their eyes are'} under ${Math.ceil(context.minEyeDistance)} px apart in the photo, so ${one ? 'its crop' : 'their crops'} would be blurred; use larger photos or a smaller image size.`;
    case 'not-image':
    case 'corrupt':
    case 'empty':
    case 'hidden':
    case 'directory':
      return undefined;
  }
}

/**
 * Loads a zip of images as a training set of `options.side`² × `options.channels` bytes per
 * image, in zip order, from the cache when this exact file and shape were loaded before.
 * @throws IngestError for whole-file problems (not a zip, truncated, empty, no usable image,
 *   too big for memory, decoder broken) and with code 'cancelled' when `deps.signal` fires;
 *   nothing is cached then.
 */
export async function ingestZip(file: File, options: DatasetOptions, deps: IngestDeps): Promise<IngestResult> {
  const { signal, cache } = deps;
  const now = deps.now ?? (() => performance.now());
  const limits = deps.limits ?? DEFAULT_INGEST_LIMITS;
  const concurrency = Math.max(1, Math.floor(deps.concurrency ?? DEFAULT_DECODE_CONCURRENCY));
  const started = now();
  const progress = createProgressReporter(deps.onProgress, now, deps.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS);
  checkOptions(options);
  throwIfCancelled(signal);

  progress.report({ phase: 'reading', done: 0, total: 0, bytesRead: 0, bytesTotal: file.size });
  const archive = await openArchive(file, signal);
  if (archive.entries.length === 0) {
    throw new IngestError('empty', `${file.name} is an empty zip archive: it contains no files. Choose a .zip of images.`);
  }
  const key = datasetCacheKey({
    name: file.name,
    size: file.size,
    lastModified: file.lastModified,
    directoryHash: await wholeFile(() => centralDirectoryHash(archive), signal, file.name),
    side: options.side,
    channels: options.channels,
    crop: options.crop,
    ...(options.crop === 'faces' ? { faceMargin: faceMarginOf(options) } : {}),
    keepDuplicates: options.keepDuplicates === true,
  });
  throwIfCancelled(signal);

  const hit = await lookUp(cache, key, options);
  throwIfCancelled(signal);
  if (hit) {
    const report: DatasetReport = { ...hit.report, name: file.name, cache: { status: 'hit' }, seconds: (now() - started) / 1000 };
    progress.report({ phase: 'reading', done: hit.set.count, total: hit.set.count, bytesRead: file.size, bytesTotal: file.size }, true);
    return { set: hit.set, report };
  }

  // Classify from the directory alone: no entry data is read for skipped entries.
  const rules = sourceSizeRules(options.side);
  const skips = createSkipTally({ limits, maxPixels: MAX_IMAGE_PIXELS, side: options.side, rules, minEyeDistance: minimumEyeDistance(options.side, faceMarginOf(options)) });
  const images: ZipEntry[] = [];
  const paths = new Set<string>();
  for (const entry of archive.entries) {
    const verdict = classifyEntry(entry, limits);
    if (verdict.kind === 'skip') {
      const method = verdict.reason === 'unsupported-compression' ? describeCompressionMethod(entry.method) : undefined;
      skips.add(verdict.reason, entry.name, directoryDetail(verdict.reason, entry), method);
    } else if (paths.has(entry.name)) {
      // An unzip tool would write both to one file; which one the user meant is unknowable.
      skips.add('same-path', entry.name);
    } else {
      paths.add(entry.name);
      images.push(entry);
    }
  }
  if (images.length === 0) throw noUsableImages(file.name, skips.groups());

  const imageLength = options.side * options.side * options.channels;
  // One image per entry is stored as it decodes; face crops (0..N per photo) are kept per photo and joined at the end.
  const faceCrops: FaceCropStore | null = options.crop === 'faces' ? createFaceCropStore(images.length, imageLength) : null;
  let store = faceCrops ? new Uint8Array(0) : allocateStore(images.length, imageLength, options, file.name);
  // 1 where slot i (the i-th image entry, or with faces the i-th crop) decoded; slots fill out of order.
  let decodedSlots = new Uint8Array(images.length);
  // readEntries yields in file order, which a zip need not share with its directory: results
  // go back to the slot of their directory position so the set keeps zip order.
  const slotOf = new Map<ZipEntry, number>(images.map((entry, slot) => [entry, slot]));
  const decodeOptions: DecodeOptions = {
    side: options.side,
    channels: options.channels,
    crop: options.crop,
    ...(options.crop === 'faces' ? { faceMargin: faceMarginOf(options) } : {}),
    maxPixels: MAX_IMAGE_PIXELS,
    sourceRules: rules,
  };
  const bytesTotal = images.reduce((sum, entry) => sum + entry.compressedSize, 0);
  let bytesRead = 0;
  let done = 0;
  let decoded = 0;
  let decoderFailure: unknown = null;
  const tick = (force = false): void => progress.report({ phase: 'decoding', done, total: images.length, bytesRead, bytesTotal }, force);

  const settle = (slot: number, entry: ZipEntry, result: DecodeResult): void => {
    if (signal.aborted) return; // the load is over; the store is garbage
    if (!result.ok) {
      // 'unsupported' cannot come back for bytes identifyContent called an image; if a decoder
      // disagrees anyway, the content is not an image it knows.
      if (result.reason === 'unsupported') skips.add('not-image', entry.name);
      else skips.add(result.reason, entry.name, result.reason === 'corrupt' ? undefined : result.message);
    } else if (faceCrops) {
      const faces = result.faces ?? { count: 0, tooSmall: 0 };
      if (result.pixels.length !== faces.count * imageLength) {
        decoderFailure ??= new Error(`the decoder returned ${result.pixels.length} bytes for ${faces.count} faces in ${entry.name}`);
      } else {
        if (faces.count === 0 && faces.tooSmall === 0) skips.add('no-face', entry.name);
        // One name per face, so the list's "… and N more" counts faces as the headline does.
        for (let face = 1; face <= faces.tooSmall; face++) skips.add('face-too-small', entry.name, faces.tooSmall > 1 ? `face ${face} of ${faces.tooSmall}` : undefined);
        faceCrops.add(slot, result.pixels);
        decoded += faces.count;
      }
    } else if (result.pixels.length !== imageLength) {
      decoderFailure ??= new Error(`the decoder returned ${result.pixels.length} bytes for ${entry.name}, expected ${imageLength}`);
    } else {
      store.set(result.pixels, slot * imageLength);
      decodedSlots[slot] = 1;
      decoded++;
    }
    done++;
    tick();
  };

  const cancelled = whenCancelled(signal);
  try {
    tick(true);
    const inFlight = new Set<Promise<void>>();
    for await (const item of readEntries(archive, images, { maxBytes: limits.maxEntryBytes, signal })) {
      while (inFlight.size >= concurrency) await Promise.race([...inFlight, cancelled.promise]);
      throwIfCancelled(signal);
      if (decoderFailure !== null) break;
      const { entry } = item;
      const slot = slotOf.get(entry);
      if (slot === undefined) throw new Error(`readEntries yielded ${entry.name}, which it was not asked for`);
      const read = imageEntryBytes(item, signal, skips, file.name);
      bytesRead += entry.compressedSize;
      const bytes = read && worthDecoding(read, entry, rules, skips) ? read : null;
      if (bytes === null) {
        done++;
        tick();
        continue;
      }
      const task: Promise<void> = deps
        .decode(bytes, decodeOptions)
        .then(
          (result) => settle(slot, entry, result),
          (error: unknown) => {
            decoderFailure ??= error;
          },
        )
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.race([Promise.all(inFlight), cancelled.promise]);
  } finally {
    cancelled.dispose();
  }
  throwIfCancelled(signal);
  if (decoderFailure !== null) {
    throw new IngestError('decoder-failed', `The image decoder stopped working while loading ${file.name} (${describeError(decoderFailure)}). Reload the page and try again.`, {
      cause: decoderFailure,
    });
  }
  tick(true);
  // The entry each slot came from: itself, or with faces the photo of each crop.
  let entryOf = (slot: number): ZipEntry | undefined => images[slot];
  if (faceCrops) {
    const joined = faceCrops.join((count) => allocateStore(count, imageLength, options, file.name));
    store = joined.store;
    decodedSlots = new Uint8Array(joined.photoOf.length).fill(1);
    entryOf = (slot) => images[joined.photoOf[slot] ?? -1];
  }
  if (!options.keepDuplicates) decoded -= dropDuplicates(store, decodedSlots, (slot) => entryOf(slot)?.name ?? '', options, skips);
  if (decoded === 0) throw noUsableImages(file.name, skips.groups());
  // Photos that gave a face kept after the duplicates went, for "Found N faces in M photos".
  const facePhotos = new Set<ZipEntry | undefined>();
  if (faceCrops) decodedSlots.forEach((kept, slot) => kept === 1 && facePhotos.add(entryOf(slot)));

  const set = createImageSet(shrink(compact(store, decodedSlots, imageLength), decoded * imageLength), options.side, options.channels);
  const report: DatasetReport = {
    source: 'zip',
    name: file.name,
    count: set.count,
    side: options.side,
    channels: options.channels,
    crop: options.crop,
    ...(faceCrops ? { faces: { margin: faceMarginOf(options), photos: facePhotos.size } } : {}),
    skipped: skips.groups(),
    cache: { status: 'stored' },
    seconds: 0,
  };

  progress.report({ phase: 'caching', done: 0, total: 1, bytesRead, bytesTotal }, true);
  const pixelHash = hashPixels(set.pixels);
  report.cache = await writeToCache(cache, key, set, report, pixelHash);
  if (signal.aborted) {
    // The user cancelled while the set was being written: honour it, and leave no trace.
    if (report.cache.status === 'stored') await cache?.delete(key).catch(() => undefined);
    throwIfCancelled(signal);
  }
  progress.report({ phase: 'caching', done: 1, total: 1, bytesRead, bytesTotal }, true);
  report.seconds = (now() - started) / 1000;
  return { set, report, pixelHash };
}

/**
 * Wraps pixels rendered in the page (the built-in cartoon faces) as a set with its report.
 * Not cached: the set is cheap to render again, and would only crowd out users' zips.
 * @throws IngestError 'invalid-options' when the bytes are not whole images of that shape.
 */
export function ingestPixels(pixels: Uint8Array, options: DatasetOptions, name: string): IngestResult {
  checkOptions(options);
  const imageLength = options.side * options.side * options.channels;
  if (pixels.length === 0 || pixels.length % imageLength !== 0) {
    throw new IngestError('invalid-options', `${name}: ${pixels.length} bytes are not whole ${options.side}×${options.side}×${options.channels} images.`);
  }
  const set = createImageSet(pixels, options.side, options.channels);
  return {
    set,
    report: {
      source: 'cartoon',
      name,
      count: set.count,
      side: options.side,
      channels: options.channels,
      crop: options.crop,
      skipped: [],
      cache: { status: 'skipped', message: 'built-in set (regenerated on demand)' },
      seconds: 0,
    },
  };
}

/** Grid geometry of sampleGrid apart from the tile side, which is the set's. */
export type SampleGridLayout = Omit<GridLayout, 'resolution'>;

/** Heaton's preview layout: 4 rows × 7 columns, 16 px white margins. */
export const HEATON_SAMPLE_LAYOUT: Readonly<SampleGridLayout> = Object.freeze({ gridRows: 4, gridCols: 7, gridMargin: 16 });

/**
 * A grid of `count` distinct images drawn at random from the set (seeded), in the same layout
 * as the generator's preview, so the user sees what the GAN is asked to imitate. With fewer
 * images than tiles, every image is shown once and the remaining tiles stay white.
 * @returns RGBA bytes (see composeGrid).
 */
export function sampleGrid(set: ImageSet, count = 28, seed = 0, layout: SampleGridLayout = HEATON_SAMPLE_LAYOUT): GridImage {
  const shown = Math.max(0, Math.min(Math.floor(count), layout.gridRows * layout.gridCols, set.count));
  const random = createRandom(seed);
  // Rejection sampling: `shown` ≤ 256 draws from up to millions, so collisions are rare; when
  // the set is small the loop still ends (every index is eventually drawn).
  const chosen = new Set<number>();
  while (chosen.size < shown) chosen.add(randomInt(random, set.count));
  const imageLength = set.side * set.side * set.channels;
  const tiles = new Uint8Array(shown * imageLength);
  [...chosen].forEach((index, tile) => tiles.set(set.pixels.subarray(index * imageLength, (index + 1) * imageLength), tile * imageLength));
  return composeGrid(tiles, shown, set.channels, { ...layout, resolution: set.side });
}

// ---------------------------------------------------------------------------------------------
// Whole-file steps

/** The margin of a 'faces' load (the default when the options leave it out). */
function faceMarginOf(options: DatasetOptions): FaceMargin {
  return options.faceMargin ?? DEFAULT_FACE_MARGIN;
}

function checkOptions(options: DatasetOptions): void {
  if (!Number.isInteger(options.side) || options.side < 1 || options.side > 4096) {
    throw new IngestError('invalid-options', `Image size must be a whole number of pixels from 1 to 4096, got ${String(options.side)}.`);
  }
}

/** openZip with its whole-file errors turned into the user's words. */
async function openArchive(file: File, signal: AbortSignal): Promise<ZipArchive> {
  try {
    return await openZip(file);
  } catch (error) {
    throwIfCancelled(signal);
    if (!(error instanceof ZipError)) throw error;
    switch (error.code) {
      case 'not-a-zip':
        throw new IngestError('not-a-zip', `${file.name} is not a zip archive. Choose a .zip of images.`, { cause: error });
      case 'truncated':
        throw new IngestError(
          'truncated',
          `${file.name} is incomplete: the end of the zip is missing (an interrupted download or copy?). Download or create it again.`,
          { cause: error },
        );
      case 'corrupt':
      case 'unsupported':
      case 'unreadable':
        throw new IngestError(error.code, namingTheFile(error.message, file.name), { cause: error });
      // Entry-level codes: opening reads no entry data, so these would mean a damaged directory.
      case 'encrypted':
      case 'too-large':
      case 'zip-bomb':
      case 'aborted':
        throw new IngestError('corrupt', namingTheFile(error.message, file.name), { cause: error });
    }
  }
}

/** A whole-file read after opening (the directory hash): only 'unreadable' can really happen. */
async function wholeFile<T>(read: () => Promise<T>, signal: AbortSignal, fileName: string): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throwIfCancelled(signal);
    if (error instanceof ZipError) {
      throw new IngestError(error.code === 'unreadable' ? 'unreadable' : 'corrupt', namingTheFile(error.message, fileName), { cause: error });
    }
    throw error;
  }
}

/**
 * The zip reader's whole-file messages say "This zip archive…" or "The file…"; the user may
 * have several zips, so the message names the one chosen instead.
 */
export function namingTheFile(message: string, fileName: string): string {
  const named = message.replace(/^(This zip archive|This zip|This file|The file)\b/, fileName);
  return named === message ? `${fileName}: ${message}` : named;
}

/**
 * One read entry's bytes, or null when it is skipped (the reason is tallied). Only a file that
 * can no longer be read at all, or a cancel, ends the whole load.
 */
function imageEntryBytes(item: ReadEntriesItem, signal: AbortSignal, skips: SkipTally, fileName: string): Uint8Array | null {
  const { entry, error } = item;
  if (error === null) return item.bytes;
  throwIfCancelled(signal);
  switch (error.code) {
    case 'aborted':
      throw cancelledError(error);
    case 'unreadable':
      throw new IngestError('unreadable', namingTheFile(error.message, fileName), { cause: error });
    case 'encrypted':
      skips.add('encrypted', entry.name);
      return null;
    case 'unsupported':
      skips.add('unsupported-compression', entry.name, undefined, describeCompressionMethod(entry.method));
      return null;
    case 'zip-bomb':
      // Only inflating finds this one: more data than the directory declared.
      skips.add('zip-bomb', entry.name, `more than its declared ${formatBytes(entry.uncompressedSize)}`);
      return null;
    case 'too-large':
      skips.add('too-large', entry.name, formatBytes(entry.uncompressedSize));
      return null;
    case 'corrupt':
      skips.add('corrupt', entry.name);
      return null;
    case 'truncated':
    case 'not-a-zip':
      // One entry's data runs past the end while the directory is intact: a damaged entry.
      skips.add('corrupt', entry.name);
      return null;
  }
}

/** The detail shown after a skipped entry's name, for reasons where the size is the point. */
function directoryDetail(reason: IngestSkipReason, entry: ZipEntry): string | undefined {
  if (reason === 'zip-bomb') return `${formatBytes(entry.uncompressedSize)} from ${formatBytes(entry.compressedSize)}`;
  if (reason === 'too-large') return formatBytes(entry.uncompressedSize);
  return undefined;
}

/**
 * Whether read bytes go to the decoder: judged by content (an image format, a format the
 * browser cannot decode, or no image at all) and, from the header, by the source-size rules,
 * so those skips cost no decode. Tallies the reason when not.
 */
function worthDecoding(bytes: Uint8Array, entry: ZipEntry, rules: SourceSizeRules, skips: SkipTally): boolean {
  const content = identifyContent(bytes);
  if (content.kind === 'not-image') {
    skips.add('not-image', entry.name);
    return false;
  }
  if (content.kind === 'foreign-image') {
    skips.add('unsupported', entry.name, undefined, undefined, content.format);
    return false;
  }
  const header = readImageDimensions(bytes);
  const problem = header && sourceSizeProblem(header.width, header.height, rules);
  if (!header || !problem) return true;
  skips.add(problem, entry.name, `${header.width}×${header.height}`);
  return false;
}

/**
 * Marks every decoded slot that repeats an earlier one (in zip order, so the first copy is
 * the one kept) as not decoded, and tallies it with the name of the image it repeats.
 * @returns how many were dropped.
 */
function dropDuplicates(store: Uint8Array, decodedSlots: Uint8Array, nameOf: (slot: number) => string, options: DatasetOptions, skips: SkipTally): number {
  const imageLength = options.side * options.side * options.channels;
  const finder = createDuplicateFinder(options.side, options.channels);
  let dropped = 0;
  for (let slot = 0; slot < decodedSlots.length; slot++) {
    if (decodedSlots[slot] !== 1) continue;
    const verdict = finder.check(store.subarray(slot * imageLength, (slot + 1) * imageLength), slot);
    if (verdict.kind === 'new') continue;
    decodedSlots[slot] = 0;
    dropped++;
    skips.add(verdict.kind, nameOf(slot), `same as ${nameOf(verdict.of)}`);
  }
  return dropped;
}

/** The S×S×C store for every image entry, or a clear message when memory refuses it. */
function allocateStore(images: number, imageLength: number, options: DatasetOptions, fileName: string): Uint8Array {
  const bytes = images * imageLength;
  try {
    return new Uint8Array(bytes);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new IngestError(
      'out-of-memory',
      `${fileName}: ${images.toLocaleString('en-US')} images at ${options.side}×${options.side} need ${formatBytes(bytes)}, more memory than the browser allows this tab. Choose a smaller image size or a zip with fewer images.`,
      { cause: error },
    );
  }
}

/** Moves decoded slots down over failed ones, in place, keeping zip order. @returns `store`. */
function compact(store: Uint8Array, decodedSlots: Uint8Array, imageLength: number): Uint8Array {
  let write = 0;
  for (let slot = 0; slot < decodedSlots.length; slot++) {
    if (decodedSlots[slot] !== 1) continue;
    if (slot !== write) store.copyWithin(write * imageLength, slot * imageLength, (slot + 1) * imageLength);
    write++;
  }
  return store;
}

/** ES2024's resizing transfer, where the engine has it (Chrome 114+, Firefox 122+, Safari 17.4+). */
interface TransferableBuffer {
  transfer?: (newByteLength: number) => ArrayBuffer;
}

/**
 * The first `length` bytes as their own array, with the least peak memory available: a
 * realloc by transfer(); else a view when at most 1/8 is wasted (copying a 500 MB set to save
 * 60 MB would briefly need 1 GB); else a copy.
 */
function shrink(store: Uint8Array, length: number): Uint8Array {
  if (length === store.length) return store;
  const buffer = store.buffer as ArrayBuffer & TransferableBuffer;
  if (store.byteOffset === 0 && typeof buffer.transfer === 'function') return new Uint8Array(buffer.transfer(length));
  if (store.length - length <= store.length / 8) return store.subarray(0, length);
  return store.slice(0, length);
}

// ---------------------------------------------------------------------------------------------
// Cache

/** A cached set that matches the requested shape, with its stored report; null on any miss. */
async function lookUp(cache: DatasetCache | null, key: string, options: DatasetOptions): Promise<{ set: ImageSet; report: DatasetReport } | null> {
  if (!cache) return null;
  let entry: CachedDataset | null;
  try {
    entry = await cache.get(key);
  } catch {
    return null; // get() promises null on trouble; a broken cache must never break a load
  }
  if (!entry || entry.side !== options.side || entry.channels !== options.channels || entry.crop !== options.crop) return null;
  return setFromCache(entry);
}

/**
 * A cached entry as a set and its report (marked a cache hit); null when the entry is empty or
 * its pixels do not make a set of its shape. Also used to resume a stored run without its zip.
 */
export function setFromCache(entry: CachedDataset): { set: ImageSet; report: DatasetReport } | null {
  if (entry.count === 0 || (entry.channels !== 1 && entry.channels !== 3)) return null;
  let set: ImageSet;
  try {
    set = createImageSet(entry.pixels, entry.side, entry.channels);
  } catch {
    return null;
  }
  if (set.count !== entry.count) return null;
  const stored = reportFromJson(entry.report);
  const report: DatasetReport = stored ?? {
    source: 'zip',
    name: entry.sourceName,
    count: set.count,
    side: entry.side,
    channels: entry.channels,
    crop: entry.crop,
    skipped: [],
    cache: { status: 'hit' },
    seconds: 0,
  };
  return { set, report: { ...report, count: set.count } };
}

/** Writes the set and says what happened, in words for the report. */
async function writeToCache(cache: DatasetCache | null, key: string, set: ImageSet, report: DatasetReport, pixelHash: string): Promise<CacheOutcome> {
  if (!cache) return notCached('this browser has no IndexedDB (or it is turned off)');
  let result: PutResult;
  try {
    result = await cache.put({
      key,
      createdAt: Date.now(),
      count: set.count,
      side: set.side,
      channels: set.channels,
      crop: report.crop,
      sourceName: report.name,
      report: reportToJson({ ...report, cache: { status: 'stored' } }),
      datasetIdentity: datasetIdentity(report, { pixelHash }),
      pixels: set.pixels,
    });
  } catch (error) {
    // put() promises not to throw; if it does anyway, the set is still good for training.
    return notCached(`the cache failed (${describeError(error)})`);
  }
  if (result.ok) return { status: 'stored' };
  switch (result.reason) {
    case 'quota':
      return notCached('the browser refused storage (quota)');
    case 'unavailable':
      return notCached('browser storage is unavailable');
    case 'error':
      return notCached(`the cache failed (${result.message})`);
  }
}

function notCached(why: string): CacheOutcome {
  return { status: 'skipped', message: `Not cached: ${why}. Training works; loading this zip again will decode it again.` };
}

/** The report as plain JSON for the cache record (an interface is not a JsonValue to TS). */
export function reportToJson(report: DatasetReport): JsonValue {
  const cache: JsonValue = report.cache.status === 'skipped' ? { status: 'skipped', message: report.cache.message } : { status: report.cache.status };
  return {
    source: report.source,
    name: report.name,
    count: report.count,
    side: report.side,
    channels: report.channels,
    crop: report.crop,
    ...(report.faces ? { faces: { margin: report.faces.margin, photos: report.faces.photos } } : {}),
    skipped: report.skipped.map((group) => ({
      reason: group.reason,
      label: group.label,
      count: group.count,
      names: [...group.names],
      ...(group.format ? { format: group.format } : {}),
      ...(group.advice ? { advice: group.advice } : {}),
    })),
    cache,
    seconds: report.seconds,
  };
}

/** A report read back from the cache, or null when it is not one this version wrote. */
export function reportFromJson(value: JsonValue): DatasetReport | null {
  if (!isRecord(value)) return null;
  const { source, name, count, side, channels, crop, skipped, seconds, faces } = value;
  if ((source !== 'zip' && source !== 'cartoon') || typeof name !== 'string' || typeof count !== 'number' || typeof side !== 'number') return null;
  if ((channels !== 1 && channels !== 3) || !isCropMode(crop) || typeof seconds !== 'number' || !Array.isArray(skipped)) return null;
  const groups: SkippedGroup[] = [];
  for (const group of skipped) {
    if (!isRecord(group)) return null;
    const { reason, label, count: groupCount, names, format, advice } = group;
    if (!isSkipReason(reason) || typeof label !== 'string' || typeof groupCount !== 'number' || !Array.isArray(names)) return null;
    groups.push({
      reason,
      label,
      count: groupCount,
      names: names.filter((n): n is string => typeof n === 'string'),
      ...(typeof format === 'string' ? { format } : {}),
      ...(typeof advice === 'string' ? { advice } : {}),
    });
  }
  const faceSummary = isRecord(faces) && isFaceMargin(faces['margin']) && typeof faces['photos'] === 'number' ? { faces: { margin: faces['margin'], photos: faces['photos'] } } : {};
  return { source, name, count, side, channels, crop, ...faceSummary, skipped: groups, cache: { status: 'hit' }, seconds };
}

function isRecord(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCropMode(value: JsonValue | undefined): value is CropMode {
  return value === 'centre' || value === 'squash' || value === 'faces';
}

function isFaceMargin(value: JsonValue | undefined): value is FaceMargin {
  return typeof value === 'string' && (FACE_MARGINS as readonly string[]).includes(value);
}

function isSkipReason(value: JsonValue | undefined): value is IngestSkipReason {
  return typeof value === 'string' && (INGEST_SKIP_REASONS as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// Skips, progress, cancellation

interface SkipTally {
  /**
   * @param detail shown after the name ("bomb.png (1,024 MB from 10 KB)").
   * @param note a fact the group's advice lists once (the compression methods met).
   * @param format for 'unsupported': which format, one group each.
   */
  add(reason: IngestSkipReason, name: string, detail?: string, note?: string, format?: ForeignImageFormat): void;
  /** Largest group first; ties in INGEST_SKIP_REASONS order. */
  groups(): SkippedGroup[];
}

interface TallyGroup {
  reason: IngestSkipReason;
  format: ForeignImageFormat | undefined;
  count: number;
  names: string[];
  notes: string[];
}

function createSkipTally(context: AdviceContext): SkipTally {
  const tally = new Map<string, TallyGroup>();
  return {
    add(reason, name, detail, note, format) {
      const key = format ? `${reason}:${format}` : reason;
      let group = tally.get(key);
      if (!group) {
        group = { reason, format, count: 0, names: [], notes: [] };
        tally.set(key, group);
      }
      group.count++;
      if (note !== undefined && !group.notes.includes(note)) group.notes.push(note);
      if (group.names.length < MAX_SKIPPED_NAMES) {
        const shown = name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH - 1)}…` : name;
        group.names.push(detail === undefined ? shown : `${shown} (${detail})`);
      }
    },
    groups() {
      const order = (reason: IngestSkipReason): number => INGEST_SKIP_REASONS.indexOf(reason);
      return [...tally.values()]
        .map(({ reason, format, count, names, notes }) => {
          const advice = skipAdvice(reason, count, context, notes, format);
          return { reason, label: skipLabel(reason, count, format), count, names: [...names], ...(format ? { format } : {}), ...(advice ? { advice } : {}) };
        })
        .sort((a, b) => b.count - a.count || order(a.reason) - order(b.reason));
    },
  };
}

/**
 * "No usable images in faces.zip: 3 password-protected. 3 password-protected: re-zip without
 * a password." The advice fits what was found; the list of formats only when nothing else does.
 */
function noUsableImages(fileName: string, groups: readonly SkippedGroup[]): IngestError {
  const junk = (g: SkippedGroup): boolean => g.reason === 'directory' || g.reason === 'hidden';
  const shown = groups.some((g) => !junk(g)) ? groups.filter((g) => !junk(g)) : groups;
  const list = shown.map((g) => `${g.count.toLocaleString('en-US')} ${g.label}`).join(', ');
  const advice = shown.flatMap((g) => (g.advice ? [g.advice] : []));
  const next = advice.length > 0 ? advice.join(' ') : 'Choose a zip of JPEG, PNG, WebP, GIF, BMP or AVIF photos.';
  return new IngestError('no-images', `No usable images in ${fileName}: ${list}. ${next}`);
}

type ProgressState = Omit<LoadProgress, 'imagesPerSecond' | 'etaSeconds'>;

/**
 * Throttles progress to one event per `intervalMs`; phase changes and forced events (the
 * final one of a phase) always go out. The rate is measured from the start of decoding.
 */
function createProgressReporter(onProgress: (progress: LoadProgress) => void, now: () => number, intervalMs: number) {
  let lastEmit = Number.NEGATIVE_INFINITY;
  let lastPhase: LoadProgress['phase'] | null = null;
  let decodeStart = 0;
  let imagesPerSecond = 0;
  return {
    report(state: ProgressState, force = false): void {
      const time = now();
      if (state.phase !== lastPhase) {
        force = true;
        lastPhase = state.phase;
        if (state.phase === 'decoding') decodeStart = time;
      }
      if (!force && time - lastEmit < intervalMs) return;
      lastEmit = time;
      let etaSeconds: number | null = null;
      if (state.phase === 'decoding') {
        const seconds = (time - decodeStart) / 1000;
        imagesPerSecond = seconds > 0 ? state.done / seconds : 0;
        if (state.done >= state.total) etaSeconds = 0;
        else if (imagesPerSecond > 0) etaSeconds = (state.total - state.done) / imagesPerSecond;
      }
      onProgress({ ...state, imagesPerSecond, etaSeconds });
    },
  };
}

function cancelledError(cause?: unknown): IngestError {
  return new IngestError('cancelled', 'Loading was cancelled.', { cause });
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw cancelledError(signal.reason);
}

/** A promise that rejects when `signal` fires, to race against waits that cannot be aborted (decodes). */
function whenCancelled(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(cancelledError(signal.reason));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // Only awaited inside races; a rejection nobody races must not surface as unhandled.
  promise.catch(() => undefined);
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}
