import { describe, expect, test } from 'vitest';
import { createGifWriter, encodeGif, gifPalette, paletteIndex, type GifFrame } from '../../../../src/ui/media/gif-encoder.ts';

interface ParsedImage {
  width: number;
  height: number;
  minCodeSize: number;
  data: Uint8Array;
}

interface ParsedGif {
  version: string;
  width: number;
  height: number;
  globalTableSize: number;
  images: ParsedImage[];
  controlExtensions: number;
  delays: number[];
  loopCount: number | undefined;
  trailerAt: number;
}

/** Concatenates the data sub-blocks starting at `offset`; returns the data and the offset after the terminator. */
function readSubBlocks(bytes: Uint8Array, offset: number): { data: Uint8Array; end: number } {
  const parts: number[] = [];
  let at = offset;
  for (;;) {
    const size = bytes[at++] ?? 0;
    if (size === 0) break;
    parts.push(...bytes.subarray(at, at + size));
    at += size;
  }
  return { data: Uint8Array.from(parts), end: at };
}

/** Walks the GIF block by block, as a decoder does, rather than searching for bytes. */
function parseGif(bytes: Uint8Array): ParsedGif {
  const u16 = (at: number): number => (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
  const version = String.fromCharCode(...bytes.subarray(0, 6));
  const packed = bytes[10] ?? 0;
  const globalTableSize = packed & 0x80 ? 2 ** ((packed & 7) + 1) : 0;
  const result: ParsedGif = {
    version,
    width: u16(6),
    height: u16(8),
    globalTableSize,
    images: [],
    controlExtensions: 0,
    delays: [],
    loopCount: undefined,
    trailerAt: -1,
  };
  let at = 13 + globalTableSize * 3;
  while (at < bytes.length) {
    const introducer = bytes[at];
    if (introducer === 0x3b) {
      result.trailerAt = at;
      break;
    }
    if (introducer === 0x21) {
      const label = bytes[at + 1];
      const { data, end } = readSubBlocks(bytes, at + 2);
      if (label === 0xf9) {
        result.controlExtensions++;
        result.delays.push((data[1] ?? 0) | ((data[2] ?? 0) << 8));
      } else if (label === 0xff && String.fromCharCode(...data.subarray(0, 11)) === 'NETSCAPE2.0') {
        result.loopCount = (data[12] ?? 0) | ((data[13] ?? 0) << 8);
      }
      at = end;
    } else if (introducer === 0x2c) {
      const localPacked = bytes[at + 9] ?? 0;
      const localTable = localPacked & 0x80 ? 2 ** ((localPacked & 7) + 1) * 3 : 0;
      const minCodeSize = bytes[at + 10 + localTable] ?? 0;
      const { data, end } = readSubBlocks(bytes, at + 11 + localTable);
      result.images.push({ width: u16(at + 5), height: u16(at + 7), minCodeSize, data });
      at = end;
    } else {
      throw new Error(`unexpected block 0x${(introducer ?? 0).toString(16)} at ${at}`);
    }
  }
  return result;
}

/** A plain GIF LZW decoder, independent of the encoder's code, to check the round trip. */
function lzwDecode(data: Uint8Array, minCodeSize: number): number[] {
  const clearCode = 1 << minCodeSize;
  const endCode = clearCode + 1;
  let codeSize = minCodeSize + 1;
  let dictionary: number[][] = [];
  const reset = (): void => {
    dictionary = Array.from({ length: clearCode + 2 }, (_, i) => [i]);
    codeSize = minCodeSize + 1;
  };
  reset();
  const out: number[] = [];
  let previous: number[] | undefined;
  let bitPosition = 0;
  for (;;) {
    let code = 0;
    for (let b = 0; b < codeSize; b++, bitPosition++) {
      const byte = data[bitPosition >> 3];
      if (byte === undefined) return out; // ran out without an end code
      code |= ((byte >> (bitPosition & 7)) & 1) << b;
    }
    if (code === clearCode) {
      reset();
      previous = undefined;
      continue;
    }
    if (code === endCode) return out;
    let entry = dictionary[code];
    if (entry === undefined) {
      if (previous === undefined || code !== dictionary.length) throw new Error(`bad code ${code}`);
      entry = [...previous, previous[0] ?? 0];
    }
    out.push(...entry);
    if (previous !== undefined && dictionary.length < 4096) dictionary.push([...previous, entry[0] ?? 0]);
    if (dictionary.length === 1 << codeSize && codeSize < 12) codeSize++;
    previous = entry;
  }
}

function solidFrame(width: number, height: number, colourAt: (x: number, y: number) => [number, number, number]): GifFrame {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rgba.set([...colourAt(x, y), 255], (y * width + x) * 4);
  }
  return { width, height, rgba };
}

describe('encodeGif', () => {
  const checker = (x: number, y: number): [number, number, number] => ((x + y) % 2 === 0 ? [0, 0, 0] : [255, 255, 255]);
  const stripes = (x: number): [number, number, number] => (Math.floor(x / 3) % 2 === 0 ? [255, 255, 255] : [0, 0, 0]);
  const frames = [solidFrame(17, 9, checker), solidFrame(17, 9, stripes), solidFrame(17, 9, () => [255, 0, 0])];
  const gif = encodeGif(frames, { delayMs: 120, loop: true });
  const parsed = parseGif(gif);

  test('writes the header, screen size, global table, loop extension and trailer', () => {
    expect(parsed.version).toBe('GIF89a');
    expect([parsed.width, parsed.height]).toEqual([17, 9]);
    expect(parsed.globalTableSize).toBe(256);
    expect(parsed.loopCount).toBe(0); // forever
    expect(parsed.trailerAt).toBe(gif.length - 1);
    expect(gif[gif.length - 1]).toBe(0x3b);
  });

  test('writes one image and one graphic control extension per frame, delay in centiseconds', () => {
    expect(parsed.images).toHaveLength(3);
    expect(parsed.controlExtensions).toBe(3);
    expect(parsed.delays).toEqual([12, 12, 12]);
    expect(parsed.images.every((image) => image.width === 17 && image.height === 9 && image.minCodeSize === 8)).toBe(true);
  });

  test('frame pixels round-trip through LZW as palette indices', () => {
    const black = paletteIndex(0, 0, 0);
    const white = paletteIndex(255, 255, 255);
    expect(black).not.toBe(white);
    const palette = gifPalette();
    expect(Array.from(palette.subarray(white * 3, white * 3 + 3))).toEqual([255, 255, 255]);
    const expected = Array.from({ length: 17 * 9 }, (_, p) => ((p % 17) + Math.floor(p / 17)) % 2 === 0 ? black : white);
    const [first, second] = parsed.images;
    expect(lzwDecode(first?.data ?? new Uint8Array(), 8)).toEqual(expected);
    const expectedStripes = Array.from({ length: 17 * 9 }, (_, p) => (Math.floor((p % 17) / 3) % 2 === 0 ? white : black));
    expect(lzwDecode(second?.data ?? new Uint8Array(), 8)).toEqual(expectedStripes);
  });

  test('long noisy frames that fill the code table (clear codes, 12-bit codes) still round-trip', () => {
    let state = 1;
    const noise = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 16) & 0xff;
    };
    const frame = solidFrame(200, 150, () => [noise(), noise(), noise()]);
    const image = parseGif(encodeGif([frame], { delayMs: 100, loop: false })).images[0];
    const expected = Array.from({ length: 200 * 150 }, (_, p) =>
      paletteIndex(frame.rgba[p * 4] ?? 0, frame.rgba[p * 4 + 1] ?? 0, frame.rgba[p * 4 + 2] ?? 0),
    );
    expect(lzwDecode(image?.data ?? new Uint8Array(), 8)).toEqual(expected);
  });

  test('omits the loop extension when not looping, and rejects mismatched frames', () => {
    expect(parseGif(encodeGif([frames[0] as GifFrame], { delayMs: 50, loop: false })).loopCount).toBeUndefined();
    expect(() => encodeGif([], { delayMs: 50, loop: true })).toThrow(/no frames/);
    expect(() => encodeGif([frames[0] as GifFrame, solidFrame(3, 3, checker)], { delayMs: 50, loop: true })).toThrow(/17×9/);
  });
});

describe('paletteIndex', () => {
  test('maps palette colours to themselves and grays to the nearest gray', () => {
    const palette = gifPalette();
    for (const index of [0, 1, 100, 251, 252, 255]) {
      const [r, g, b] = palette.subarray(index * 3, index * 3 + 3);
      expect(paletteIndex(r ?? 0, g ?? 0, b ?? 0)).toBe(index);
    }
    expect(paletteIndex(30, 30, 30)).toBe(252); // the extra gray 32, not the cube's green-tinted neighbour
  });
});

describe('createGifWriter', () => {
  test('frame by frame gives the same bytes as encodeGif', () => {
    const frames = [0, 80, 160].map((v): GifFrame => ({ width: 5, height: 3, rgba: new Uint8ClampedArray(5 * 3 * 4).fill(v) }));
    const whole = encodeGif(frames, { delayMs: 100, loop: true });
    const writer = createGifWriter(5, 3, { delayMs: 100, loop: true });
    frames.forEach((frame) => writer.addFrame(frame));
    expect(writer.frameCount).toBe(3);
    const parts = writer.finish();
    expect(parts.length).toBe(5); // header, three frames, trailer
    expect(Uint8Array.from(parts.flatMap((part) => Array.from(part)))).toEqual(whole);
    expect(parseGif(whole).images.length).toBe(3);
  });

  test('rejects finishing empty or twice, and frames after finishing', () => {
    expect(() => createGifWriter(2, 2, { delayMs: 0, loop: false }).finish()).toThrow(/no frames/);
    const writer = createGifWriter(1, 1, { delayMs: 0, loop: false });
    writer.addFrame({ width: 1, height: 1, rgba: new Uint8ClampedArray(4) });
    writer.finish();
    expect(() => writer.finish()).toThrow(/finished/);
    expect(() => writer.addFrame({ width: 1, height: 1, rgba: new Uint8ClampedArray(4) })).toThrow(/finished/);
    expect(() => createGifWriter(0, 2, { delayMs: 0, loop: false })).toThrow(/bad size/);
  });
});
