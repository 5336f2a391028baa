/**
 * A run saved while training on a zip resumes after a reload without the zip: the decoded set
 * is still in the dataset cache, and the worker finds it by the identity the checkpoint holds.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { chooseTinySettings, currentStep, openApp } from './app.ts';
import { encodePng } from './fixtures/png.ts';
import { buildZip, noise } from '../unit/data/zip/zip-fixtures.ts';

/** A zip of `count` 24 px noise PNGs, written to a temporary file. */
function noiseZip(name: string, count: number): string {
  const entries = Array.from({ length: count }, (_, i) => ({ name: `faces/${i}.png`, data: encodePng(24, 24, 3, noise(24 * 24 * 3, i + 1)) }));
  const file = join(mkdtempSync(join(tmpdir(), 'ganvas-resume-')), name);
  writeFileSync(file, buildZip(entries));
  return file;
}

test('a run on a cached zip resumes after a reload without the zip', async ({ page }) => {
  await openApp(page);
  await chooseTinySettings(page, 100_000);
  await page.getByLabel('Choose a zip of face images').setInputFiles(noiseZip('noise-faces.zip', 24));
  await expect(page.getByTestId('dataset-report')).toContainText('Loaded 24 images', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(7);
  await expect(page.getByTestId('checkpoint-status')).toHaveText(/^Saved at step \d+$/);

  await page.reload();
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/);
  const banner = page.getByRole('region', { name: 'Saved run' });
  await expect(banner).toContainText(/Resume training at step [\d,]+ on noise-faces\.zip/);
  const offered = Number(/step ([\d,]+)/.exec((await banner.textContent()) ?? '')?.[1]?.replaceAll(',', ''));
  expect(offered).toBeGreaterThanOrEqual(5);

  await banner.getByRole('button', { name: 'Resume' }).click();
  await expect(banner).toBeHidden({ timeout: 60_000 });
  const report = page.getByTestId('dataset-report');
  await expect(report).toContainText('Loaded 24 images');
  await expect(page.getByRole('img', { name: '28 random training images from noise-faces.zip' })).toBeVisible();
  // The run carries on from the offered step by itself.
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible({ timeout: 60_000 });
  await expect.poll(() => currentStep(page), { timeout: 30_000 }).toBeGreaterThan(offered + 1);
});
