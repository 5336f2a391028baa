/**
 * The app must be cross-origin isolated, in the page and in its module worker, under both
 * servers the README names: `vite` (dev, the config's webServer) and `vite preview` (the
 * production build). Without isolation there is no SharedArrayBuffer, and the wasm backend
 * silently falls back to its single-threaded build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { build, preview, type PreviewServer } from 'vite';
import { freePort } from './net.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Isolation {
  crossOriginIsolated: boolean;
  sharedArrayBuffer: string;
}

const ISOLATED: Isolation = { crossOriginIsolated: true, sharedArrayBuffer: 'function' };

/** Loads `url` and reads the isolation state in the page and in the app's training worker. */
async function isolationOf(page: Page, url: string): Promise<{ page: Isolation; worker: Isolation }> {
  // The app starts its module worker on load; Playwright can evaluate inside it.
  const workerStarted = page.waitForEvent('worker', { predicate: (w) => /training\.worker/.test(w.url()), timeout: 60_000 });
  await page.goto(url);
  const worker = await workerStarted;
  const probe = (): Isolation => ({ crossOriginIsolated: globalThis.crossOriginIsolated, sharedArrayBuffer: typeof SharedArrayBuffer });
  return { page: await page.evaluate(probe), worker: await worker.evaluate(probe) };
}

test.describe('cross-origin isolation', () => {
  test('vite dev server: page and module worker', async ({ page, baseURL }) => {
    const state = await isolationOf(page, `${baseURL ?? ''}/`);
    expect(state).toEqual({ page: ISOLATED, worker: ISOLATED });
  });

  test('vite preview of the production build: page and module worker', async ({ page }) => {
    // The build takes about 3 s here (12 s for both tests); it goes to a temporary folder so dist/ is untouched.
    test.setTimeout(150_000);
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'ganvas-isolation-'));
    let server: PreviewServer | null = null;
    try {
      const configFile = path.join(ROOT, 'vite.config.ts');
      await build({ configFile, root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
      const port = await freePort();
      server = await preview({ configFile, root: ROOT, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port, strictPort: true } });
      const state = await isolationOf(page, `http://127.0.0.1:${port}/`);
      expect(state).toEqual({ page: ISOLATED, worker: ISOLATED });
    } finally {
      await server?.close();
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
