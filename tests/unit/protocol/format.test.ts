import { describe, expect, test } from 'vitest';
import { formatBytes } from '../../../src/protocol/format.ts';

const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;
const TB = 1024 * GB;

describe('formatBytes', () => {
  test.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [2, '2 bytes'],
    [1023, '1,023 bytes'],
    [KB, '1 KB'],
    [1536, '1.5 KB'],
    [10 * KB - 1, '10 KB'],
    [10 * KB, '10 KB'],
    [200 * KB, '200 KB'],
    [MB - 1, '1 MB'],
    [MB - 513, '1,023 KB'],
    [MB, '1 MB'],
    [2.25 * MB, '2.3 MB'],
    [50 * MB, '50 MB'],
    [256 * MB, '256 MB'],
    [GB - 1, '1 GB'],
    [GB, '1 GB'],
    [1.5 * GB, '1.5 GB'],
    [12 * GB, '12 GB'],
    [TB, '1 TB'],
    [2048 * TB, '2,048 TB'],
  ])('%d bytes → %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });
});
