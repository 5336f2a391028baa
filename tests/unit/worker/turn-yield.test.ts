import { describe, expect, test } from 'vitest';
import { createTurnYield } from '../../../src/worker/turn-yield.ts';

describe('createTurnYield', () => {
  test('with MessageChannel (a browser worker): each turn resolves on a later task, in order', async () => {
    const turns = createTurnYield({ MessageChannel });
    const order: string[] = [];
    const first = turns.next().then(() => order.push('first'));
    const second = turns.next().then(() => order.push('second'));
    await Promise.resolve();
    // Not resolved within the same task (a microtask would starve the page's messages).
    expect(order).toEqual([]);
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    turns.close();
  });

  test('closing lets waiting turns go', async () => {
    const turns = createTurnYield({ MessageChannel });
    const waiting = turns.next();
    turns.close();
    await expect(waiting).resolves.toBeUndefined();
  });

  test('uses setImmediate where there is one (Node), and setTimeout where neither exists', async () => {
    const scheduled: (() => void)[] = [];
    const turns = createTurnYield({ setImmediate: (callback) => scheduled.push(callback), MessageChannel });
    const turn = turns.next();
    expect(scheduled).toHaveLength(1);
    scheduled[0]?.();
    await turn;
    await expect(createTurnYield({}).next()).resolves.toBeUndefined();
  });
});
