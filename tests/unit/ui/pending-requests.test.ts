import { describe, expect, test } from 'vitest';
import type { WorkerRequest } from '../../../src/protocol/messages.ts';
import { createPendingRequests } from '../../../src/ui/pending-requests.ts';

describe('createPendingRequests', () => {
  test('a reply resolves its request, request-failed rejects with the sentence, each settles once', async () => {
    const pending = createPendingRequests();
    const sent: WorkerRequest[] = [];
    const recipe = pending.send('checkpoint-file', { type: 'export-checkpoint', requestId: 1 }, (m) => sent.push(m));
    const generator = pending.send('generator', { type: 'export-generator', requestId: 2 }, (m) => sent.push(m));
    expect(sent.map((m) => m.requestId)).toEqual([1, 2]);
    expect(pending.settle({ type: 'request-failed', requestId: 2, message: 'Could not prepare the generator: out of memory.' })).toBe(true);
    expect(pending.settle({ type: 'checkpoint-file', requestId: 1, step: 5, bytes: new ArrayBuffer(4) })).toBe(true);
    await expect(recipe).resolves.toMatchObject({ step: 5 });
    await expect(generator).rejects.toThrow('Could not prepare the generator: out of memory.');
    // A second reply to a settled request finds nobody waiting.
    expect(pending.settle({ type: 'request-failed', requestId: 1, message: 'late' })).toBe(false);
    expect(pending.size).toBe(0);
  });

  test('a reply of the wrong type rejects rather than resolving with the wrong shape', async () => {
    const pending = createPendingRequests();
    const answer = pending.send('generator', { type: 'export-generator', requestId: 1 }, () => undefined);
    pending.settle({ type: 'checkpoint-loaded', requestId: 1, step: 3 });
    await expect(answer).rejects.toThrow('Unexpected answer checkpoint-loaded to a export-generator request.');
  });

  test('a killed worker rejects every pending request, and any sent afterwards', async () => {
    const pending = createPendingRequests();
    const requests = [
      pending.send('generator', { type: 'export-generator', requestId: 1 }, () => undefined),
      pending.send('recipe', { type: 'export-recipe', requestId: 2, target: 'keras' }, () => undefined),
      pending.send('faces', { type: 'generate', requestId: 3, source: 'live', seeds: [1] }, () => undefined),
    ];
    pending.rejectAll('The training engine stopped unexpectedly; reload the page.');
    for (const request of requests) await expect(request).rejects.toThrow('The training engine stopped unexpectedly; reload the page.');
    expect(pending.size).toBe(0);
    await expect(pending.send('generator', { type: 'export-generator', requestId: 4 }, () => undefined)).rejects.toThrow('reload the page');
  });

  test('a request that cannot be sent rejects at once', async () => {
    const pending = createPendingRequests();
    const failing = pending.send('generator', { type: 'export-generator', requestId: 1 }, () => {
      throw new Error('The training engine is not running; reload the page.');
    });
    await expect(failing).rejects.toThrow('The training engine is not running; reload the page.');
    expect(pending.size).toBe(0);
  });
});
