/**
 * A lost GPU context, driven through the trainer's injectable loss watch: the real recovery
 * (recoverBackend drops and re-creates the backend, the run is rebuilt from its last good
 * checkpoint) on tfjs cpu, since Node has no GPU context to lose.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { HEATON_DEFAULTS, type TrainConfig } from '../../../src/protocol/config.ts';
import type { BackendName, FromWorker } from '../../../src/protocol/messages.ts';
import type { BackendLossWatch } from '../../../src/worker/backend.ts';
import { createTrainer } from '../../../src/worker/trainer.ts';
import { createMemoryCheckpointStore } from './memory-checkpoint-store.ts';
import { stepControl } from './turns.ts';

/** A watch that reports loss when told to, as watchBackendLoss does on webglcontextlost. */
function controllableWatch(): BackendLossWatch & { lose(): void } {
  let lost = false;
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return {
    isLost: () => lost,
    lost: promise,
    lose: () => {
      lost = true;
      resolve();
    },
    dispose: () => undefined,
  };
}

const CONFIG: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16, latentSize: 8, batchSize: 4, steps: 1000, previewEvery: 3, gridRows: 2, gridCols: 3 };
const pixels = () => new Uint8Array(8 * 16 * 16 * 3).map((_, i) => (i * 37) % 256).buffer;
const options = { side: 16, channels: 3, crop: 'centre' } as const;

function harness() {
  const posted: FromWorker[] = [];
  const watches: { backend: BackendName; watch: ReturnType<typeof controllableWatch> }[] = [];
  const control = stepControl(posted);
  const handle = createTrainer((message) => posted.push(message), {
    ...control.deps,
    openStore: async () => createMemoryCheckpointStore(),
    watchBackend: (backend) => {
      const watch = controllableWatch();
      watches.push({ backend, watch });
      return watch;
    },
  });
  control.bind(handle);
  const of = <T extends FromWorker['type']>(type: T) => posted.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);
  return { posted, handle, of, watches, control };
}

describe('a lost GPU context', () => {
  test('stops stepping, restores the last checkpoint on a fresh backend, and keeps running', async () => {
    const { handle, of, watches, control } = harness();
    await handle({ type: 'init', preferred: 'cpu' });
    await handle({ type: 'load-pixels', name: 'Test', pixels: pixels(), options, cartoon: null });
    const firstBackend = tf.engine().backend;
    // Past the step-3 checkpoint the context goes; the rebuilt run trains on to its end (step 12).
    control.at(4, () => watches[0]?.watch.lose());
    await handle({ type: 'start', config: { ...CONFIG, steps: 12 } });
    await handle.whenSettled();
    const notice = of('backend-lost')[0];
    if (!notice?.resumedAtStep) throw new Error(`expected a resumed notice, got ${JSON.stringify(notice)}`);
    expect(notice).toMatchObject({ lostBackend: 'cpu', backend: 'cpu' });
    expect(notice.resumedAtStep % 3).toBe(0);
    expect(notice.resumedAtStep).toBeLessThanOrEqual(notice.lostAtStep);
    expect(notice.message).toBe(`The GPU context was lost at step ${notice.lostAtStep}; training resumed from step ${notice.resumedAtStep} on cpu.`);
    // The backend instance was dropped and made afresh, and the new run is watched again.
    expect(tf.engine().backend).not.toBe(firstBackend);
    expect(watches.length).toBe(2);

    // The history is cut back to the checkpoint, and training goes on from there.
    const restored = of('run-restored').at(-1);
    expect(restored).toMatchObject({ reason: 'rolled-back', step: notice.resumedAtStep });
    expect(restored?.rows.map((r) => r.step)).toEqual(Array.from({ length: notice.resumedAtStep }, (_, i) => i + 1));
    const restoredAt = of('run-state').findIndex((m) => m.step === notice.resumedAtStep && m.state === 'paused');
    expect(of('run-state').slice(restoredAt).some((m) => m.state === 'running')).toBe(true);
    expect(of('run-state').at(-1)).toMatchObject({ state: 'done', step: 12 });
  });

  test('a run paused when the loss is noticed comes back paused', async () => {
    const { handle, of, watches, control } = harness();
    await handle({ type: 'init', preferred: 'cpu' });
    await handle({ type: 'load-pixels', name: 'Test', pixels: pixels(), options, cartoon: null });
    control.pauseAt(3);
    await handle({ type: 'start', config: CONFIG });
    await handle.whenSettled();
    expect(of('run-state').at(-1)?.state).toBe('paused');
    const pausedAt = of('run-state').at(-1)?.step ?? 0;
    watches[0]?.watch.lose();
    // Noticed on the next step; the paused checkpoint is where it comes back.
    await handle({ type: 'step' });
    await handle.whenSettled();
    expect(of('backend-lost')[0]).toMatchObject({ resumedAtStep: pausedAt, lostAtStep: pausedAt + 1 });
    expect(of('backend-lost')[0]?.message).toMatch(/restored to step \d+ on cpu, paused\.$/);
    expect(of('run-state').at(-1)).toMatchObject({ state: 'paused', step: pausedAt });
    await handle({ type: 'stop' });
  });
});
