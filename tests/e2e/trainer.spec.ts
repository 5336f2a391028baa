import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect, test } from '@playwright/test';
import JSZip from 'jszip';
import { composeGrid, imagesToBytes } from '../../src/gan/grid.ts';
import { deriveSeed } from '../../src/gan/random.ts';
import type { RunSummary } from '../../src/protocol/messages.ts';
import { buildZip } from '../unit/data/zip/zip-fixtures.ts';
import { useWasmBackend } from '../unit/backends.ts';
import { chooseTinySettings, currentStep, gridPixels, loadCartoonFaces, openApp } from './app.ts';
import { encodePng } from './fixtures/png.ts';

declare global {
  interface Window {
    longTasks?: number[];
  }
}

test.describe('the in-tab trainer', () => {
  test('start, watch charts and grids, pause, step once, resume, stop; no long tasks on the page', async ({ page }, testInfo) => {
    // Record every main-thread task over 50 ms from the first moment (the browser's long-task threshold).
    await page.addInitScript(() => {
      window.longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.longTasks?.push(entry.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await openApp(page);
    await chooseTinySettings(page, 100_000);
    await loadCartoonFaces(page, 200);
    await page.evaluate(() => (window.longTasks = []));

    await page.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(12);
    // Charts have lines; at least two training grids arrived, with rising step labels.
    await expect(page.locator('.charts .recharts-line-curve').first()).toBeVisible();
    await expect(page.getByRole('img', { name: /Preview grid at step (1[0-9]|[2-9][0-9]|\d{3,})/ })).toBeVisible({ timeout: 30_000 });
    await page.screenshot({ path: testInfo.outputPath('training.png'), fullPage: true });

    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible();
    const pausedAt = await currentStep(page);
    await page.waitForTimeout(1500);
    expect(await currentStep(page)).toBe(pausedAt);

    await page.getByRole('button', { name: 'Step once' }).click();
    await expect.poll(() => currentStep(page)).toBe(pausedAt + 1);
    await page.waitForTimeout(1000);
    expect(await currentStep(page)).toBe(pausedAt + 1);

    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => currentStep(page), { timeout: 30_000 }).toBeGreaterThan(pausedAt + 5);

    const longTasks = await page.evaluate(() => window.longTasks ?? []);
    testInfo.annotations.push({
      type: 'long tasks while training',
      description: `${longTasks.length} over 50 ms; longest ${Math.max(0, ...longTasks).toFixed(0)} ms`,
    });
    console.log(`long tasks while training: ${longTasks.length} over 50 ms, longest ${Math.max(0, ...longTasks).toFixed(0)} ms`);
    // On 2 cores with every core training, the OS sometimes holds the page's thread back for a
    // while, which the browser counts into a long task. The bound is therefore a budget: nothing
    // near a visible freeze (250 ms) and few tasks over 100 ms, even with these tiny settings
    // (a grid every 5 steps, several a second). The release before this one measured 12 tasks
    // over 100 ms, the longest 203 ms, on this machine (2026-12-05), and would fail it.
    expect(longTasks.filter((ms) => ms > 250)).toEqual([]);
    expect(longTasks.filter((ms) => ms > 100).length).toBeLessThanOrEqual(5);

    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(page.getByRole('button', { name: 'Start a new run' })).toBeVisible();
    const stoppedAt = await currentStep(page);
    await page.waitForTimeout(1000);
    expect(await currentStep(page)).toBe(stoppedAt);
  });

  test('a learning rate changed mid-run applies without a restart', async ({ page }) => {
    await openApp(page);
    await chooseTinySettings(page, 100_000);
    await loadCartoonFaces(page, 200);
    await page.getByRole('button', { name: 'Start training' }).click();
    const inForce = page.getByTestId('live-settings');
    await expect(inForce).toContainText('generator learning rate 1.5e-4,', { timeout: 60_000 });
    const slider = page.getByLabel('Generator learning rate', { exact: true });
    await slider.focus();
    await slider.press('ArrowRight'); // the next rung of the ladder: 2e-4
    await expect(inForce).toContainText('generator learning rate 2e-4,', { timeout: 30_000 });
    // Same run: the step counter kept going rather than restarting.
    expect(await currentStep(page)).toBeGreaterThan(0);
    await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
    // Locked fields say why.
    await expect(page.getByLabel('Batch size', { exact: true })).toBeDisabled();
  });

  test('the downloaded generator reproduces the last grid in Node', async ({ page }) => {
    await openApp(page);
    await chooseTinySettings(page, 12);
    await loadCartoonFaces(page, 200);
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect(page.getByRole('img', { name: 'Preview grid at step 12' })).toBeVisible({ timeout: 60_000 });
    const grid = gridPixels(page, 'Preview grid at step 12');
    const shown = await grid.evaluate((element) => {
      const canvas = element as HTMLCanvasElement;
      const context = canvas.getContext('2d');
      if (!context) throw new Error('no 2d context');
      return { width: canvas.width, height: canvas.height, pixels: Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data) };
    });

    const downloadPromise = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download generator (.zip)' }).click();
    const download = await downloadPromise;
    const zip = await JSZip.loadAsync(readFileSync(await download.path()));
    const read = (name: string) => {
      const entry = zip.file(name);
      if (!entry) throw new Error(`${name} is missing from the generator zip`);
      return entry;
    };
    const modelJson = JSON.parse(await read('model.json').async('string')) as {
      modelTopology: object;
      weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    };
    const summary = JSON.parse(await read('ganvas-run.json').async('string')) as RunSummary;
    expect(summary.step).toBe(12);
    expect(summary.config).toMatchObject({ resolution: 16, batchSize: 8, width: 0.0625 });
    expect(await read('README.md').async('string')).toContain('tensorflowjs_converter --input_format tfjs_layers_model --output_format keras');
    const weights = await read('weights.bin').async('arraybuffer');

    await useWasmBackend();
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights), weightData: weights }),
    );
    const { config } = summary;
    const seed = tf.randomNormal([config.gridRows * config.gridCols, config.latentSize], 0, 1, 'float32', deriveSeed(config.seed, 'previewSeed'));
    const bytes = imagesToBytes(model.predict(seed) as tf.Tensor4D);
    const expected = composeGrid(await bytes.data(), config.gridRows * config.gridCols, config.channels, config);
    expect([expected.width, expected.height]).toEqual([shown.width, shown.height]);
    // Same weights, same seed; wasm in Node and wasm in the browser may differ by a float ulp,
    // which can move a truncated byte by one.
    let worst = 0;
    expected.pixels.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (shown.pixels[i] ?? -999)))));
    expect(worst).toBeLessThanOrEqual(1);
    tf.dispose([seed, bytes]);
    model.dispose();
  });

  test('a zip chosen with the file input trains', async ({ page }) => {
    await openApp(page);
    await chooseTinySettings(page, 100_000);
    const folder = mkdtempSync(path.join(tmpdir(), 'ganvas-train-'));
    const file = path.join(folder, 'my faces.zip');
    const entries = Array.from({ length: 12 }, (_, i) => ({
      name: `faces/${i}.png`,
      data: encodePng(24, 24, 3, new Uint8Array(24 * 24 * 3).map((_, j) => (j * (i + 3)) % 256)),
    }));
    writeFileSync(file, buildZip(entries));
    await page.getByLabel('Choose a zip of face images').setInputFiles(file);
    await expect(page.getByTestId('dataset-report')).toContainText('Loaded 12 images (16×16 RGB', { timeout: 30_000 });
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
  });
});
