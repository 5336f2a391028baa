/** Messages and results shared by bench/ingest.ts, its page and its profiling worker. */

/** One stage of the ingest pipeline run on its own, with its wall time. */
export interface StageTiming {
  stage: string;
  images: number;
  ms: number;
  note: string;
}

/** Page → profile worker. */
export interface ProfileRequest {
  file: File;
  side: number;
  /** Images decoded in the decode-only stages (a prefix of the zip), to keep the run short. */
  decodeSample: number;
}

/** Profile worker → page. */
export type ProfileResponse = { ok: true; stages: StageTiming[] } | { ok: false; message: string };

/** Page → readers worker: compare the zip readers on `file`, `rounds` times each. */
export interface ReadersRequest {
  file: File;
  rounds: number;
}

/** One reader's pass over the zip: listing it, then reading every image entry (CRC-checked). */
export interface ReaderTiming {
  reader: string;
  round: number;
  openMs: number;
  readMs: number;
  images: number;
  bytes: number;
}

/** Readers worker → page. */
export type ReadersResponse = { ok: true; timings: ReaderTiming[] } | { ok: false; message: string };
