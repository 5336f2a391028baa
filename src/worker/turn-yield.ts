/**
 * The pause between two turns of a run's loop, so messages from the page (pause, stop, an
 * export request) are handled between steps rather than after the whole run.
 *
 * In a browser a MessageChannel message is a task, delivered as soon as the event loop is free.
 * `setTimeout(0)` would do the same, but browsers clamp nested timeouts to 4 ms, which at
 * thousands of small steps is seconds of doing nothing. Node (the unit tests) has setImmediate
 * for exactly this; its MessagePort instead drains up to a thousand queued messages in one go,
 * so a loop that posts itself a message each turn would starve timers and I/O there.
 */
export interface TurnYield {
  /** Resolves on a later task, after messages already queued have been handled. */
  next(): Promise<void>;
  /** Frees the channel (a port left open keeps Node's event loop alive). */
  close(): void;
}

export interface TurnYieldRuntime {
  setImmediate?: (callback: () => void) => unknown;
  MessageChannel?: typeof MessageChannel;
}

export function createTurnYield(runtime: TurnYieldRuntime = globalThis as TurnYieldRuntime): TurnYield {
  const { setImmediate: immediate, MessageChannel: Channel } = runtime;
  if (immediate) return { next: () => new Promise((resolve) => void immediate(resolve)), close: () => undefined };
  if (!Channel) {
    // Runtimes without MessageChannel: a timeout is the only task left to schedule.
    return { next: () => new Promise((resolve) => setTimeout(resolve, 0)), close: () => undefined };
  }
  const channel = new Channel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return {
    next: () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(null);
      }),
    close: () => {
      channel.port1.close();
      channel.port2.close();
      // Anyone still waiting would never hear back; let them go.
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}
