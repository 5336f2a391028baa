/**
 * The page's side of the reply convention (see messages.ts): each request in flight waits under
 * its `requestId` for its one reply. A reply of the expected type resolves it; `request-failed`
 * rejects it with the worker's sentence; the worker dying rejects every request still waiting,
 * so no button stays busy for ever.
 */
import type { WorkerReply, WorkerRequest } from '../protocol/messages.ts';

export type ReplyOf<K extends WorkerReply['type']> = Extract<WorkerReply, { type: K }>;

export interface PendingRequests {
  /**
   * Sends `request` through `send` and resolves with its reply of type `replyType`. A reply of
   * another type (a protocol bug) rejects rather than resolving with the wrong shape.
   */
  send<K extends Exclude<WorkerReply['type'], 'request-failed'>>(replyType: K, request: WorkerRequest, send: (request: WorkerRequest) => void): Promise<ReplyOf<K>>;
  /** Settles the request `reply` answers; false when none waits for it (already settled, or not ours). */
  settle(reply: WorkerReply): boolean;
  /** Rejects every request still waiting with `message`; later sends reject at once with it too. */
  rejectAll(message: string): void;
  /** Requests waiting for their reply. */
  readonly size: number;
}

export function createPendingRequests(): PendingRequests {
  const waiting = new Map<number, { resolve(reply: WorkerReply): void; reject(error: Error): void }>();
  let dead: string | null = null;
  return {
    send(replyType, request, send) {
      return new Promise((resolve, reject) => {
        if (dead !== null) {
          reject(new Error(dead));
          return;
        }
        waiting.set(request.requestId, {
          resolve: (reply) =>
            reply.type === replyType ? resolve(reply as ReplyOf<typeof replyType>) : reject(new Error(`Unexpected answer ${reply.type} to a ${request.type} request.`)),
          reject,
        });
        try {
          send(request);
        } catch (error) {
          waiting.delete(request.requestId);
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    settle(reply) {
      const pending = waiting.get(reply.requestId);
      if (!pending) return false;
      waiting.delete(reply.requestId);
      if (reply.type === 'request-failed') pending.reject(new Error(reply.message));
      else pending.resolve(reply);
      return true;
    },
    rejectAll(message) {
      dead = message;
      const all = [...waiting.values()];
      waiting.clear();
      for (const pending of all) pending.reject(new Error(message));
    },
    get size() {
      return waiting.size;
    },
  };
}
