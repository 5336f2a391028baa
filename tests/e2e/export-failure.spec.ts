/**
 * An export that fails (forced through the worker's fault-injection hook, as a real failure
 * such as running out of memory would) settles its request: the button stops being busy and the
 * page shows the worker's sentence; the next try downloads.
 */
import { expect, test } from '@playwright/test';
import { chooseTinySettings, currentStep, loadCartoonFaces, openApp } from './app.ts';

test('a failing "Download generator" shows why and can be tried again', async ({ page }) => {
  test.setTimeout(170_000);
  await openApp(page, '?backend=wasm');
  await chooseTinySettings(page, 5000);
  await loadCartoonFaces(page, 200);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect.poll(() => currentStep(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Resume', exact: true })).toBeVisible();

  const worker = page.workers().find((w) => w.url().includes('training.worker'));
  if (!worker) throw new Error('no training worker');
  await worker.evaluate(() =>
    (self as unknown as { ganvasDebug: { failNextRequest(type: string, reason: string): void } }).ganvasDebug.failNextRequest('export-generator', 'the device ran out of memory'),
  );

  const button = page.getByRole('button', { name: 'Download generator (.zip)' });
  await button.click();
  await expect(page.getByTestId('download-error')).toHaveText('Could not prepare the generator: the device ran out of memory. Try again; if it keeps failing, reload the page.');
  await expect(button).toBeEnabled();

  const download = page.waitForEvent('download');
  await button.click();
  expect((await download).suggestedFilename()).toMatch(/^ganvas-generator-step-\d+\.zip$/);
  await expect(page.getByTestId('download-error')).toHaveCount(0);
});
