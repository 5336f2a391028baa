/**
 * Browser storage refused: Chromium's own quota for the origin is cut to a few kilobytes
 * (DevTools protocol `Storage.overrideQuotaForOrigin`, what a full disk looks like to a page).
 * Training carries on, the page warns, and the checkpoint is offered as a download instead.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { chooseTinySettings, currentStep, loadCartoonFaces, openApp } from './app.ts';

test('with storage refused, training continues, the page warns and offers the checkpoint as a download', async ({ page, baseURL }) => {
  test.setTimeout(170_000);
  await openApp(page, '?backend=wasm');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL ?? '').origin, quotaSize: 4096 });
  // (navigator.storage.estimate() still reports the usual quota; writes are what fail.)

  await chooseTinySettings(page, 5000);
  await loadCartoonFaces(page, 200);
  await page.getByRole('button', { name: 'Start training' }).click();

  const warning = page.getByTestId('checkpoint-warning');
  await expect(warning).toContainText('Not enough browser storage to save a checkpoint', { timeout: 90_000 });
  const stepAtWarning = await currentStep(page);
  await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBeGreaterThan(stepAtWarning + 5);

  const pending = page.waitForEvent('download');
  await warning.getByRole('button', { name: 'Download checkpoint' }).click();
  const file = await pending;
  expect(file.suggestedFilename()).toMatch(/^ganvas-step-\d+\.ganvas$/);
  const bytes = readFileSync(await file.path());
  expect(bytes.subarray(0, 8).toString('latin1')).toBe('GANVASCK');
  await expect(page.getByRole('alert')).toHaveCount(0);
});
