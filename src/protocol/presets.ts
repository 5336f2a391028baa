/**
 * Presets: the settings a newcomer starts from. "Quick look" trades size for speed so faces
 * appear within minutes on the machine in front of the user (the worker times a few real steps
 * of each candidate and the largest one that meets the target wins); "Heaton exact" is the
 * Keras course's notebook; "Custom" is whatever the user set. Pure data and arithmetic, shared
 * by the page and the worker.
 */
import { HEATON_DEFAULTS, type Architecture, type Resolution, type TrainConfig } from './config.ts';

export const PRESETS = ['quick', 'heaton', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];

export function isPreset(value: unknown): value is Preset {
  return typeof value === 'string' && (PRESETS as readonly string[]).includes(value);
}

export const PRESET_LABELS: Readonly<Record<Preset, string>> = {
  quick: 'Quick look',
  heaton: 'Heaton exact',
  custom: 'Custom',
};

export const PRESET_HINTS: Readonly<Record<Preset, string>> = {
  quick: 'Small, fast model picked for this device: first faces in minutes, sharper the longer it runs.',
  heaton: "The course notebook's settings: 64 px faces, but hours per hundred steps without a GPU.",
  custom: 'Every setting is yours to change.',
};

/** What distinguishes one Quick look candidate from another. */
export interface QuickLookCandidate {
  architecture: Architecture;
  resolution: Resolution;
  width: number;
}

/**
 * Smallest first, each a little more work than the one before (a DCGAN's cost grows with the
 * pixel count and with the square of the width). The last is the 64 px DCGAN of the paper,
 * which a real GPU trains fast enough for a quick look.
 */
export const QUICK_LOOK_CANDIDATES: readonly QuickLookCandidate[] = [
  { architecture: 'dcgan', resolution: 16, width: 0.5 },
  { architecture: 'dcgan', resolution: 32, width: 0.5 },
  { architecture: 'dcgan', resolution: 32, width: 1 },
  { architecture: 'dcgan', resolution: 64, width: 0.5 },
  { architecture: 'dcgan', resolution: 64, width: 1 },
];

/**
 * The pick before any timing (and where timing fails): measured on a 2-core laptop-class CPU
 * without a GPU, this DCGAN shows rough heads after ~2 minutes and clear faces after ~5.
 */
export const QUICK_LOOK_FALLBACK: QuickLookCandidate = { architecture: 'dcgan', resolution: 32, width: 0.5 };

/**
 * Steps after which a small DCGAN's grid shows recognisable (if rough) heads on face photos.
 * Observed on cartoon faces at 16 and 32 px with batch 32; the estimates shown say "≈".
 */
export const STEPS_TO_FIRST_FACES = 300;

/** Quick look aims to show first faces within this long. */
export const FIRST_FACES_TARGET_MS = 120_000;

/**
 * Until the run is this old (training time), a grid is also drawn whenever
 * YOUNG_RUN_GRID_EVERY_MS has passed without one, so the first faces show as soon as they exist
 * even when a step is slow; after that only the step interval counts (bounded history).
 */
export const YOUNG_RUN_MS = 5 * 60_000;
export const YOUNG_RUN_GRID_EVERY_MS = 10_000;

/** The full settings of a Quick look candidate: Heaton's optimiser and data settings, a DCGAN. */
export function quickLookConfig(candidate: QuickLookCandidate): TrainConfig {
  return {
    ...HEATON_DEFAULTS,
    ...candidate,
    steps: 5_000,
    previewEvery: 50,
    qualityEvery: 250,
  };
}

/** The settings a preset stands for; Custom keeps `current`. */
export function presetConfig(preset: Preset, current: TrainConfig, quickLook: QuickLookCandidate): TrainConfig {
  switch (preset) {
    case 'quick':
      return quickLookConfig(quickLook);
    case 'heaton':
      return { ...HEATON_DEFAULTS };
    case 'custom':
      return current;
  }
}

/** Which preset, if any, `config` is exactly. */
export function presetOf(config: TrainConfig, quickLook: QuickLookCandidate): Preset {
  const same = (a: TrainConfig, b: TrainConfig) => JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
  if (same(config, quickLookConfig(quickLook))) return 'quick';
  if (same(config, HEATON_DEFAULTS)) return 'heaton';
  return 'custom';
}

/** One candidate's measured speed. */
export interface CandidateTiming {
  candidate: QuickLookCandidate;
  msPerStep: number;
}

/**
 * The largest candidate whose first faces come within the target, from timings in candidate
 * order; the smallest timed one when none does (a very slow device still gets the fastest
 * model); null when nothing was timed.
 */
export function pickQuickLook(timings: readonly CandidateTiming[]): CandidateTiming | null {
  let best: CandidateTiming | null = null;
  for (const timing of timings) {
    if (timing.msPerStep * STEPS_TO_FIRST_FACES <= FIRST_FACES_TARGET_MS) best = timing;
  }
  return best ?? timings[0] ?? null;
}

/** Whether a probe should time the next candidate after this one (bigger ones only get slower). */
export function worthTimingNext(timing: CandidateTiming): boolean {
  return timing.msPerStep * STEPS_TO_FIRST_FACES <= FIRST_FACES_TARGET_MS;
}

/** What the page says before Start, from a step time. */
export interface RunEstimate {
  /** Until the grid shows rough faces (STEPS_TO_FIRST_FACES steps), or null if the run is shorter. */
  firstFacesMs: number | null;
  /** The whole run. */
  totalMs: number;
}

export function estimateRun(config: Pick<TrainConfig, 'steps'>, msPerStep: number): RunEstimate {
  return {
    firstFacesMs: config.steps >= STEPS_TO_FIRST_FACES ? STEPS_TO_FIRST_FACES * msPerStep : null,
    totalMs: config.steps * msPerStep,
  };
}

/** "DCGAN 32 px, width ½". */
export function describeCandidate(candidate: QuickLookCandidate): string {
  const width = candidate.width === 0.5 ? '½' : candidate.width === 0.25 ? '¼' : String(candidate.width);
  return `${candidate.architecture === 'dcgan' ? 'DCGAN' : 'Heaton'} ${candidate.resolution} px, width ${width}`;
}
