/**
 * Time under a test's control for createTrainer: a clock that advances 100 ms per reading (so
 * metrics flush every few steps, deterministically) and a turn yield that acts once the posted
 * metrics reach a step. Tests then wait on the trainer's whenSettled, never on a timer.
 */
import type { FromWorker } from '../../../src/protocol/messages.ts';
import type { Trainer, TrainerDeps } from '../../../src/worker/trainer.ts';

export function lastMetricStep(posted: readonly FromWorker[]): number {
  for (let i = posted.length - 1; i >= 0; i--) {
    const message = posted[i];
    if (message?.type === 'metrics') return message.rows.at(-1)?.step ?? 0;
  }
  return 0;
}

export function stepControl(posted: readonly FromWorker[]) {
  let clock = 0;
  let trainer: Trainer | null = null;
  const actions: { step: number; act: (trainer: Trainer) => void }[] = [];
  const deps: Pick<TrainerDeps, 'now' | 'yieldTurn'> = {
    now: () => (clock += 100),
    yieldTurn: async () => {
      const next = actions[0];
      if (!trainer || !next || lastMetricStep(posted) < next.step) return;
      actions.shift();
      next.act(trainer);
    },
  };
  return {
    deps,
    bind(handle: Trainer) {
      trainer = handle;
    },
    /** Once the metrics reach `step`, between two turns, `act` runs (once). */
    at(step: number, act: (trainer: Trainer) => void) {
      actions.push({ step, act });
    },
    pauseAt(step: number) {
      actions.push({ step, act: (handle) => void handle({ type: 'pause' }) });
    },
  };
}
