import { expect, test } from '@playwright/test';
import { chooseCustomSettings, gridPixels } from './app.ts';

test.describe('first page', () => {
  test('boots tfjs in the worker, names the backend, and draws the untrained grid at its native size', async ({ page }, testInfo) => {
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Ganvas' })).toBeVisible();

    // On this machine WebGPU and WebGL run in software (SwiftShader), so wasm must be chosen
    // and the reasons listed; on a real GPU the badge names webgpu or webgl instead.
    const backend = page.getByTestId('backend-name');
    await expect(backend).toHaveText(/^(webgpu|webgl|wasm|cpu)$/);
    const backendName = await backend.textContent();
    testInfo.annotations.push({ type: 'backend', description: backendName ?? '' });

    // Quick look by default, with its reason once the device is timed.
    await expect(page.getByRole('radio', { name: /^Quick look/ })).toBeChecked();
    await expect(page.getByTestId('preset-reason')).toContainText(/Quick look: DCGAN \d+ px, width .*about \d+\.\d+ s a step on WebAssembly/, { timeout: 120_000 });

    // Heaton's 4×7 layout with 16 px margins, at the model's size (a 32 px model: 352 × 208).
    await expect(page.getByRole('img', { name: /Untrained generator, step 0/ })).toBeVisible({ timeout: 120_000 });
    const canvas = gridPixels(page, /Untrained generator, step 0/);
    const size = await canvas.evaluate((element) => {
      const c = element as HTMLCanvasElement;
      return { width: c.width, height: c.height };
    });
    const side = Number((await page.getByTestId('preset-reason').textContent())?.match(/DCGAN (\d+) px/)?.[1]);
    expect(size).toEqual({ width: 16 + 7 * (side + 16), height: 16 + 4 * (side + 16) });

    // The pixels are a real generator's output: white margins, varied (not blank) tiles.
    const stats = await canvas.evaluate((element) => {
      const c = element as HTMLCanvasElement;
      const context = c.getContext('2d');
      if (!context) throw new Error('no 2d context');
      const margin = Array.from(context.getImageData(0, 0, 16, 16).data);
      const tile = Array.from(context.getImageData(16, 16, c.width - 32, 16).data);
      return { marginWhite: margin.every((v) => v === 255), distinctTileValues: new Set(tile).size };
    });
    expect(stats.marginWhite).toBe(true);
    // An untrained DCGAN draws near-grey faces, but not a flat fill.
    expect(stats.distinctTileValues).toBeGreaterThan(3);

    await page.screenshot({ path: testInfo.outputPath('first-page.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  test('the backend selector (or ?backend=) forces a backend and the page says which', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/);
    await page.getByRole('combobox', { name: /^Use/ }).selectOption('cpu');
    await expect(page).toHaveURL(/\?backend=cpu(&|$)/);
    await expect(page.getByTestId('backend-name')).toHaveText('cpu');
    await expect(page.getByRole('combobox', { name: /^Use/ })).toHaveValue('cpu');
  });

  test('switching architecture re-renders the grid for the new model', async ({ page }) => {
    await page.goto('/?backend=wasm');
    await expect(page.getByRole('img', { name: /step 0/ })).toBeVisible({ timeout: 120_000 });
    await chooseCustomSettings(page);
    await page.getByLabel('Image size', { exact: true }).selectOption('16');
    await expect(page.getByRole('img', { name: /\(240×144 px\)/ })).toBeVisible({ timeout: 120_000 });
  });
});
