/**
 * Unit tests run real tfjs in Node (no mocks): the deterministic `cpu` backend for exact
 * checks, and the `wasm` backend (with our training kernels) where speed matters.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerCpuResizeNearestNeighborGradFix, registerWasmTrainingKernels } from '../../src/worker/wasm-kernels.ts';

export async function useCpuBackend(): Promise<void> {
  registerCpuResizeNearestNeighborGradFix();
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Single-threaded wasm (Node has no cross-origin isolation), binaries from node_modules. */
export async function useWasmBackend(): Promise<void> {
  const require = createRequire(import.meta.url);
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
}
