/** Load progress for the page, throttled, with a rate and an estimate of the time left. */
import type { LoadProgress } from '../../protocol/dataset.ts';

type ProgressState = Omit<LoadProgress, 'imagesPerSecond' | 'etaSeconds'>;

/**
 * Throttles progress to one event per `intervalMs`; phase changes and forced events (the
 * final one of a phase) always go out. The rate is measured from the start of decoding.
 */
export function createProgressReporter(onProgress: (progress: LoadProgress) => void, now: () => number, intervalMs: number) {
  let lastEmit = Number.NEGATIVE_INFINITY;
  let lastPhase: LoadProgress['phase'] | null = null;
  let decodeStart = 0;
  let imagesPerSecond = 0;
  return {
    report(state: ProgressState, force = false): void {
      const time = now();
      if (state.phase !== lastPhase) {
        force = true;
        lastPhase = state.phase;
        if (state.phase === 'decoding') decodeStart = time;
      }
      if (!force && time - lastEmit < intervalMs) return;
      lastEmit = time;
      let etaSeconds: number | null = null;
      if (state.phase === 'decoding') {
        const seconds = (time - decodeStart) / 1000;
        imagesPerSecond = seconds > 0 ? state.done / seconds : 0;
        if (state.done >= state.total) etaSeconds = 0;
        else if (imagesPerSecond > 0) etaSeconds = (state.total - state.done) / imagesPerSecond;
      }
      onProgress({ ...state, imagesPerSecond, etaSeconds });
    },
  };
}
