/// <reference lib="webworker" />
/**
 * The worker entry: a thin shell that wires `self` to createTrainer. All logic is in trainer.ts.
 */
import type { ToWorker } from '../protocol/messages.ts';
import { loseGpuContext } from './backend.ts';
import { createTrainer, type FailableRequest } from './trainer.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const handle = createTrainer((message, transfer = []) => scope.postMessage(message, transfer));
// Each message is handled as it arrives, so pause, stop and cancel act between two steps
// rather than after the whole run; createTrainer keeps its own state consistent.
scope.onmessage = (event: MessageEvent<ToWorker>) => void handle(event.data);

/**
 * Test and diagnostic hooks (fault injection): module workers expose no imports, so this is how
 * an end-to-end test (or a person in devtools) reaches inside. `loseGpuContext` makes the browser
 * lose tfjs's WebGL context through its own WEBGL_lose_context extension; `forceLearningRates`
 * sets a learning rate no control allows (e.g. 1e30) so real training diverges;
 * `failNextRequest` makes the next export (or checkpoint load) fail with the given reason, as a
 * real failure would. Nothing else.
 */
interface GanvasDebug {
  loseGpuContext(): boolean;
  forceLearningRates(rate: number): boolean;
  failNextRequest(type: FailableRequest, reason: string): void;
}
(scope as unknown as { ganvasDebug: GanvasDebug }).ganvasDebug = {
  loseGpuContext,
  forceLearningRates: handle.forceLearningRates,
  failNextRequest: handle.failNextRequest,
};
