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

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function harness() {
  const posted: FromWorker[] = [];
  const watches: { backend: BackendName; watch: ReturnType<typeof controllableWatch> }[] = [];
  const handle = createTrainer((message) => posted.push(message), {
    openStore: async () => createMemoryCheckpointStore(),
    watchBackend: (backend) => {
      const watch = controllableWatch();
      watches.push({ backend, watch });
      return watch;
    },
  });
  const of = <T extends FromWorker['type']>(type: T) => posted.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);
  return { posted, handle, of, watches };
}

describe('a lost GPU context', () => {
  test('stops stepping, restores the last checkpoint on a fresh backend, and keeps running', async () => {
    const { handle, of, watches } = harness();
    await handle({ type: 'init', preferred: 'cpu' });
    await handle({ type: 'load-pixels', name: 'Test', pixels: pixels(), options, cartoon: null });
    await handle({ type: 'start', config: CONFIG });
    await until(() => of('checkpoint-saved').some((m) => m.step >= 3));
    await until(() => (of('metrics').at(-1)?.rows.at(-1)?.step ?? 0) >= 4);
    const firstBackend = tf.engine().backend;

    watches[0]?.watch.lose();
    await until(() => of('backend-lost').length > 0);
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
    const countBefore = of('run-state').length;
    await until(() => of('run-state').slice(countBefore - 1).some((m) => m.state === 'running'));
    const resumedAt = notice.resumedAtStep;
    await until(() => of('metrics').some((m) => m.rows.some((r) => r.step > resumedAt + 1)));
    await handle({ type: 'stop' });
  });

  test('a run paused when the loss is noticed comes back paused', async () => {
    const { handle, of, watches } = harness();
    await handle({ type: 'init', preferred: 'cpu' });
    await handle({ type: 'load-pixels', name: 'Test', pixels: pixels(), options, cartoon: null });
    await handle({ type: 'start', config: CONFIG });
    await until(() => of('checkpoint-saved').length > 0);
    await handle({ type: 'pause' });
    await until(() => of('run-state').at(-1)?.state === 'paused');
    const pausedAt = of('run-state').at(-1)?.step ?? 0;
    watches[0]?.watch.lose();
    // Noticed on the next step; the paused checkpoint is where it comes back.
    await handle({ type: 'step' });
    await until(() => of('backend-lost').length > 0);
    expect(of('backend-lost')[0]).toMatchObject({ resumedAtStep: pausedAt, lostAtStep: pausedAt + 1 });
    expect(of('backend-lost')[0]?.message).toMatch(/restored to step \d+ on cpu, paused\.$/);
    await until(() => of('run-state').at(-1)?.state === 'paused' && of('run-state').at(-1)?.step === pausedAt);
    await handle({ type: 'stop' });
  });
});
