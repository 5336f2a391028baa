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
import { describeError } from '../protocol/describe-error.ts';

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
async function initialiseWasm(everyCore: boolean): Promise<boolean> {
  const navigator = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const cores = navigator?.hardwareConcurrency ?? 1;
  setThreadsCount(wasmThreadsFor(cores, everyCore));
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
 * wasm threads to use: every core, or all but one so the page keeps a core to itself for
 * drawing (see EVERY_CORE_BY_DEFAULT for which is the default and why). Only takes effect
 * before the wasm backend first initialises.
 */
export function wasmThreadsFor(cores: number, everyCore: boolean): number {
  return Math.max(1, Math.floor(cores) - (everyCore ? 0 : 1));
}

/**
 * Initialises the first backend that works, best first. `preferred`, if given, is tried first
 * and accepted even in software (the user asked for it); the rest must run on real hardware,
 * except wasm and cpu, which always qualify.
 */
export async function initialiseBackend(preferred: BackendName | null, everyCore = false): Promise<BackendChoice> {
  const order = preferred ? [preferred, ...BACKEND_PREFERENCE.filter((b) => b !== preferred)] : [...BACKEND_PREFERENCE];
  return initialiseFirst(order, preferred, [], false, everyCore);
}

async function initialiseFirst(
  order: readonly BackendName[],
  trusted: BackendName | null,
  rejected: BackendRejection[],
  verify = false,
  everyCore = false,
): Promise<BackendChoice> {
  for (const backend of order) {
    try {
      if (backend !== trusted) {
        const problem = await hardwareProblem(backend);
        if (problem) {
          rejected.push({ backend, reason: problem });
          continue;
        }
      }
      const initialised = backend === 'wasm' ? await initialiseWasm(everyCore) : await tf.setBackend(backend);
      if (!initialised) {
        rejected.push({ backend, reason: 'failed to initialise' });
        continue;
      }
      await tf.ready();
      if (verify && !(await computesCorrectly())) {
        rejected.push({ backend, reason: 'computes wrong results' });
        continue;
      }
      return { backend, rejected, wasmThreads: backend === 'wasm' ? getThreadsCount() : null };
    } catch (error) {
      rejected.push({ backend, reason: describeError(error) });
    }
  }
  throw new Error(`No tfjs backend could be initialised: ${rejected.map((r) => `${r.backend}: ${r.reason}`).join('; ')}`);
}

/** A tiny sum read back: a backend on a lost context returns zeros or garbage instead of 3. */
async function computesCorrectly(): Promise<boolean> {
  const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
  try {
    return (await sum.data())[0] === 3 && !watchBackendLoss(tf.getBackend() as BackendName).isLost();
  } finally {
    sum.dispose();
  }
}

/** Tells whether the current backend's GPU context (WebGL) or device (WebGPU) has been lost. */
export interface BackendLossWatch {
  /** True once lost; cheap enough to ask between every two steps. */
  isLost(): boolean;
  /**
   * Resolves when the loss is noticed, so a pending read can give up: on a lost WebGL
   * context tfjs's fence never signals and `await tensor.data()` would wait forever.
   */
  readonly lost: Promise<void>;
  dispose(): void;
}

/** The parts of tfjs's WebGL and WebGPU backends we read; their own types need DOM and WebGPU libs. */
interface WebGlBackendLike {
  gpgpu?: { gl?: WebGLRenderingContext | WebGL2RenderingContext };
}
interface WebGpuBackendLike {
  device?: { lost?: Promise<unknown> };
}

function currentGl(): WebGLRenderingContext | WebGL2RenderingContext | null {
  return (tf.backend() as unknown as WebGlBackendLike).gpgpu?.gl ?? null;
}

/**
 * Watches the current backend (which must be `backend`) for a lost GPU context. A lost WebGL
 * context makes tfjs compute zeros or garbage without any error, so the run must ask before
 * using a step's results: WebGL reports loss through `webglcontextlost` on tfjs's
 * OffscreenCanvas and through `gl.isContextLost()`; WebGPU through `device.lost`. wasm and
 * cpu have nothing to lose.
 */
export function watchBackendLoss(backend: BackendName): BackendLossWatch {
  let lost = false;
  let active = true;
  let resolveLost: () => void = () => undefined;
  const lostPromise = new Promise<void>((resolve) => (resolveLost = resolve));
  const markLost = () => {
    if (!active || lost) return;
    lost = true;
    resolveLost();
  };
  if (backend === 'webgl') {
    const gl = currentGl();
    if (!gl) return neverLost();
    // The WebWorker lib omits `canvas` on contexts; tfjs draws on an OffscreenCanvas here.
    const canvas = (gl as unknown as { canvas?: EventTarget }).canvas ?? new EventTarget();
    canvas.addEventListener('webglcontextlost', markLost);
    // In case the event is not delivered (or is delayed) while a read waits.
    const poll = setInterval(() => {
      if (gl.isContextLost()) markLost();
    }, 250);
    return {
      isLost: () => {
        if (active && !lost && gl.isContextLost()) markLost();
        return lost;
      },
      lost: lostPromise,
      dispose: () => {
        active = false;
        clearInterval(poll);
        canvas.removeEventListener('webglcontextlost', markLost);
      },
    };
  }
  if (backend === 'webgpu') {
    // GPUDevice.lost only ever resolves (with the reason), so there is no rejection to lose.
    void (tf.backend() as unknown as WebGpuBackendLike).device?.lost?.then(markLost);
    return {
      isLost: () => lost,
      lost: lostPromise,
      dispose: () => {
        active = false;
      },
    };
  }
  return neverLost();
}

/** wasm and cpu: nothing to lose. */
function neverLost(): BackendLossWatch {
  return { isLost: () => false, lost: new Promise<void>(() => undefined), dispose: () => undefined };
}

/**
 * After `lost`'s context or device was lost: drops tfjs's cached instance of it (and its
 * compiled programs), then initialises it afresh on a new context, or else the backends after
 * it in the preference list. The lost backend is retried even in software (it was in use),
 * and whichever comes up must compute a sum correctly.
 */
export async function recoverBackend(lost: BackendName): Promise<BackendChoice> {
  const factory = tf.findBackendFactory(lost);
  try {
    tf.removeBackend(lost);
  } catch {
    // Disposing a backend whose context is gone may fail; the instance is dropped either way.
  }
  if (factory) tf.registerBackend(lost, factory);
  const after = BACKEND_PREFERENCE.slice(BACKEND_PREFERENCE.indexOf(lost) + 1);
  return initialiseFirst([lost, ...after], lost, [], true);
}

/**
 * Test and diagnostic hook: makes the browser lose the current GPU context, as a GPU reset or
 * driver crash would: WebGL through its own WEBGL_lose_context extension, WebGPU with
 * `GPUDevice.destroy()` (which resolves `device.lost`). False on other backends or when the
 * extension is missing.
 */
export function loseGpuContext(): boolean {
  if (tf.getBackend() === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: { destroy?: () => void } }).device;
    if (!device?.destroy) return false;
    device.destroy();
    return true;
  }
  if (tf.getBackend() !== 'webgl') return false;
  const extension = currentGl()?.getExtension('WEBGL_lose_context');
  if (!extension) return false;
  extension.loseContext();
  return true;
}
