import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { buildZip, directory, type FixtureEntry } from '../unit/data/zip-fixtures.ts';
import { gridPixels, openApp } from './app.ts';
import { encodePng, flatPng, giantPngHeader } from './fixtures/png.ts';

const folder = mkdtempSync(path.join(tmpdir(), 'ganvas-e2e-'));

/** Writes a zip to disk, so the file keeps one identity (name, size, mtime) across loads. */
function zipFile(name: string, entries: readonly FixtureEntry[]): string {
  const file = path.join(folder, name);
  writeFileSync(file, buildZip(entries));
  return file;
}

/** A real JPEG from the browser's own encoder. */
async function jpegInPage(page: Page, width: number, height: number, colour: string): Promise<Uint8Array> {
  const bytes = await page.evaluate(
    async ({ width, height, colour }) => {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d');
      if (!context) throw new Error('no 2d context');
      context.fillStyle = colour;
      context.fillRect(0, 0, width, height);
      context.fillStyle = '#fff';
      context.fillRect(width / 4, height / 4, width / 2, height / 2);
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    },
    { width, height, colour },
  );
  return new Uint8Array(bytes);
}


const chooseZip = (page: Page) => page.getByLabel('Choose a zip of face images');

test.describe('dataset ingestion', () => {
  test('a mixed zip: what was used and skipped, names on demand, a sample grid, then the cache', async ({ page }) => {
    await openApp(page, '?preset=heaton');
    const jpeg = await jpegInPage(page, 90, 60, '#c03020');
    const corrupt = jpeg.slice(0, 300); // a JPEG cut off mid-scan
    const gradient = new Uint8Array(50 * 50 * 3).map((_, i) => (i * 7) % 256);
    const file = zipFile('mixed faces.zip', [
      directory('faces/'),
      { name: 'faces/a.png', data: flatPng(40, 40, [10, 120, 200]) },
      { name: 'faces/deep/nested/b.png', data: encodePng(50, 50, 3, gradient) },
      { name: 'faces/c.jpg', data: jpeg },
      { name: 'faces/D.JPG', data: jpeg, method: 'store' },
      { name: 'faces/gray.png', data: flatPng(30, 30, [128]) },
      { name: 'faces/rgba.png', data: flatPng(30, 30, [0, 0, 0, 0]) },
      { name: 'faces/ünïcödé 顔.png', data: flatPng(20, 20, [250, 200, 0]) },
      { name: 'faces/corrupt.jpg', data: corrupt },
      { name: 'faces/giant.png', data: giantPngHeader(30_000, 30_000) },
      { name: 'faces/empty.png', data: new Uint8Array(0) },
      { name: 'notes.txt', data: 'not an image' },
      { name: '../<img src=x onerror="window.pwned=1">.txt', data: 'html in a name' },
      { name: '__MACOSX/faces/._a.png', data: 'resource fork' },
      { name: 'faces/.DS_Store', data: 'junk' },
    ]);

    await chooseZip(page).setInputFiles(file);
    const report = page.getByTestId('dataset-report');
    await expect(report).toContainText('Loaded 7 images (64×64 RGB, centre-cropped)', { timeout: 60_000 });
    for (const reason of [/2 not images?/, /1 corrupt/, /1 too large/, /1 empty/]) await expect(report).toContainText(reason);

    // Names on demand, as text: the HTML in a name is shown, never run.
    await page.getByText('Show skipped files').click();
    await expect(page.getByText('faces/corrupt.jpg')).toBeVisible();
    await expect(page.getByText('../<img src=x onerror="window.pwned=1">.txt')).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();

    // 28 random real samples in Heaton's layout.
    await expect(page.getByRole('img', { name: /random training images from mixed faces\.zip/ })).toBeVisible();
    const sample = gridPixels(page, /random training images from mixed faces\.zip/);
    expect(await sample.evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([576, 336]);

    // The same file again comes from the cache.
    await expect(report).not.toContainText('from cache');
    await chooseZip(page).setInputFiles(file);
    await expect(report).toContainText('from cache', { timeout: 30_000 });
    await expect(report).toContainText('Loaded 7 images');
  });

  test('not a zip, an empty zip and a zip without images each say what is wrong; the app stays usable', async ({ page }) => {
    await openApp(page, '?preset=heaton');
    const notZip = path.join(folder, 'photo.zip');
    writeFileSync(notZip, 'this is plain text, not a zip archive');
    await chooseZip(page).setInputFiles(notZip);
    await expect(page.getByRole('alert')).toContainText('not a zip', { timeout: 30_000 });

    await chooseZip(page).setInputFiles(zipFile('empty.zip', []));
    await expect(page.getByRole('alert')).toContainText(/empty/i, { timeout: 30_000 });

    await chooseZip(page).setInputFiles(zipFile('docs.zip', [{ name: 'readme.txt', data: 'hello' }]));
    await expect(page.getByRole('alert')).toContainText(/no usable images/i, { timeout: 30_000 });

    // Still usable: a good zip loads afterwards.
    await chooseZip(page).setInputFiles(zipFile('ok.zip', [{ name: 'a.png', data: flatPng(16, 16, [1, 2, 3]) }]));
    await expect(page.getByTestId('dataset-report')).toContainText('Loaded 1 image', { timeout: 30_000 });
  });

  test('Cancel stops a long load promptly and keeps the set loaded before', async ({ page }) => {
    await openApp(page, '?preset=heaton');
    await chooseZip(page).setInputFiles(zipFile('small.zip', [{ name: 'a.png', data: flatPng(16, 16, [9, 9, 9]) }]));
    await expect(page.getByTestId('dataset-report')).toContainText('Loaded 1 image', { timeout: 30_000 });

    // 1,500 noisy 160 px PNGs: several seconds of decoding on two cores.
    const big = zipFile(
      'big.zip',
      Array.from({ length: 1500 }, (_, i) => ({
        name: `faces/${i}.png`,
        data: encodePng(160, 160, 3, new Uint8Array(160 * 160 * 3).map((_, j) => (j * 2654435761 + i * 97) >>> 24)),
        method: 'store' as const,
      })),
    );
    await chooseZip(page).setInputFiles(big);
    const progress = page.getByRole('progressbar');
    await expect(progress).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('dataset-report')).toContainText('Loaded 1 image', { timeout: 10_000 });
    await expect(page.getByRole('button', { name: 'Try it with cartoon faces' })).toBeEnabled();
    await expect(page.getByRole('alert')).toHaveCount(0);
  });

  test('the built-in cartoon faces load with one click', async ({ page }) => {
    await openApp(page, '?preset=heaton');
    await page.getByLabel('How many').selectOption('200');
    await page.getByRole('button', { name: 'Try it with cartoon faces' }).click();
    await expect(page.getByTestId('dataset-report')).toContainText('Loaded 200 images (64×64 RGB', { timeout: 90_000 });
    await expect(page.getByRole('img', { name: /random training images from Cartoon faces/ })).toBeVisible();
  });
});
