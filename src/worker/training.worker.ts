/// <reference lib="webworker" />
/**
 * The worker entry: a thin shell that wires `self` to createTrainer. All logic is in trainer.ts.
 */
import type { ToWorker } from '../protocol/messages.ts';
import { createTrainer } from './trainer.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const handle = createTrainer((message, transfer = []) => scope.postMessage(message, transfer));
// Each message is handled as it arrives, so pause, stop and cancel act between two steps
// rather than after the whole run; createTrainer keeps its own state consistent.
scope.onmessage = (event: MessageEvent<ToWorker>) => void handle(event.data);
