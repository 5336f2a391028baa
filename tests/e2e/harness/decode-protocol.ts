/** Messages between the decode harness page and its worker (test-only). */
import type { DecodeOptions, DecodeResult } from '../../../src/data/ingest/decode.ts';

export interface DecodeRequest {
  id: number;
  files: Uint8Array[];
  options: DecodeOptions;
}

export interface DecodeResponse {
  id: number;
  results: DecodeResult[];
  /** Wall time in the worker for all files, decode to packed bytes. */
  ms: number;
}
