/**
 * The page's one connection to the training worker (the only `new Worker` in the app).
 * It owns the worker's lifetime and turns its messages into React state.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { TrainConfig } from '../protocol/config.ts';
import { assertNever, isBackendName, type BackendName, type BackendRejection, type FromWorker, type ToWorker } from '../protocol/messages.ts';

export interface GridFrame {
  step: number;
  width: number;
  height: number;
  pixels: Uint8ClampedArray<ArrayBuffer>;
}

export interface TrainerState {
  /** null until the worker has initialised tfjs. */
  backend: BackendName | null;
  rejected: BackendRejection[];
  crossOriginIsolated: boolean;
  grid: GridFrame | null;
  /** True while the worker is rendering a preview. */
  busy: boolean;
  error: string | null;
}

const INITIAL_STATE: TrainerState = { backend: null, rejected: [], crossOriginIsolated: false, grid: null, busy: true, error: null };

/** `?backend=wasm` (or webgpu, webgl, cpu) forces a backend; anything else means automatic. */
function preferredBackendFromUrl(): BackendName | null {
  const requested = new URLSearchParams(window.location.search).get('backend');
  return requested && isBackendName(requested) ? requested : null;
}

export function useTrainer(): { state: TrainerState; requestPreview: (config: TrainConfig) => void } {
  const [state, setState] = useState<TrainerState>(INITIAL_STATE);
  const workerRef = useRef<Worker | null>(null);

  useEffect(() => {
    const worker = new Worker(new URL('../worker/training.worker.ts', import.meta.url), { type: 'module', name: 'ganvas-trainer' });
    workerRef.current = worker;
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      switch (message.type) {
        case 'ready':
          setState((s) => ({ ...s, backend: message.backend, rejected: message.rejected, crossOriginIsolated: message.crossOriginIsolated }));
          return;
        case 'grid':
          setState((s) => ({
            ...s,
            busy: false,
            error: null,
            grid: { step: message.step, width: message.width, height: message.height, pixels: new Uint8ClampedArray(message.pixels) },
          }));
          return;
        case 'error':
          setState((s) => ({ ...s, busy: false, error: message.message }));
          return;
        default:
          assertNever(message);
      }
    };
    worker.onerror = (event) => {
      setState((s) => ({ ...s, busy: false, error: `The training worker failed: ${event.message || 'unknown error'}. Reload the page to start it again.` }));
    };
    const init: ToWorker = { type: 'init', preferred: preferredBackendFromUrl() };
    worker.postMessage(init);
    return () => {
      worker.terminate();
      workerRef.current = null;
    };
  }, []);

  const requestPreview = useCallback((config: TrainConfig) => {
    const message: ToWorker = { type: 'preview', config };
    setState((s) => ({ ...s, busy: true }));
    workerRef.current?.postMessage(message);
  }, []);

  return { state, requestPreview };
}
