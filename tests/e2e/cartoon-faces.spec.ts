import { expect, test, type Page } from '@playwright/test';

// The built-in cartoon set, rasterised by src/ui/dataset/cartoon-rasteriser.ts on a real page.

async function openHarness(page: Page): Promise<void> {
  await page.goto('/tests/e2e/harness/cartoon.html');
  await expect(page.locator('#status')).toHaveText('ready');
}

test.describe('built-in cartoon faces', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('24 faces at 32 px: right shape, all different, reproducible from the seed', async ({ page }, testInfo) => {
    const first = await page.evaluate(() => window.cartoonHarness.run(24, 32, 3, 7));
    const again = await page.evaluate(() => window.cartoonHarness.run(24, 32, 3, 7));
    const other = await page.evaluate(() => window.cartoonHarness.run(24, 32, 3, 8));

    expect(first.count).toBe(24);
    expect(first.pixels.length).toBe(24 * 32 * 32 * 3);
    expect(first.progress.at(-1)).toBe(24);

    const tileLength = 32 * 32 * 3;
    const tiles = Array.from({ length: 24 }, (_, n) => first.pixels.slice(n * tileLength, (n + 1) * tileLength));
    // Every pair of faces differs substantially (mean absolute difference over 10 levels).
    for (let a = 0; a < tiles.length; a++) {
      for (let b = a + 1; b < tiles.length; b++) {
        const difference = (tiles[a] ?? []).reduce((sum, value, i) => sum + Math.abs(value - (tiles[b]?.[i] ?? 0)), 0) / tileLength;
        expect(difference, `faces ${a} and ${b}`).toBeGreaterThan(10);
      }
    }
    // A face is a picture, not a flat tile: many distinct values, real contrast.
    for (const tile of tiles) {
      expect(new Set(tile).size).toBeGreaterThan(50);
      expect(Math.max(...tile) - Math.min(...tile)).toBeGreaterThan(100);
    }
    expect(again.pixels).toEqual(first.pixels);
    expect(other.pixels).not.toEqual(first.pixels);

    await page.evaluate((run) => {
      window.cartoonHarness.showGrid(run.pixels, run.count, run.side, run.channels, 8, 3);
      for (let i = 0; i < 4; i++) window.cartoonHarness.showCrop(7, i);
    }, first);
    await page.locator('#grid').screenshot({ path: testInfo.outputPath('cartoon-grid-32px.png') });
    await page.locator('#crop').screenshot({ path: testInfo.outputPath('cartoon-crop.png') });
  });

  test('a prefix of a set is the same faces; grayscale is luma of the colour set', async ({ page }) => {
    const colour = await page.evaluate(() => window.cartoonHarness.run(6, 16, 3, 11));
    const prefix = await page.evaluate(() => window.cartoonHarness.run(3, 16, 3, 11));
    const gray = await page.evaluate(() => window.cartoonHarness.run(6, 16, 1, 11));
    expect(prefix.pixels).toEqual(colour.pixels.slice(0, 3 * 16 * 16 * 3));
    expect(gray.pixels.length).toBe(6 * 16 * 16);
    gray.pixels.forEach((value, i) => {
      const [r = 0, g = 0, b = 0] = colour.pixels.slice(i * 3, i * 3 + 3);
      expect(value).toBe(Math.round(0.299 * r + 0.587 * g + 0.114 * b));
    });
  });

  test('speed: 200 faces at 64 px, the page stays responsive', async ({ page }, testInfo) => {
    const run = await page.evaluate(() => window.cartoonHarness.run(200, 64, 3, 1));
    const facesPerSecond = (run.count / run.ms) * 1000;
    const longest = Math.max(0, ...run.longTasksMs);
    testInfo.annotations.push({ type: 'cartoon speed', description: `${facesPerSecond.toFixed(0)} faces/s, ${run.longTasksMs.length} tasks > 50 ms (longest ${longest.toFixed(0)} ms)` });
    console.log(`cartoon faces: ${facesPerSecond.toFixed(0)} faces/s at 64 px; long tasks: ${JSON.stringify(run.longTasksMs.map(Math.round))}`);
    expect(run.pixels.length).toBe(200 * 64 * 64 * 3);
    expect(run.progress.at(-1)).toBe(200);
    // Slices are 30 ms; a stray long task (GC, a slow face on a loaded machine) is tolerated,
    // a blocked page is not.
    expect(longest).toBeLessThan(250);
  });
});
