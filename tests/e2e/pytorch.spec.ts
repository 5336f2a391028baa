/**
 * "Continue in PyTorch" end to end: export a real run from the app, train it on with
 * `torchrun --nproc_per_node=2` (gloo, CPU) and Debian's python3-torch, then bring the
 * checkpoint and the generator zip back into a fresh page. Skipped, with the reason, only where
 * python3 cannot import torch.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import JSZip from 'jszip';
import { chooseTinySettings, currentStep, loadCartoonFaces, openApp } from './app.ts';

/** Debian's python3 has torch; pyenv's python3 may come first on PATH without it. */
function torchPython(): string | null {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    if (spawnSync(candidate, ['-c', 'import torch, numpy']).status === 0) return candidate;
  }
  return null;
}

test('a run exported to PyTorch trains under torchrun and comes back: checkpoint continues, generator draws', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const python = torchPython();
  // Skipped only off CI: .ci/run installs Debian's python3-torch, so there a missing torch fails.
  if (!process.env['CI']) test.skip(python === null, 'python3 cannot import torch (install Debian’s python3-torch)');
  if (python === null) throw new Error('python3 cannot import torch, but .ci/run installs Debian’s python3-torch');

  await openApp(page, '?backend=wasm');
  await chooseTinySettings(page, 100_000);
  await loadCartoonFaces(page, 200);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Resume', exact: true })).toBeVisible();
  const exportedAt = await currentStep(page);

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Continue in PyTorch (.zip)' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`ganvas-pytorch-step-${exportedAt}.zip`);
  const folder = testInfo.outputPath('pytorch');
  const zip = await JSZip.loadAsync(readFileSync(await download.path()));
  for (const entry of Object.values(zip.files)) {
    if (entry.dir) continue;
    mkdirSync(path.dirname(path.join(folder, entry.name)), { recursive: true });
    writeFileSync(path.join(folder, entry.name), await entry.async('nodebuffer'));
  }

  // torch 1.13's torchrun crashes on Python 3.11 with its default --redirects/--tee, so they are named.
  const torchrun = python === '/usr/bin/python3' ? '/usr/bin/torchrun' : 'torchrun';
  const trained = spawnSync(torchrun, ['--redirects', '1', '--tee', '1', '--nproc_per_node=2', 'train.py', '--steps', '4', '--out', 'run'], {
    cwd: folder,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
    // spawnSync blocks the test's own timeout: a hung process must fail the test, not stall CI.
    timeout: 180_000,
  });
  expect(trained.status, `${trained.stdout}${trained.stderr}${trained.error ? String(trained.error) : ''}`).toBe(0);
  expect(trained.stdout).toContain(`done: step ${exportedAt + 4}`);

  // A fresh page with the same data: "Load checkpoint…" continues at PyTorch's step.
  await page.reload();
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/);
  await chooseTinySettings(page, 100_000);
  await loadCartoonFaces(page, 200);
  await page.getByLabel('Load checkpoint…').setInputFiles(path.join(folder, 'run', 'checkpoint.ganvas'));
  await expect.poll(() => currentStep(page)).toBe(exportedAt + 4);
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBeGreaterThan(exportedAt + 5);
  await page.getByRole('button', { name: 'Pause' }).click();

  // The Generate view takes the generator zip and draws faces for seeds.
  const panel = page.getByRole('region', { name: '4. Generate' });
  await panel.getByLabel('Upload a generator zip').setInputFiles(path.join(folder, 'run', 'generator.zip'));
  await expect(panel.getByTestId('uploaded-summary')).toContainText(`${exportedAt + 4} steps trained`, { timeout: 30_000 });
  await expect(panel.getByLabel('Uploaded generator')).toBeChecked();
  await panel.getByLabel('Seed', { exact: true }).fill('42');
  await panel.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(panel.getByTestId('face-42')).toBeVisible({ timeout: 30_000 });
});
