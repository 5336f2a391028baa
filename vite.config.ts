import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Cross-origin isolation lets the wasm backend use its threaded SIMD build (SharedArrayBuffer).
 * A static host must send the same two headers; see the README.
 */
const CROSS_ORIGIN_ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  preview: { headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  worker: { format: 'es' },
  // Pre-bundle tfjs up front: discovering it on first load would make Vite reload the page.
  optimizeDeps: {
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm', 'react', 'react-dom/client', 'facesjs', 'recharts', 'jszip'],
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // tfjs-backend-wasm starts its pthread workers from the *source text* of its Emscripten
    // factory (Function.prototype.toString); minifying that function makes it refer to names
    // that only exist in the bundle ("e is not defined" in every wasm thread). Gzip still
    // shrinks the unminified code well.
    minify: false,
  },
});
