import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createImageSet } from '../../../../src/data/dataset.ts';
import { encodeNpy, heatonNpyByteLength, heatonNpyChunks } from '../../../../src/data/exports/npy.ts';

/** The header dict text (without padding) and its declared length. */
function readHeader(file: Uint8Array): { text: string; length: number } {
  const length = (file[8] ?? 0) | ((file[9] ?? 0) << 8);
  return { text: new TextDecoder('latin1').decode(file.subarray(10, 10 + length)), length };
}

/** A Python with numpy, if this machine has one; tried in order. */
function findNumpyPython(): string | undefined {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(candidate, ['-c', 'import numpy'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

describe('encodeNpy', () => {
  test('writes the exact v1.0 preamble and header, padded to 64 bytes', () => {
    const file = encodeNpy(new Uint8Array([1, 2, 3, 4, 5]), [5]);
    expect(Array.from(file.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const { text, length } = readHeader(file);
    const dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }";
    expect(length).toBe(118); // 10 + 118 = 128: the dict is 57 chars, too long for one 64-byte block
    expect(text).toBe(dict + ' '.repeat(length - dict.length - 1) + '\n');
    expect((10 + length) % 64).toBe(0);
    expect(Array.from(file.subarray(10 + length))).toEqual([1, 2, 3, 4, 5]);
  });

  test('formats shape tuples as Python does', () => {
    const cases: [number[], string][] = [
      [[5], '(5,)'],
      [[2, 3], '(2, 3)'],
      [[1, 2, 2, 1], '(1, 2, 2, 1)'],
      [[], '()'],
    ];
    for (const [shape, tuple] of cases) {
      const size = shape.reduce((p, n) => p * n, 1);
      const file = encodeNpy(new Float32Array(size), shape);
      const { text, length } = readHeader(file);
      expect(text.startsWith(`{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`)).toBe(true);
      expect((10 + length) % 64).toBe(0);
      expect(file.length).toBe(10 + length + size * 4);
    }
  });

  test('writes float32 little-endian', () => {
    const file = encodeNpy(new Float32Array([1, -0.5]), [2]);
    const payload = file.subarray(file.length - 8);
    expect(Array.from(payload)).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xbf]);
  });

  test('rejects a shape that does not match the data', () => {
    expect(() => encodeNpy(new Uint8Array(6), [2, 2])).toThrow(/shape/);
  });
});

/** The chunks joined, as a reader of the whole file sees them. */
function imageSetToHeatonNpy(set: ReturnType<typeof createImageSet>): Uint8Array<ArrayBuffer> {
  const chunks = [...heatonNpyChunks(set)];
  const file = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    file.set(chunk, offset);
    offset += chunk.length;
  }
  return file;
}

describe('heatonNpyChunks', () => {
  // Two 2×2 RGB images with bytes 0, 1, …, 23 and a 255 at the end.
  const pixels = new Uint8Array(24).map((_, i) => (i === 23 ? 255 : i));
  const set = createImageSet(pixels, 2, 3);

  test('a set over one chunk comes in several chunks that join into the same file', () => {
    // 1.5 million values: one full 2^20-value chunk and a partial one after the header.
    const big = createImageSet(new Uint8Array(1_500_000).map((_, i) => i % 256), 500, 3);
    const chunks = [...heatonNpyChunks(big)];
    expect(chunks.length).toBe(3); // header, 2^20 values, the rest
    const file = imageSetToHeatonNpy(big);
    expect(file.length).toBe(heatonNpyByteLength(big));
    const values = new Float32Array(file.buffer, file.length - big.pixels.length * 4);
    expect(values[1_048_576]).toBeCloseTo((1_048_576 % 256) / 127.5 - 1, 6);
    expect(values[1_499_999]).toBeCloseTo((1_499_999 % 256) / 127.5 - 1, 6);
  });

  test('writes (N, S, S, C) float32 in [-1, 1] as x / 127.5 − 1', () => {
    const file = imageSetToHeatonNpy(set);
    expect(file.length).toBe(heatonNpyByteLength(set));
    const { text, length } = readHeader(file);
    expect(text).toContain("'descr': '<f4'");
    expect(text).toContain("'shape': (2, 2, 2, 3), }");
    const values = new Float32Array(file.slice(10 + length).buffer);
    expect(values.length).toBe(24);
    expect(values[0]).toBe(-1);
    expect(values[1]).toBeCloseTo(1 / 127.5 - 1, 7);
    expect(values[23]).toBe(1);
  });

  const python = findNumpyPython();
  if (python === undefined) console.warn('npy.test: numpy not found (python3, /usr/bin/python3); skipping the np.load check');
  test.skipIf(python === undefined)('numpy loads it with the right shape, dtype and values', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ganvas-npy-'));
    try {
      const file = path.join(dir, 'training_data_2_2.npy');
      writeFileSync(file, imageSetToHeatonNpy(set));
      const script = [
        'import io, sys, json, numpy as np',
        'a = np.load(sys.argv[1])',
        'b = io.BytesIO(); np.save(b, a)',
        'same = b.getvalue() == open(sys.argv[1], "rb").read()',
        'print(json.dumps({"shape": list(a.shape), "dtype": str(a.dtype), "values": a.ravel().tolist(), "same": same}))',
      ].join('\n');
      const output = execFileSync(python ?? 'python3', ['-c', script, file], { encoding: 'utf8' });
      const loaded = JSON.parse(output) as { shape: number[]; dtype: string; values: number[]; same: boolean };
      expect(loaded.shape).toEqual([2, 2, 2, 3]);
      expect(loaded.dtype).toBe('float32');
      loaded.values.forEach((v, i) => expect(v).toBeCloseTo((pixels[i] ?? 0) / 127.5 - 1, 6));
      expect(loaded.same).toBe(true); // np.save of the loaded array writes byte-identical file
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
