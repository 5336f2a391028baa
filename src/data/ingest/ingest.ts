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
import { formatBytes } from '../../protocol/format.ts';
import { centralDirectoryHash, openZip, readEntries, ZipError, type ReadEntriesItem, type ZipArchive, type ZipEntry } from '../zip/zip-reader.ts';
import { classifyEntry, DEFAULT_INGEST_LIMITS, describeCompressionMethod, type IngestLimits } from './entries.ts';
import { datasetCacheKey, type DatasetCache } from '../storage/cache.ts';
import type { DecodeOptions, DecodeResult } from './decode.ts';
import { identifyContent, MAX_IMAGE_PIXELS, readImageDimensions, sourceSizeProblem, sourceSizeRules, type SourceSizeRules } from './image-header.ts';
import { createDuplicateFinder } from './duplicates.ts';
import { createImageSet, type ImageSet } from '../dataset.ts';
import { DEFAULT_FACE_MARGIN, minimumEyeDistance } from '../faces/align.ts';
import type { DatasetOptions, FaceMargin, DatasetReport, IngestSkipReason, LoadProgress, SkippedGroup } from '../../protocol/dataset.ts';
import { hashPixels } from './pixel-hash.ts';
import { createFaceCropStore, type FaceCropStore } from '../faces/face-crops.ts';
import { describeError } from '../../protocol/describe-error.ts';
import { IngestError } from './ingest-error.ts';
import { createSkipTally, type SkipTally } from './skip-report.ts';
import { allocateStore, compact, shrink } from './image-store.ts';
import { lookUp, writeToCache } from './cached-sets.ts';
import { createProgressReporter } from './load-progress.ts';

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

const DEFAULT_PROGRESS_INTERVAL_MS = 100;

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
