/**
 * The typed protocol between the page and the training worker. Every message is a tagged
 * union member; both sides switch on `type` exhaustively (see assertNever).
 */
import type { TrainConfig } from './config.ts';

/** tfjs backends in the order the worker tries them when the user has no preference. */
export const BACKEND_PREFERENCE = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_PREFERENCE as readonly string[]).includes(value);
}

/** Why a backend was passed over, shown to the user ("webgl: software renderer (SwiftShader)"). */
export interface BackendRejection {
  backend: BackendName;
  reason: string;
}

export type ToWorker =
  /** Initialise tfjs; `preferred` forces one backend (still falling back if it fails). */
  | { type: 'init'; preferred: BackendName | null }
  /** Build an untrained generator for `config` and send its fixed-seed grid. */
  | { type: 'preview'; config: TrainConfig };

export type FromWorker =
  | { type: 'ready'; backend: BackendName; rejected: BackendRejection[]; crossOriginIsolated: boolean }
  /** RGBA pixels of the preview grid; `pixels` is transferred, not copied. */
  | { type: 'grid'; step: number; width: number; height: number; pixels: ArrayBuffer }
  | { type: 'error'; message: string; recoverable: boolean };

/** Compile-time exhaustiveness check for switches over message types. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected message: ${JSON.stringify(value)}`);
}
