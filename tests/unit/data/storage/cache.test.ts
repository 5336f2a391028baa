import { describe, expect, test } from 'vitest';
import {
  classifyStorageError,
  datasetCacheKey,
  expectedPixelBytes,
  fromStoredRecords,
  hasRoomFor,
  isCachedDatasetMeta,
  openDatasetCache,
  toStoredRecords,
  type CachedDataset,
  type DatasetIdentity,
} from '../../../../src/data/storage/cache.ts';

const identity: DatasetIdentity = {
  name: 'faces.zip',
  size: 3_221_225_472,
  lastModified: 1_700_000_000_000,
  directoryHash: 'ab'.repeat(32),
  side: 64,
  channels: 3,
  crop: 'centre',
  keepDuplicates: false,
};

function dataset(overrides: Partial<CachedDataset> = {}): CachedDataset {
  return {
    key: datasetCacheKey(identity),
    createdAt: 1_700_000_000_123,
    count: 2,
    side: 4,
    channels: 3,
    crop: 'centre',
    sourceName: 'faces.zip',
    report: { images: 2, skipped: { 'not-image': 1 } },
    pixels: new Uint8Array(2 * 4 * 4 * 3).map((_, i) => i),
    ...overrides,
  };
}

describe('datasetCacheKey', () => {
  test('is stable: same identity, same key, whatever the property order', () => {
    const reordered: DatasetIdentity = {
      keepDuplicates: false,
      crop: 'centre',
      channels: 3,
      side: 64,
      directoryHash: 'ab'.repeat(32),
      lastModified: 1_700_000_000_000,
      size: 3_221_225_472,
      name: 'faces.zip',
    };
    expect(datasetCacheKey(reordered)).toBe(datasetCacheKey(identity));
    expect(datasetCacheKey(identity)).toMatchInlineSnapshot(
      `"ganvas-dataset:v2:["faces.zip",3221225472,1700000000000,"abababababababababababababababababababababababababababababababab",64,3,"centre",false]"`,
    );
  });

  test.each<[keyof DatasetIdentity, DatasetIdentity[keyof DatasetIdentity]]>([
    ['name', 'faces (1).zip'],
    ['size', 3_221_225_473],
    ['lastModified', 1_700_000_000_001],
    ['directoryHash', 'cd'.repeat(32)],
    ['side', 128],
    ['channels', 1],
    ['crop', 'squash'],
    ['keepDuplicates', true],
  ])('changes with %s', (field, value) => {
    expect(datasetCacheKey({ ...identity, [field]: value })).not.toBe(datasetCacheKey(identity));
  });

  test("'faces' is another set than the other crops, and each margin another still; the margin means nothing to other crops", () => {
    const faces = datasetCacheKey({ ...identity, crop: 'faces' });
    expect(faces).not.toBe(datasetCacheKey(identity));
    expect(datasetCacheKey({ ...identity, crop: 'faces', faceMargin: 'normal' })).toBe(faces); // normal is the default
    expect(datasetCacheKey({ ...identity, crop: 'faces', faceMargin: 'tight' })).not.toBe(faces);
    expect(datasetCacheKey({ ...identity, crop: 'faces', faceMargin: 'loose' })).not.toBe(datasetCacheKey({ ...identity, crop: 'faces', faceMargin: 'tight' }));
    expect(datasetCacheKey({ ...identity, faceMargin: 'tight' })).toBe(datasetCacheKey(identity));
  });

  test('cannot be forged by putting separators in the name', () => {
    const a = datasetCacheKey({ ...identity, name: 'a",1,"b' });
    const b = datasetCacheKey({ ...identity, name: 'a' });
    expect(a).not.toBe(b);
    expect(JSON.parse(a.slice(a.indexOf('[')))[0]).toBe('a",1,"b');
  });

  test('rejects non-finite numbers instead of keying them as null', () => {
    expect(() => datasetCacheKey({ ...identity, lastModified: Number.NaN })).toThrow(TypeError);
    expect(() => datasetCacheKey({ ...identity, size: Number.POSITIVE_INFINITY })).toThrow(/size/);
  });
});

function withoutReport(): unknown {
  const { report: _report, ...rest } = toStoredRecords(dataset()).meta;
  return rest;
}

describe('stored records', () => {
  test('split into metadata and a pixel Blob, and join back', async () => {
    const entry = dataset();
    const { meta, pixels } = toStoredRecords(entry);
    expect(meta).not.toHaveProperty('pixels');
    expect(isCachedDatasetMeta(meta)).toBe(true);
    expect(pixels.size).toBe(expectedPixelBytes(entry));
    const joined = fromStoredRecords(structuredClone(meta), new Uint8Array(await pixels.arrayBuffer()));
    expect(joined).toEqual(entry);
  });

  test('a view onto a larger buffer stores only its own bytes', async () => {
    const backing = new Uint8Array(1000).fill(7);
    const pixels = backing.subarray(100, 100 + 96);
    const { pixels: blob } = toStoredRecords(dataset({ pixels }));
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(pixels);
  });

  test('a shape mismatch is refused on write and a miss on read', () => {
    expect(() => toStoredRecords(dataset({ count: 3 }))).toThrow(RangeError);
    const { meta } = toStoredRecords(dataset());
    expect(fromStoredRecords(meta, new Uint8Array(95))).toBeNull();
  });

  test.each<[string, unknown]>([
    ['null', null],
    ['a string', 'meta'],
    ['a missing report', withoutReport()],
    ['an unknown crop', { ...toStoredRecords(dataset()).meta, crop: 'fit' }],
    ['a fractional count', { ...toStoredRecords(dataset()).meta, count: 1.5 }],
    ['a numeric key', { ...toStoredRecords(dataset()).meta, key: 5 }],
  ])('rejects %s as metadata', (_label, value) => {
    expect(isCachedDatasetMeta(value)).toBe(false);
  });
});

describe('classifyStorageError', () => {
  test.each<[string, unknown, string]>([
    ['QuotaExceededError', new DOMException('full', 'QuotaExceededError'), 'quota'],
    ['a quota message', new Error('Maximum quota exceeded'), 'quota'],
    ['InvalidStateError', new DOMException('closing', 'InvalidStateError'), 'unavailable'],
    ['UnknownError', new DOMException('disk', 'UnknownError'), 'unavailable'],
    ['a DataCloneError', new DOMException('clone', 'DataCloneError'), 'error'],
    ['a string', 'weird', 'error'],
  ])('%s → %s', (_label, error, reason) => {
    const result = classifyStorageError(error);
    expect(result.reason).toBe(reason);
    expect(result.message.length).toBeGreaterThan(10);
  });
});

describe('hasRoomFor', () => {
  test('trusts a known estimate and gives unknown ones a chance', () => {
    expect(hasRoomFor({ usage: 900, quota: 1000 }, 100)).toBe(true);
    expect(hasRoomFor({ usage: 901, quota: 1000 }, 100)).toBe(false);
    expect(hasRoomFor({ quota: 1000 }, 10_000)).toBe(true);
    expect(hasRoomFor(null, 10_000)).toBe(true);
  });
});

describe('openDatasetCache', () => {
  test('resolves null where there is no IndexedDB (Node)', async () => {
    expect(await openDatasetCache(undefined)).toBeNull();
    expect(await openDatasetCache()).toBeNull();
  });
});
