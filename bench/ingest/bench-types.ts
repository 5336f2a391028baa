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
