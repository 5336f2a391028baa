import { describe, expect, test } from 'vitest';
import { YOUNG_RUN_GRID_EVERY_MS, YOUNG_RUN_MS } from '../../../src/protocol/presets.ts';
import { previewDue, youngGridDue } from '../../../src/worker/run-lifecycle.ts';

describe('when grids are due', () => {
  test('by step: every previewEvery steps (with a checkpoint)', () => {
    expect([1, 2, 3, 4, 5, 6].map((step) => previewDue({ step, previewEvery: 3 }))).toEqual([false, false, true, false, false, true]);
  });

  test('by time: every 10 s while the run is young, never after', () => {
    expect(youngGridDue({ trainingMs: 0, sinceLastGridMs: YOUNG_RUN_GRID_EVERY_MS - 1 })).toBe(false);
    expect(youngGridDue({ trainingMs: 0, sinceLastGridMs: YOUNG_RUN_GRID_EVERY_MS })).toBe(true);
    expect(youngGridDue({ trainingMs: YOUNG_RUN_MS - 1, sinceLastGridMs: 60_000 })).toBe(true);
    expect(youngGridDue({ trainingMs: YOUNG_RUN_MS, sinceLastGridMs: 60_000 })).toBe(false);
  });
});
