/**
 * A destroyed WebGPU device mid-run (`GPUDevice.destroy()`, as a GPU reset would): the worker
 * notices through `device.lost`, rebuilds the run from its last checkpoint on a fresh device (or
 * the next backend), says so, and training goes on. WebGPU runs in software (SwiftShader) here,
 * so the run is tiny and forced with ?backend=webgpu.
 */
import { expect, test } from '@playwright/test';
import { chooseTinySettings, currentStep, loadCartoonFaces, openApp } from './app.ts';

test('training survives a destroyed WebGPU device and resumes from the last checkpoint', async ({ page }) => {
  test.setTimeout(300_000);
  await openApp(page, '?backend=webgpu');
  await expect(page.getByTestId('backend-name')).toHaveText('webgpu');
  await chooseTinySettings(page, 400);
  // Software WebGPU is slow: batch 2 and a checkpoint every 2 steps keep the test short.
  for (const [label, position] of [['Batch size', 1], ['Preview every', 1]] as const) {
    const slider = page.getByLabel(label, { exact: true });
    await slider.focus();
    await slider.press('Home');
    for (let i = 0; i < position; i++) await slider.press('ArrowRight');
  }
  await loadCartoonFaces(page, 200);
  await page.getByRole('button', { name: 'Start training' }).click();
  // Past step 2, so the checkpoint taken at step 2 exists.
  await expect.poll(() => currentStep(page), { timeout: 200_000 }).toBeGreaterThanOrEqual(3);

  const worker = page.workers().find((w) => w.url().includes('training.worker'));
  if (!worker) throw new Error('no training worker');
  const stepAtLoss = await currentStep(page);
  expect(await worker.evaluate(() => (self as unknown as { ganvasDebug: { loseGpuContext(): boolean } }).ganvasDebug.loseGpuContext())).toBe(true);

  const notice = page.getByRole('alert');
  await expect(notice).toContainText(/The GPU context was lost at step \d+; training resumed from step \d+ on (webgpu|webgl|wasm)\./, { timeout: 60_000 });
  const [, lostAt, resumedAt, resumedOn] = /lost at step (\d+); training resumed from step (\d+) on (\w+)/.exec((await notice.textContent()) ?? '') ?? [];
  expect(Number(lostAt)).toBeGreaterThanOrEqual(stepAtLoss);
  expect(Number(resumedAt)).toBeLessThanOrEqual(Number(lostAt));
  expect(Number(resumedAt) % 2).toBe(0);
  await expect.poll(() => currentStep(page), { timeout: 120_000 }).toBeGreaterThan(Number(resumedAt) + 1);
  await expect(page.getByTestId('backend-name')).toHaveText(resumedOn ?? 'unknown');
});
