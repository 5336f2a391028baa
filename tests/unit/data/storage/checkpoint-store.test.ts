import { describe, expect, test } from 'vitest';
import {
  DEFAULT_SLOT,
  blobKey,
  isCheckpointSummary,
  isSlotRecord,
  loadOrder,
  openCheckpointStore,
  planSave,
  saveFailure,
  summariseCheckpoint,
  type CheckpointSummary,
} from '../../../../src/data/storage/checkpoint-store.ts';
import type { Checkpoint } from '../../../../src/gan/checkpoint.ts';
import { HEATON_DEFAULTS } from '../../../../src/protocol/config.ts';

function summary(step: number): CheckpointSummary {
  return { step, datasetName: 'faces.zip', configSummary: 'heaton · 64 px · RGB · batch 32', savedAt: 1_700_000_000_000 + step, byteLength: 1234 };
}

describe('planSave', () => {
  test('the first save has no previous and deletes nothing', () => {
    const plan = planSave(undefined, DEFAULT_SLOT, summary(10));
    expect(plan.key).toBe(blobKey(DEFAULT_SLOT, 1));
    expect(plan.record).toEqual({ slot: DEFAULT_SLOT, sequence: 1, latest: { key: plan.key, summary: summary(10) }, previous: null });
    expect(plan.staleKeys).toEqual([]);
  });

  test('keeps the previous and the current, and drops the one before', () => {
    const first = planSave(undefined, 'a', summary(1));
    const second = planSave(first.record, 'a', summary(2));
    expect(second.record.previous).toEqual(first.record.latest);
    expect(second.staleKeys).toEqual([]);
    const third = planSave(second.record, 'a', summary(3));
    expect(third.record.latest.summary.step).toBe(3);
    expect(third.record.previous).toEqual(second.record.latest);
    expect(third.staleKeys).toEqual([first.key]);
    expect(new Set([first.key, second.key, third.key]).size).toBe(3);
  });

  test('an unrecognised record counts as none', () => {
    expect(planSave({ slot: DEFAULT_SLOT, latest: 'junk' }, DEFAULT_SLOT, summary(1)).record.previous).toBeNull();
  });
});

describe('record validation', () => {
  test('summaries', () => {
    expect(isCheckpointSummary(summary(5))).toBe(true);
    expect(isCheckpointSummary({ ...summary(5), datasetName: null })).toBe(true);
    expect(isCheckpointSummary({ ...summary(5), step: -1 })).toBe(false);
    expect(isCheckpointSummary(null)).toBe(false);
  });

  test('slot records and the load order', () => {
    const { record } = planSave(planSave(undefined, 's', summary(1)).record, 's', summary(2));
    expect(isSlotRecord(record)).toBe(true);
    expect(loadOrder(record).map((entry) => entry.summary.step)).toEqual([2, 1]);
    expect(isSlotRecord({ ...record, previous: { key: 3 } })).toBe(false);
    expect(loadOrder(undefined)).toEqual([]);
  });
});

test('summariseCheckpoint describes the run in a few words', () => {
  const checkpoint = { config: { ...HEATON_DEFAULTS, channels: 1 }, step: 420 } as Checkpoint;
  expect(summariseCheckpoint(checkpoint, 'faces.zip', 99, 5)).toEqual({
    step: 420,
    datasetName: 'faces.zip',
    configSummary: 'heaton · 64 px · grayscale · batch 32',
    savedAt: 5,
    byteLength: 99,
  });
});

test('save failures are classified and worded for checkpoints', () => {
  expect(saveFailure(new DOMException('full', 'QuotaExceededError'))).toMatchObject({ ok: false, reason: 'quota', message: expect.stringMatching(/previous one is kept/) });
  expect(saveFailure(new DOMException('closed', 'InvalidStateError')).reason).toBe('unavailable');
  expect(saveFailure(new Error('boom'))).toEqual({ ok: false, reason: 'error', message: 'Could not save the checkpoint: boom' });
});

test('openCheckpointStore resolves null without IndexedDB (Node)', async () => {
  expect(await openCheckpointStore(undefined)).toBeNull();
});
