import { describe, expect, it } from 'vitest';
import {
  MAX_PINS,
  MAX_SEED,
  exportScale,
  facePngName,
  initialSeeds,
  mergeSeeds,
  nextSeeds,
  parseFrameCount,
  parsePinnedSeeds,
  parseSeed,
  pingPongOrder,
  pingPongStep,
  serialisePinnedSeeds,
  togglePin,
  walkEnds,
  walkFileName,
} from '../../../../src/ui/generate/generate-state.ts';

describe('parseSeed', () => {
  it('accepts whole numbers from 0 to 2^32 − 1', () => {
    expect(parseSeed('42')).toEqual({ ok: true, value: 42 });
    expect(parseSeed(' 0 ')).toEqual({ ok: true, value: 0 });
    expect(parseSeed(String(MAX_SEED))).toEqual({ ok: true, value: 4294967295 });
  });
  it('explains what is wrong with anything else', () => {
    for (const text of ['', '  ', '-1', '4.5', '1e3', 'abc', '0x10', '4294967296', '99999999999999999999']) {
      const parsed = parseSeed(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.message.length).toBeGreaterThan(10);
    }
  });
});

describe('parseFrameCount', () => {
  it('accepts 8 to 120 and rejects the rest', () => {
    expect(parseFrameCount('30')).toEqual({ ok: true, value: 30 });
    expect(parseFrameCount('8')).toEqual({ ok: true, value: 8 });
    expect(parseFrameCount('120')).toEqual({ ok: true, value: 120 });
    for (const text of ['7', '121', '', '12.5', 'x']) expect(parseFrameCount(text).ok, text).toBe(false);
  });
});

describe('next seeds', () => {
  it('starts at 0 and continues after the largest shown seed', () => {
    expect(nextSeeds([])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(nextSeeds([3, 42, 7])).toEqual([43, 44, 45, 46, 47, 48, 49, 50]);
    expect(nextSeeds([5], 2)).toEqual([6, 7]);
  });
  it('stops at the largest seed', () => {
    expect(nextSeeds([MAX_SEED - 2])).toEqual([MAX_SEED - 1, MAX_SEED]);
    expect(nextSeeds([MAX_SEED])).toEqual([]);
  });
  it('merges without duplicates, keeping order', () => {
    expect(mergeSeeds([4, 1], [1, 2, 4, 3, 2])).toEqual([4, 1, 2, 3]);
  });
  it('shows the pinned faces first, then the first page', () => {
    expect(initialSeeds([42, 3])).toEqual([42, 3, 0, 1, 2, 4, 5, 6, 7]);
    expect(initialSeeds([])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('pinned seeds in localStorage', () => {
  it('round-trips', () => {
    expect(parsePinnedSeeds(serialisePinnedSeeds([42, 3, 7]))).toEqual([42, 3, 7]);
    expect(serialisePinnedSeeds([1, 1, 2])).toBe('[1,2]');
  });
  it('survives missing and corrupt values', () => {
    expect(parsePinnedSeeds(null)).toEqual([]);
    expect(parsePinnedSeeds('')).toEqual([]);
    expect(parsePinnedSeeds('{not json')).toEqual([]);
    expect(parsePinnedSeeds('{"seeds":[1]}')).toEqual([]);
    expect(parsePinnedSeeds('"42"')).toEqual([]);
    expect(parsePinnedSeeds('null')).toEqual([]);
    expect(parsePinnedSeeds('[1, "2", 3.5, -4, null, 5, 5, 4294967296, 4294967295]')).toEqual([1, 5, 4294967295]);
  });
  it('keeps at most MAX_PINS', () => {
    const many = Array.from({ length: MAX_PINS + 10 }, (_, i) => i);
    expect(parsePinnedSeeds(JSON.stringify(many))).toHaveLength(MAX_PINS);
  });
  it('toggles a pin on and off', () => {
    expect(togglePin([1, 2], 3)).toEqual([1, 2, 3]);
    expect(togglePin([1, 2, 3], 2)).toEqual([1, 3]);
  });
});

describe('walk ends', () => {
  it('needs two pins and defaults to the first two', () => {
    expect(walkEnds([], null, null)).toBeNull();
    expect(walkEnds([5], 5, null)).toBeNull();
    expect(walkEnds([5, 9, 2], null, null)).toEqual({ from: 5, to: 9 });
  });
  it('keeps choices that are still pinned and replaces the rest', () => {
    expect(walkEnds([5, 9, 2], 2, 5)).toEqual({ from: 2, to: 5 });
    expect(walkEnds([5, 9, 2], 2, 77)).toEqual({ from: 2, to: 5 });
    expect(walkEnds([5, 9, 2], 5, 77)).toEqual({ from: 5, to: 9 });
    expect(walkEnds([5, 9], 77, 5)).toEqual({ from: 9, to: 5 });
  });
});

describe('ping-pong', () => {
  it('plays A→B→A without repeating the ends', () => {
    expect(pingPongOrder(0)).toEqual([]);
    expect(pingPongOrder(1)).toEqual([0]);
    expect(pingPongOrder(2)).toEqual([0, 1]);
    expect(pingPongOrder(4)).toEqual([0, 1, 2, 3, 2, 1]);
    expect(pingPongOrder(30)).toHaveLength(58);
  });
  it('steps through the same order as pingPongOrder, cycle after cycle', () => {
    for (const frames of [2, 3, 5, 8]) {
      const order = pingPongOrder(frames);
      let state: { index: number; direction: 1 | -1 } = { index: 0, direction: 1 };
      const seen = [state.index];
      for (let i = 1; i < order.length * 2; i++) {
        state = pingPongStep(state.index, state.direction, frames);
        seen.push(state.index);
      }
      expect(seen).toEqual([...order, ...order]);
    }
  });
  it('stays put with one frame', () => {
    expect(pingPongStep(0, 1, 1)).toEqual({ index: 0, direction: 1 });
  });
});

describe('export sizes and names', () => {
  it('scales small faces up to at least 128 px', () => {
    expect(exportScale(16)).toBe(8);
    expect(exportScale(48)).toBe(3);
    expect(exportScale(128)).toBe(1);
    expect(exportScale(256)).toBe(1);
  });
  it('names files after seeds', () => {
    expect(facePngName(42, 2)).toBe('ganvas-seed-42@2x.png');
    expect(walkFileName(3, 42, 'gif')).toBe('ganvas-walk-3-42.gif');
    expect(walkFileName(3, 42, 'webm')).toBe('ganvas-walk-3-42.webm');
  });
});
