import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { createImageSet, splitHeldBack } from '../../../src/data/dataset.ts';
import { createGan, disposeGan } from '../../../src/gan/train-step.ts';
import { HEATON_DEFAULTS, heldBackCount, type TrainConfig } from '../../../src/protocol/config.ts';
import type { QualityRow } from '../../../src/protocol/metrics.ts';
import { createQualityMeter, pyramidFloor } from '../../../src/worker/quality-meter.ts';
import { useWasmBackend } from '../backends.ts';

beforeAll(useWasmBackend);

const TINY: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16, latentSize: 8, batchSize: 4, qualityEvery: 5 };

/** 120 16×16 RGB images of smooth gradients (so the pyramid has structure). */
function gradientSet() {
  const side = 16;
  const pixels = new Uint8Array(120 * side * side * 3);
  for (let i = 0; i < 120; i++)
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++)
        for (let c = 0; c < 3; c++) pixels[((i * side + y) * side + x) * 3 + c] = (x * 13 + y * 7 + i * 5 + c * 60) % 256;
  return createImageSet(pixels, side, 3);
}

function meterFor(reports: QualityRow[], errors: unknown[] = []) {
  const set = gradientSet();
  const { heldBack } = splitHeldBack(set.count, TINY.seed, heldBackCount(set.count, TINY.qualityEvery));
  const meter = createQualityMeter({ set, heldBack, latentSize: TINY.latentSize, runSeed: TINY.seed, onError: (e) => errors.push(e) });
  return { meter, report: (row: QualityRow) => reports.push(row) };
}

async function until(condition: () => boolean): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > 30_000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('heldBackCount and pyramidFloor', () => {
  test('a tenth of the set, at most 256, none for small sets or when off', () => {
    expect(heldBackCount(99, 500)).toBe(0);
    expect(heldBackCount(100, 500)).toBe(10);
    expect(heldBackCount(10_000, 500)).toBe(256);
    expect(heldBackCount(10_000, 0)).toBe(0);
  });
  test('the pyramid stops at the smallest even halving ≥ 16 px', () => {
    expect([16, 32, 64, 96, 128].map(pyramidFloor)).toEqual([16, 16, 16, 24, 16]);
  });
});

describe('createQualityMeter', () => {
  test('measures the generator against the held-back images, deterministically, without leaking', async () => {
    const gan = createGan(TINY);
    const reports: QualityRow[] = [];
    const { meter, report } = meterFor(reports);
    expect(meter.measure(gan.generator, 0, report)).toBe(true); // warm-up (kernels, caches)
    await until(() => !meter.busy);
    const baseline = tf.memory().numTensors;
    expect(meter.measure(gan.generator, 5, report)).toBe(true);
    expect(meter.busy).toBe(true);
    expect(meter.measure(gan.generator, 5, report)).toBe(false); // one at a time
    await until(() => !meter.busy);
    expect(tf.memory().numTensors).toBe(baseline);
    expect(reports.map((r) => r.step)).toEqual([0, 5]);
    const [first, second] = reports;
    expect(first?.images).toBe(12);
    expect(first?.perLevel.length).toBe(1); // 16 px: one level
    expect(first?.swd).toBeGreaterThan(0);
    expect(second?.swd).toBe(first?.swd); // same weights, same latents, same projections
    meter.dispose();
    disposeGan(gan);
  });

  test('yields while it works, so a loop sharing the thread keeps running', async () => {
    const gan = createGan({ ...TINY, resolution: 32 });
    const side = 32;
    const set = createImageSet(new Uint8Array(120 * side * side * 3).map((_, i) => (i * 31) % 256), side, 3);
    const { heldBack } = splitHeldBack(120, 1, 12);
    const meter = createQualityMeter({ set, heldBack, latentSize: TINY.latentSize, runSeed: 1, onError: () => undefined });
    let ticks = 0;
    let measuring = true;
    const tick = () => {
      ticks += 1;
      if (measuring) setTimeout(tick, 0);
    };
    const reports: QualityRow[] = [];
    meter.measure(gan.generator, 0, (row) => reports.push(row));
    tick();
    await until(() => !meter.busy);
    measuring = false;
    expect(reports.length).toBe(1);
    // 2 levels × (a pause per level, per descriptor pass and per 16 projections of 256).
    expect(ticks).toBeGreaterThan(20);
    meter.dispose();
    disposeGan(gan);
  });

  test('dispose ends a measurement in flight: no report, tensors freed', async () => {
    const gan = createGan(TINY);
    const reports: QualityRow[] = [];
    const errors: unknown[] = [];
    const { meter, report } = meterFor(reports, errors);
    meter.measure(gan.generator, 0, report);
    await until(() => !meter.busy);
    const baseline = tf.memory().numTensors;
    meter.measure(gan.generator, 5, report);
    meter.dispose();
    await until(() => !meter.busy);
    expect(reports.map((r) => r.step)).toEqual([0]);
    expect(errors).toEqual([]);
    expect(tf.memory().numTensors).toBe(baseline);
    disposeGan(gan);
  });
});
