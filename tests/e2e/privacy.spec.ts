/**
 * The promise: nothing a user drops leaves the machine. A whole session (load, cartoon faces, a
 * dropped zip, training, the generator download) asks only its own origin, blob: and data: URLs,
 * under a Content-Security-Policy that forbids anything else and is never violated; and once
 * loaded, the app trains offline.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { buildZip } from '../unit/data/zip/zip-fixtures.ts';
import { chooseTinySettings, currentStep, loadCartoonFaces, openApp } from './app.ts';
import { flatPng } from './fixtures/png.ts';

declare global {
  interface Window {
    cspViolations?: string[];
  }
}

const folder = mkdtempSync(path.join(tmpdir(), 'ganvas-privacy-'));

/**
 * Watches a page, its workers (nested ones too) and the context: every URL asked for, every
 * CSP violation event and every console message about the policy.
 */
function watch(page: Page, context: BrowserContext) {
  const urls = new Set<string>();
  const policyMessages: string[] = [];
  const workers: Worker[] = [];
  const onConsole = (text: string) => {
    if (/content security policy|refused to/i.test(text)) policyMessages.push(text);
  };
  const onWorker = (worker: Worker) => {
    workers.push(worker);
    urls.add(worker.url());
    worker.on('console', (message) => onConsole(message.text()));
    // Violations inside a worker fire on its global scope, not the page's document.
    worker
      .evaluate(() => {
        const scope = self as unknown as { cspViolations?: string[] } & typeof globalThis;
        scope.cspViolations = [];
        self.addEventListener('securitypolicyviolation', (event) => {
          const e = event as SecurityPolicyViolationEvent;
          scope.cspViolations?.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'}`);
        });
      })
      .catch(() => undefined); // a short-lived worker may be gone already
  };
  page.on('request', (request) => urls.add(request.url()));
  context.on('request', (request) => urls.add(request.url()));
  page.on('worker', onWorker);
  context.on('serviceworker', (worker) => urls.add(worker.url()));
  page.on('console', (message) => onConsole(message.text()));
  page.on('pageerror', (error) => onConsole(error.message));
  return {
    urls,
    policyMessages,
    async violations(): Promise<string[]> {
      const found = [...(await page.evaluate(() => window.cspViolations ?? []))];
      for (const worker of workers) {
        // tfjs-backend-wasm's thread-pool workers sleep in Atomics.wait between kernels and never
        // answer; they run only wasm kernels (no fetches, no script loads), so they are skipped
        // after a moment rather than waited for.
        const inWorker = await Promise.race([
          worker.evaluate(() => (self as unknown as { cspViolations?: string[] }).cspViolations ?? []).catch(() => [] as string[]),
          new Promise<string[]>((resolve) => setTimeout(() => resolve([]), 3000)),
        ]);
        found.push(...inWorker);
      }
      return found;
    },
  };
}

async function recordPageViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations?.push(`${event.effectiveDirective} blocked ${event.blockedURI || '(inline)'} at ${event.sourceFile}:${event.lineNumber}`);
    });
  });
}

function isLocal(url: string, origin: string): boolean {
  return url.startsWith('blob:') || url.startsWith('data:') || new URL(url).origin === origin;
}

test.describe('privacy', () => {
  test('a whole session asks only its own origin, under a CSP it never violates', async ({ page, context, baseURL }) => {
    const origin = new URL(baseURL ?? '').origin;
    const refused: string[] = [];
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (isLocal(url, origin)) await route.continue();
      else {
        refused.push(url);
        await route.abort('blockedbyclient');
      }
    });
    await recordPageViolations(page);
    const watcher = watch(page, context);

    const response = await page.goto('/');
    const csp = (await response?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp).not.toContain('*');
    // The built page carries the policy too (static hosts), ahead of every script.
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toContain("default-src 'self'");
    await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/);

    await chooseTinySettings(page, 6);
    await loadCartoonFaces(page, 200);

    const zip = path.join(folder, 'faces.zip');
    writeFileSync(
      zip,
      buildZip([
        { name: 'faces/a.png', data: flatPng(24, 24, [200, 120, 90]) },
        { name: 'faces/b.png', data: flatPng(24, 24, [40, 80, 160]) },
        { name: 'faces/c.png', data: flatPng(24, 24, [90, 90, 90]) },
      ]),
    );
    await page.getByLabel('Choose a zip of face images').setInputFiles(zip);
    await expect(page.getByTestId('dataset-report')).toContainText('Loaded 3 images', { timeout: 30_000 });

    await page.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBe(6);
    await expect(page.getByRole('button', { name: 'Start a new run' })).toBeVisible();

    const downloadPromise = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download generator (.zip)' }).click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toMatch(/\.zip$/);
    expect(download.url()).toMatch(/^blob:/);

    const urls = [...watcher.urls];
    console.log(`privacy: ${urls.length} distinct URLs asked for:\n  ${urls.join('\n  ')}`);
    expect(urls.length).toBeGreaterThan(3);
    expect(urls.filter((url) => !isLocal(url, origin))).toEqual([]);
    expect(refused).toEqual([]);
    expect(await watcher.violations()).toEqual([]);
    expect(watcher.policyMessages).toEqual([]);
  });

  test('works offline once loaded: cartoon faces and a short run with the network gone', async ({ page, context }) => {
    await recordPageViolations(page);
    const watcher = watch(page, context);
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(`${request.url()} (${request.failure()?.errorText ?? '?'})`));
    await openApp(page);
    await chooseTinySettings(page, 6);

    await context.setOffline(true);
    await loadCartoonFaces(page, 200);
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBe(6);
    await expect(page.getByRole('img', { name: /Preview grid at step \d+/ })).toBeVisible();
    // A zip dropped offline: its decode workers must not need the network either.
    const zip = path.join(folder, 'offline.zip');
    writeFileSync(zip, buildZip([{ name: 'a.png', data: flatPng(20, 20, [10, 200, 30]) }]));
    await page.getByLabel('Choose a zip of face images').setInputFiles(zip);
    await expect(page.getByTestId('dataset-report')).toContainText('Loaded 1 image', { timeout: 30_000 });
    await context.setOffline(false);

    // Nothing was fetched lazily after loading (it would have failed offline).
    expect(failed).toEqual([]);
    expect(await watcher.violations()).toEqual([]);
    expect(watcher.policyMessages).toEqual([]);
  });
});
