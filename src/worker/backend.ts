/**
 * Choosing the tfjs backend: the best one that initialises and runs on real hardware.
 * WebGPU and WebGL in software (SwiftShader, llvmpipe) are 15–50× slower than wasm on a CPU,
 * so a software adapter or renderer is passed over with the reason, unless the user forced it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { BACKEND_PREFERENCE, type BackendName, type BackendRejection } from '../protocol/messages.ts';
import { registerCpuResizeNearestNeighborGradFix, registerWasmTrainingKernels } from './wasm-kernels.ts';

// The wasm binaries ship with the app (Vite copies them to assets/); nothing comes from a CDN.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

// wasm 4.22 cannot train conv nets without these; cpu's UpSampling2D gradient is wrong for batch > 1.
registerWasmTrainingKernels();
registerCpuResizeNearestNeighborGradFix();

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** The parts of the WebGPU API we read; typed locally since the WebWorker lib lacks WebGPU. */
interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

/** Why WebGPU would be a poor choice here, or null if it looks like real hardware. */
async function webgpuProblem(): Promise<string | null> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return 'not available in this browser';
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return 'no WebGPU adapter';
  const info = adapter.info ?? {};
  const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  if (adapter.isFallbackAdapter || info.isFallbackAdapter || SOFTWARE_RENDERER.test(description)) {
    return `software adapter (${description || 'fallback'})`;
  }
  return null;
}

/** Why WebGL would be a poor choice here, or null if it looks like real hardware. */
function webglProblem(): string | null {
  if (typeof OffscreenCanvas === 'undefined') return 'OffscreenCanvas is not available in workers here';
  const canvas = new OffscreenCanvas(1, 1);
  // Without the caveat flag the browser may hand out a software context; with it, it refuses one.
  const probe = canvas.getContext('webgl2');
  if (!probe) return 'WebGL 2 is not available';
  const debugInfo = probe.getExtension('WEBGL_debug_renderer_info');
  const renderer = debugInfo ? String(probe.getParameter(debugInfo.UNMASKED_RENDERER_WEBGL)) : '';
  probe.getExtension('WEBGL_lose_context')?.loseContext();
  if (SOFTWARE_RENDERER.test(renderer)) return `software renderer (${renderer})`;
  const strict = new OffscreenCanvas(1, 1).getContext('webgl2', { failIfMajorPerformanceCaveat: true });
  if (!strict) return 'software rendering (major performance caveat)';
  strict.getExtension('WEBGL_lose_context')?.loseContext();
  return null;
}

async function hardwareProblem(backend: BackendName): Promise<string | null> {
  switch (backend) {
    case 'webgpu':
      return webgpuProblem();
    case 'webgl':
      return webglProblem();
    case 'wasm':
    case 'cpu':
      return null;
  }
}

/**
 * Initialises wasm with wasmThreadsFor(cores) threads. tfjs-backend-wasm 4.22 also caps its
 * thread pool at hardwareConcurrency / 2 (read once, as the module starts, assuming two
 * hyperthreads per core), which would leave an 8-core machine 4 threads; so the worker reports
 * twice its cores while the backend starts, then reverts.
 */
async function initialiseWasm(): Promise<boolean> {
  const navigator = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const cores = navigator?.hardwareConcurrency ?? 1;
  setThreadsCount(wasmThreadsFor(cores));
  if (navigator) Object.defineProperty(navigator, 'hardwareConcurrency', { configurable: true, get: () => cores * 2 });
  try {
    return await tf.setBackend('wasm');
  } finally {
    if (navigator) Reflect.deleteProperty(navigator, 'hardwareConcurrency');
  }
}

export interface BackendChoice {
  backend: BackendName;
  rejected: BackendRejection[];
  /** Threads of the wasm backend (1 without cross-origin isolation), null for other backends. */
  wasmThreads: number | null;
}

/**
 * wasm threads to use: all cores but one, so the page keeps a core for drawing charts and
 * grids (on a 2-core machine two training threads made the page stutter with 100–300 ms
 * tasks). Only takes effect before the wasm backend first initialises.
 */
export function wasmThreadsFor(cores: number): number {
  return Math.max(1, Math.floor(cores) - 1);
}

/**
 * Initialises the first backend that works, best first. `preferred`, if given, is tried first
 * and accepted even in software (the user asked for it); the rest must run on real hardware,
 * except wasm and cpu, which always qualify.
 */
export async function initialiseBackend(preferred: BackendName | null): Promise<BackendChoice> {
  const order = preferred ? [preferred, ...BACKEND_PREFERENCE.filter((b) => b !== preferred)] : [...BACKEND_PREFERENCE];
  const rejected: BackendRejection[] = [];
  for (const backend of order) {
    try {
      if (backend !== preferred) {
        const problem = await hardwareProblem(backend);
        if (problem) {
          rejected.push({ backend, reason: problem });
          continue;
        }
      }
      const initialised = backend === 'wasm' ? await initialiseWasm() : await tf.setBackend(backend);
      if (!initialised) {
        rejected.push({ backend, reason: 'failed to initialise' });
        continue;
      }
      await tf.ready();
      return { backend, rejected, wasmThreads: backend === 'wasm' ? getThreadsCount() : null };
    } catch (error) {
      rejected.push({ backend, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(`No tfjs backend could be initialised: ${rejected.map((r) => `${r.backend}: ${r.reason}`).join('; ')}`);
}
