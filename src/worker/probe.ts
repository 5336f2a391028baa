/**
 * The speed probe behind "Quick look": a few real training steps of each candidate model on
 * random images, smallest first, on the backend the run will use. It stops climbing at the
 * first candidate too slow for the time-to-faces target (bigger ones are only slower), so on a
 * slow device it costs a few seconds; it yields between steps, so the worker answers other
 * messages meanwhile, and gives up when `cancelled()` says so (a run is starting).
 */
import * as tf from '@tensorflow/tfjs';
import { createGan, disposeGan, trainStep } from '../gan/train-step.ts';
import { quickLookConfig, worthTimingNext, type CandidateTiming, type QuickLookCandidate } from '../protocol/presets.ts';

export interface ProbeOptions {
  /** Untimed steps first: the first step compiles shaders and allocates the backend's buffers. */
  warmupSteps?: number;
  timedSteps?: number;
  /** Images per step; the candidate's own (the run's) batch size by default. */
  batchSize?: number;
  /** ms clock; performance.now() by default. */
  now?: () => number;
  /** Lets queued messages run between steps. */
  yieldBetweenSteps: () => Promise<void>;
  /** Asked between steps: true stops the probe (what was timed so far is returned). */
  cancelled?: () => boolean;
}

/**
 * Times `candidates` in order and returns one timing per candidate timed (the median
 * ms per step of the timed steps, each step read back so GPU work is included).
 */
export async function probeCandidates(candidates: readonly QuickLookCandidate[], options: ProbeOptions): Promise<CandidateTiming[]> {
  const { warmupSteps = 1, timedSteps = 2, batchSize, now = () => performance.now(), yieldBetweenSteps, cancelled = () => false } = options;
  const timings: CandidateTiming[] = [];
  for (const candidate of candidates) {
    if (cancelled()) break;
    const config = { ...quickLookConfig(candidate), ...(batchSize === undefined ? {} : { batchSize }) };
    const gan = createGan(config);
    const real = tf.randomUniform([config.batchSize, config.resolution, config.resolution, config.channels], -1, 1, 'float32', config.seed) as tf.Tensor4D;
    const durations: number[] = [];
    try {
      for (let step = 0; step < warmupSteps + timedSteps; step++) {
        await yieldBetweenSteps();
        if (cancelled()) break;
        const started = now();
        const metrics = trainStep(gan, real, step, { labelSmoothing: config.labelSmoothing });
        await metrics.data();
        metrics.dispose();
        if (step >= warmupSteps) durations.push(now() - started);
      }
    } finally {
      real.dispose();
      disposeGan(gan);
    }
    if (durations.length < timedSteps) break;
    const sorted = [...durations].sort((a, b) => a - b);
    const timing = { candidate, msPerStep: sorted[Math.floor(sorted.length / 2)] ?? 0 };
    timings.push(timing);
    if (!worthTimingNext(timing)) break;
  }
  return timings;
}
