import { describe, expect, test } from 'vitest';
import { HEATON_DEFAULTS, validateConfig } from '../../../src/protocol/config.ts';
import {
  FIRST_FACES_TARGET_MS,
  QUICK_LOOK_CANDIDATES,
  QUICK_LOOK_FALLBACK,
  STEPS_TO_FIRST_FACES,
  describeCandidate,
  estimateRun,
  pickQuickLook,
  presetConfig,
  presetOf,
  quickLookConfig,
} from '../../../src/protocol/presets.ts';

/** The ms per step at which a candidate just meets the time-to-faces target. */
const LIMIT = FIRST_FACES_TARGET_MS / STEPS_TO_FIRST_FACES;

describe('presets', () => {
  test('every Quick look candidate is a valid config', () => {
    for (const candidate of QUICK_LOOK_CANDIDATES) expect(validateConfig(quickLookConfig(candidate))).toEqual([]);
  });

  test('picks the largest candidate that meets the target, in candidate order', () => {
    const [a, b, c] = QUICK_LOOK_CANDIDATES;
    if (!a || !b || !c) throw new Error('need three candidates');
    const picked = pickQuickLook([
      { candidate: a, msPerStep: LIMIT / 8 },
      { candidate: b, msPerStep: LIMIT },
      { candidate: c, msPerStep: LIMIT * 1.01 },
    ]);
    expect(picked?.candidate).toEqual(b);
  });

  test('a device too slow for every candidate still gets the smallest; nothing timed gives null', () => {
    const [a, b] = QUICK_LOOK_CANDIDATES;
    if (!a || !b) throw new Error('need two candidates');
    expect(pickQuickLook([{ candidate: a, msPerStep: LIMIT * 3 }, { candidate: b, msPerStep: LIMIT * 9 }])?.candidate).toEqual(a);
    expect(pickQuickLook([])).toBeNull();
  });

  test('presets map to configs and back', () => {
    const quick = quickLookConfig(QUICK_LOOK_FALLBACK);
    expect(presetConfig('quick', HEATON_DEFAULTS, QUICK_LOOK_FALLBACK)).toEqual(quick);
    expect(presetConfig('heaton', quick, QUICK_LOOK_FALLBACK)).toEqual(HEATON_DEFAULTS);
    const custom = { ...quick, batchSize: 16 };
    expect(presetConfig('custom', custom, QUICK_LOOK_FALLBACK)).toBe(custom);
    expect(presetOf(quick, QUICK_LOOK_FALLBACK)).toBe('quick');
    expect(presetOf({ ...HEATON_DEFAULTS }, QUICK_LOOK_FALLBACK)).toBe('heaton');
    expect(presetOf(custom, QUICK_LOOK_FALLBACK)).toBe('custom');
  });

  test('estimates first faces and the whole run from a step time', () => {
    expect(estimateRun({ steps: 5000 }, 250)).toEqual({ firstFacesMs: STEPS_TO_FIRST_FACES * 250, totalMs: 1_250_000 });
    expect(estimateRun({ steps: 10 }, 250).firstFacesMs).toBeNull();
  });

  test('describes a candidate in words', () => {
    expect(describeCandidate({ architecture: 'dcgan', resolution: 32, width: 0.5 })).toBe('DCGAN 32 px, width ½');
  });
});
