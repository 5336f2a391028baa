/**
 * A diverging run: a learning rate no control allows (1e30, set through the worker's
 * fault-injection hook) makes real training produce NaN; the run pauses, rolls back to its last
 * good checkpoint and says what to try. With a sane rate it then trains on.
 */
import { expect, test } from '@playwright/test';
import { chooseTinySettings, currentStep, loadCartoonFaces, openApp } from './app.ts';

test('a run that goes NaN pauses, rolls back to the last checkpoint and says to lower the learning rate', async ({ page }) => {
  test.setTimeout(170_000);
  await openApp(page, '?backend=wasm');
  await chooseTinySettings(page, 5000);
  await loadCartoonFaces(page, 200);
  await page.getByRole('button', { name: 'Start training' }).click();
  // Past step 5, so the checkpoint taken at step 5 exists.
  await expect.poll(() => currentStep(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(7);

  const worker = page.workers().find((w) => w.url().includes('training.worker'));
  if (!worker) throw new Error('no training worker');
  const forced = await worker.evaluate(() => (self as unknown as { ganvasDebug: { forceLearningRates(rate: number): boolean } }).ganvasDebug.forceLearningRates(1e30));
  expect(forced).toBe(true);

  const alert = page.getByRole('alert').filter({ hasText: 'diverged' });
  await expect(alert).toContainText(/Training diverged at step \d+ \((the loss became (NaN|infinite)|a weight became NaN or infinite)\); rolled back to step \d+\. Try a lower learning rate\./, {
    timeout: 60_000,
  });
  const [, divergedAt, rolledBackTo] = /diverged at step (\d+).*rolled back to step (\d+)/.exec((await alert.textContent()) ?? '') ?? [];
  expect(Number(rolledBackTo) % 5).toBe(0); // a checkpoint step (preview every 5)
  expect(Number(rolledBackTo)).toBeLessThan(Number(divergedAt));
  // Paused at the checkpoint, not training through the NaNs.
  await expect(page.getByRole('button', { name: 'Resume', exact: true })).toBeVisible();
  await expect.poll(() => currentStep(page)).toBe(Number(rolledBackTo));

  // The settings panel shows the rates in force, flagged as out of range.
  await expect(page.getByRole('listitem').filter({ hasText: /^Generator learning rate: enter a number from 1e-7 to 1 \(.+ is too large\)$/ })).toBeVisible();
  await page.getByRole('button', { name: 'Dismiss' }).click();
  for (const label of ['Generator learning rate', 'Discriminator learning rate']) {
    const slider = page.getByLabel(label, { exact: true });
    await slider.focus();
    await slider.press('Home'); // 1e-6, then up the ladder (1, 1.5, 2, 3, 5, 7 per decade) to 1e-4
    for (let i = 0; i < 12; i++) await slider.press('ArrowRight');
  }
  await expect(page.getByText(/learning rate: enter a number/)).toHaveCount(0);
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBeGreaterThan(Number(rolledBackTo) + 5);
  await expect(page.getByRole('alert')).toHaveCount(0);
});
