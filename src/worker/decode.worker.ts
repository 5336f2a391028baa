/// <reference lib="webworker" />
/**
 * A nested decode worker (see decode-pool.ts): one image file in, S × S × C bytes out, both
 * transferred. A thin shell over decodeToPixels; jobs are handled as they arrive, so the
 * browser's decoder can overlap the next image's decode with this one's readback.
 */
import { decodeToPixels, type DecodeResult } from '../data/ingest/decode.ts';
import { assertNever } from '../protocol/messages.ts';
// Types only: a value import would pull the pool (and its `new Worker(...)`) into this worker's bundle.
import type { DecodeWorkerRequest, DecodeWorkerResponse } from './decode-pool.ts';
import { describeError } from '../protocol/describe-error.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function reply(message: DecodeWorkerResponse, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

async function handle(request: DecodeWorkerRequest): Promise<void> {
  switch (request.type) {
    case 'decode': {
      let result: DecodeResult;
      try {
        result = await decodeToPixels(request.bytes, request.options);
      } catch (error) {
        // decodeToPixels returns bad images as results; a throw is a fault worth reporting as one.
        reply({ type: 'failed', id: request.id, message: describeError(error) });
        return;
      }
      if (!result.ok) {
        reply({ type: 'decoded', id: request.id, result });
        return;
      }
      const pixels = ownBuffer(result.pixels);
      reply({ type: 'decoded', id: request.id, result: { ...result, pixels } }, [pixels.buffer]);
      return;
    }
    default:
      assertNever(request.type);
  }
}

/** The pixels over a buffer of their own (packPixels makes one), so transferring moves nothing else. */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return bytes as Uint8Array<ArrayBuffer>;
  }
  return bytes.slice();
}

scope.onmessage = (event: MessageEvent<DecodeWorkerRequest>) => {
  void handle(event.data);
};
// Sent last, once the handler is in place: the pool transfers no bytes before this.
reply({ type: 'ready' });
