import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { QuickLookCandidate } from '../../../src/protocol/presets.ts';
import { probeCandidates } from '../../../src/worker/probe.ts';
import { useCpuBackend } from '../backends.ts';

const TINY: QuickLookCandidate[] = [
  { architecture: 'dcgan', resolution: 16, width: 1 / 16 },
  { architecture: 'dcgan', resolution: 16, width: 1 / 8 },
  { architecture: 'dcgan', resolution: 32, width: 1 / 8 },
];

/** A clock that advances by a fixed amount per reading pair, so timings are exact and test-controlled. */
function fakeClock(msPerStepOf: (reading: number) => number) {
  let time = 0;
  let readings = 0;
  return () => {
    readings += 1;
    // Odd readings start a step, even ones end it.
    if (readings % 2 === 0) time += msPerStepOf(readings / 2);
    return time;
  };
}

describe('probeCandidates', () => {
  beforeAll(useCpuBackend);

  test('times real steps of each candidate, stops at the first too slow, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    let yields = 0;
    // Steps 1–2 (candidate 1) take 100 ms, 3–4 (candidate 2) 10 s: too slow, so candidate 3 is never built.
    const timings = await probeCandidates(TINY, {
      warmupSteps: 0,
      timedSteps: 2,
      batchSize: 2,
      now: fakeClock((step) => (step <= 2 ? 100 : 10_000)),
      yieldBetweenSteps: async () => {
        yields += 1;
      },
    });
    expect(timings).toEqual([
      { candidate: TINY[0], msPerStep: 100 },
      { candidate: TINY[1], msPerStep: 10_000 },
    ]);
    expect(yields).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('cancelling stops between steps and returns what was timed', async () => {
    let yields = 0;
    const timings = await probeCandidates(TINY, {
      warmupSteps: 0,
      timedSteps: 2,
      batchSize: 2,
      now: fakeClock(() => 1),
      yieldBetweenSteps: async () => {
        yields += 1;
      },
      cancelled: () => yields > 3,
    });
    expect(timings.map((t) => t.candidate)).toEqual([TINY[0]]);
  });
});
