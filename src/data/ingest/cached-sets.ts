/**
 * Decoded sets in the browser's cache: looking one up for a zip, storing a fresh load, and the
 * report as the JSON the cache record keeps.
 */
import type { CachedDataset, DatasetCache, JsonValue, PutResult } from '../storage/cache.ts';
import { createImageSet, type ImageSet } from '../dataset.ts';
import { FACE_MARGINS } from '../faces/align.ts';
import { datasetIdentity, type CacheOutcome, type CropMode, type DatasetOptions, type FaceMargin, type DatasetReport, type IngestSkipReason, type SkippedGroup } from '../../protocol/dataset.ts';
import { describeError } from '../../protocol/describe-error.ts';
import { INGEST_SKIP_REASONS } from './skip-report.ts';

/** A cached set that matches the requested shape, with its stored report; null on any miss. */
export async function lookUp(cache: DatasetCache | null, key: string, options: DatasetOptions): Promise<{ set: ImageSet; report: DatasetReport } | null> {
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
export async function writeToCache(cache: DatasetCache | null, key: string, set: ImageSet, report: DatasetReport, pixelHash: string): Promise<CacheOutcome> {
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
