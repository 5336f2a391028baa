/**
 * A lost WebGL context mid-run: the worker notices, rebuilds the run from its last checkpoint
 * on a fresh context (or the next backend), says so, and training goes on. WebGL runs in
 * software (SwiftShader) here, so the run is tiny.
 */
import { expect, test } from '@playwright/test';
import { chooseTinySettings, currentStep, loadCartoonFaces, openApp } from './app.ts';

test('training survives a lost WebGL context and resumes from the last checkpoint', async ({ page }) => {
  test.setTimeout(170_000);
  await openApp(page, '?backend=webgl');
  await expect(page.getByTestId('backend-name')).toHaveText('webgl');
  await chooseTinySettings(page, 400);
  await loadCartoonFaces(page, 200);
  await page.getByRole('button', { name: 'Start training' }).click();
  // Past step 5, so the checkpoint taken at step 5 exists.
  await expect.poll(() => currentStep(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(6);

  const worker = page.workers().find((w) => w.url().includes('training.worker'));
  if (!worker) throw new Error(`no training worker among ${page.workers().map((w) => w.url()).join(', ')}`);
  const stepAtLoss = await currentStep(page);
  const lost = await worker.evaluate(() => (self as unknown as { ganvasDebug: { loseGpuContext(): boolean } }).ganvasDebug.loseGpuContext());
  expect(lost).toBe(true);

  const notice = page.getByRole('alert');
  await expect(notice).toContainText(/The GPU context was lost at step \d+; training resumed from step \d+ on (webgl|wasm)\./);
  const [, lostAt, resumedAt, resumedOn] = /lost at step (\d+); training resumed from step (\d+) on (\w+)/.exec((await notice.textContent()) ?? '') ?? [];
  expect(Number(lostAt)).toBeGreaterThanOrEqual(stepAtLoss);
  expect(Number(resumedAt)).toBeLessThanOrEqual(Number(lostAt));
  expect(Number(resumedAt) % 5).toBe(0);
  // Training makes progress again from the checkpoint.
  await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBeGreaterThan(Number(resumedAt) + 1);
  // Here (SwiftShader) a fresh WebGL context comes up; where it cannot, the next backend does.
  await expect(page.getByTestId('backend-name')).toHaveText(resumedOn ?? 'unknown');
});
