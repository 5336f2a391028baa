import { expect, test } from '@playwright/test';

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

    // Heaton's 4×7 grid of 64 px tiles with 16 px margins: 576 × 336.
    const canvas = page.getByRole('img', { name: /Untrained generator, step 0/ });
    await expect(canvas).toBeVisible({ timeout: 120_000 });
    const size = await canvas.evaluate((element) => {
      const c = element as HTMLCanvasElement;
      return { width: c.width, height: c.height };
    });
    expect(size).toEqual({ width: 576, height: 336 });

    // The pixels are a real generator's output: white margins, varied (not blank) tiles.
    const stats = await canvas.evaluate((element) => {
      const c = element as HTMLCanvasElement;
      const context = c.getContext('2d');
      if (!context) throw new Error('no 2d context');
      const margin = Array.from(context.getImageData(0, 0, 16, 16).data);
      const tile = Array.from(context.getImageData(16, 16, 64, 64).data);
      return { marginWhite: margin.every((v) => v === 255), distinctTileValues: new Set(tile).size };
    });
    expect(stats.marginWhite).toBe(true);
    expect(stats.distinctTileValues).toBeGreaterThan(10);

    await page.screenshot({ path: testInfo.outputPath('first-page.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  test('the backend selector (or ?backend=) forces a backend and the page says which', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/);
    await page.getByLabel('Use').selectOption('cpu');
    await expect(page).toHaveURL(/\?backend=cpu$/);
    await expect(page.getByTestId('backend-name')).toHaveText('cpu');
    await expect(page.getByLabel('Use')).toHaveValue('cpu');
  });

  test('switching architecture re-renders the grid for the new model', async ({ page }) => {
    await page.goto('/?backend=wasm');
    await expect(page.getByRole('img', { name: /step 0/ })).toBeVisible({ timeout: 120_000 });
    await page.getByLabel('Image size', { exact: true }).selectOption('32');
    await expect(page.getByRole('img', { name: /\(352×208 px\)/ })).toBeVisible({ timeout: 120_000 });
  });
});
