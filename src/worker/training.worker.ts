/// <reference lib="webworker" />
/**
 * The worker entry: a thin shell that wires `self` to createTrainer. All logic is in trainer.ts.
 */
import type { ToWorker } from '../protocol/messages.ts';
import { createTrainer } from './trainer.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const handle = createTrainer((message, transfer = []) => scope.postMessage(message, transfer));
// Messages are handled one at a time, in order, so a slow one (a preview) cannot interleave.
let queue = Promise.resolve();
scope.onmessage = (event: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(event.data));
};
