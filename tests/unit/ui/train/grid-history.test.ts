import { describe, expect, test } from 'vitest';
import { indexNearestStep, insertByStep, thinFrames } from '../../../../src/ui/train/grid-history.ts';

const frame = (step: number, size = 10) => ({ step, blob: { size } });

describe('thinFrames', () => {
  test('leaves a history under both limits alone', () => {
    const frames = [1, 2, 3].map((s) => frame(s));
    expect(thinFrames(frames, 5, 1000)).toBe(frames);
  });

  test('halves evenly past the frame cap, keeping the first and the latest', () => {
    const frames = Array.from({ length: 2001 }, (_, i) => frame((i + 1) * 100));
    const thinned = thinFrames(frames, 2000, Infinity);
    expect(thinned).toHaveLength(1001);
    expect(thinned[0]).toBe(frames[0]);
    expect(thinned.at(-1)).toBe(frames.at(-1));
    // Even spacing: every kept frame is 200 steps after the previous one.
    expect(thinned.slice(1).map((f, i) => f.step - (thinned[i]?.step ?? Number.NaN))).toEqual(new Array<number>(1000).fill(200));
  });

  test('keeps the latest frame when the count is even', () => {
    const frames = Array.from({ length: 6 }, (_, i) => frame(i));
    expect(thinFrames(frames, 5, Infinity).map((f) => f.step)).toEqual([0, 2, 4, 5]);
  });

  test('thins past the byte budget too', () => {
    const frames = Array.from({ length: 8 }, (_, i) => frame(i, 100));
    expect(thinFrames(frames, 100, 500).map((f) => f.step)).toEqual([0, 2, 4, 6, 7]);
    expect(thinFrames(frames, 100, 450).map((f) => f.step)).toEqual([0, 4, 7]);
  });
});

describe('insertByStep', () => {
  test('appends in order, sorts a late frame in, and replaces a repeated step', () => {
    const a = insertByStep([], { step: 100, id: 'a' });
    const b = insertByStep(a, { step: 300, id: 'b' });
    const c = insertByStep(b, { step: 200, id: 'c' });
    expect(c.map((f) => f.id)).toEqual(['a', 'c', 'b']);
    expect(insertByStep(c, { step: 200, id: 'd' }).map((f) => f.id)).toEqual(['a', 'd', 'b']);
  });
});

describe('indexNearestStep', () => {
  const frames = [100, 200, 400, 800].map((step) => ({ step }));
  test('finds exact and nearest steps', () => {
    expect(indexNearestStep(frames, 400)).toBe(2);
    expect(indexNearestStep(frames, 290)).toBe(1);
    expect(indexNearestStep(frames, 310)).toBe(2);
    expect(indexNearestStep(frames, 300)).toBe(1);
    expect(indexNearestStep(frames, 0)).toBe(0);
    expect(indexNearestStep(frames, 10_000)).toBe(3);
    expect(indexNearestStep([], 5)).toBe(-1);
  });
});
