/**
 * Test-only worker: runs src/data/ingest/decode.ts where it runs in the app (a worker, no DOM) and
 * times it there, so the numbers exclude postMessage overhead.
 */
import { decodeToPixels } from '../../../src/data/ingest/decode.ts';
import type { DecodeRequest, DecodeResponse } from './decode-protocol.ts';

/** The few members of DedicatedWorkerGlobalScope used here (tests compile with the DOM lib). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeResponse): void;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  void handle(event.data);
};

async function handle(request: DecodeRequest): Promise<void> {
  const started = performance.now();
  const results = [];
  for (const bytes of request.files) {
    results.push(await decodeToPixels(bytes, request.options));
  }
  scope.postMessage({ id: request.id, results, ms: performance.now() - started });
}
