import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

/**
 * Cross-origin isolation lets the wasm backend use its threaded SIMD build (SharedArrayBuffer).
 * A static host must send the same two headers; see the README.
 */
const CROSS_ORIGIN_ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Content-Security-Policy of the production build: the app's own origin only, plus what the
 * wasm backend needs ('wasm-unsafe-eval' to compile the binaries; blob: for the pthread workers
 * tfjs-backend-wasm starts from a blob: URL and the `importScripts(blob:)` they run) and the page's
 * SVG→canvas cartoon rasteriser (blob: images). Nothing may be fetched from, or sent to, elsewhere.
 * Sent as a header by `vite preview` and as a <meta> in the built index.html (for static hosts;
 * a meta cannot carry frame-ancestors). The dev server has none: its HMR injects inline scripts.
 */
const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "img-src 'self' blob:",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
];
const CONTENT_SECURITY_POLICY = [...CSP_DIRECTIVES, "frame-ancestors 'none'"].join('; ');

/** Puts the policy (less frame-ancestors, which a meta cannot set) first in the built page's head. */
function cspMeta(): Plugin {
  return {
    name: 'ganvas-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_DIRECTIVES.join('; ') }, injectTo: 'head-prepend' },
    ],
  };
}

export default defineConfig({
  plugins: [react(), cspMeta()],
  server: { headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  preview: { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS, 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
  worker: { format: 'es' },
  // Pre-bundle tfjs up front: discovering it on first load would make Vite reload the page.
  optimizeDeps: {
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs/dist/index.js', '@tensorflow/tfjs-backend-wasm/dist/index.js', '@vladmandic/face-api/dist/face-api.esm-nobundle.js', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm', 'react', 'react-dom/client', 'facesjs', 'recharts', 'jszip', 'mediabunny'],
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
