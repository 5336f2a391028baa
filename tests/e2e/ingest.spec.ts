import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { buildZip, directory, type FixtureEntry } from '../unit/data/zip/zip-fixtures.ts';
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


/** `jpeg` decoded and encoded again at `quality`: the same photo, other bytes (a near-duplicate). */
async function reencodeInPage(page: Page, jpeg: Uint8Array, quality: number): Promise<Uint8Array> {
  const bytes = await page.evaluate(
    async ({ data, quality }) => {
      const bitmap = await createImageBitmap(new Blob([new Uint8Array(data)], { type: 'image/jpeg' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const context = canvas.getContext('2d');
      if (!context) throw new Error('no 2d context');
      context.drawImage(bitmap, 0, 0);
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    },
    { data: Array.from(jpeg), quality },
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
      { name: 'faces/gray.png', data: flatPng(40, 40, [128]) },
      { name: 'faces/rgba.png', data: flatPng(40, 40, [0, 0, 0, 0]) },
      { name: 'faces/ünïcödé 顔.png', data: flatPng(40, 40, [250, 200, 0]) },
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
    // D.JPG holds c.jpg's bytes: an exact duplicate, kept once.
    await expect(report).toContainText('Loaded 6 images (64×64 RGB, centre-cropped)', { timeout: 60_000 });
    for (const reason of [/2 not images?/, /1 corrupt/, /1 too large/, /1 empty/, /1 exact duplicate/]) await expect(report).toContainText(reason);

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
    await expect(report).toContainText('Loaded 6 images');
  });

  test('awkward photos: formats by name, too small or thin, bombs, duplicates and repeated paths, each with its advice', async ({ page }) => {
    await openApp(page, '?preset=heaton');
    const photo = await jpegInPage(page, 200, 160, '#3060a0');
    const reencoded = await reencodeInPage(page, photo, 0.6);
    const other = await jpegInPage(page, 160, 160, '#a04020');
    const heic = new Uint8Array(64);
    heic.set([0, 0, 0, 0x18, ...new TextEncoder().encode('ftypheic\0\0\0\0mif1heic')]);
    const file = zipFile('awkward photos.zip', [
      { name: 'me.jpg', data: photo },
      { name: 'sister.jpg', data: other },
      { name: 'copy of me.jpg', data: photo },
      { name: 'me (edited).jpg', data: reencoded },
      { name: 'sister.jpg', data: photo },
      { name: 'IMG_0001.HEIC', data: heic },
      { name: 'IMG_0002.HEIC', data: heic },
      { name: 'dot.png', data: flatPng(1, 1, [0, 0, 0]) },
      { name: 'strip.png', data: flatPng(40, 500, [9, 9, 9]) },
      { name: 'page.png', data: '<!DOCTYPE html><html><body>not a picture</body></html>' },
      { name: 'bomb.jpg', data: new Uint8Array(4000), method: 'store', declaredSize: 1024 * 1024 * 1024 },
    ]);
    await chooseZip(page).setInputFiles(file);
    const report = page.getByTestId('dataset-report');
    await expect(report).toHaveText(
      'Loaded 2 images (64×64 RGB, centre-cropped); skipped 9: 2 HEIC photos, 1 not an image, 1 exact duplicate, 1 near-duplicate, 1 with a repeated path, ' +
        '1 too small, 1 too narrow or too wide, 1 zip bomb',
      { timeout: 60_000 },
    );
    await expect(page.getByTestId('skip-advice').getByRole('listitem')).toHaveText([
      "2 HEIC photos: this browser can't decode HEIC; convert to JPEG.",
      '1 exact duplicate: the same pixels as an earlier image; kept once.',
      '1 near-duplicate: a re-encoded or resized copy of an earlier image; kept once.',
      '1 with a repeated path: the zip holds more than one file at this path; only the first was loaded.',
      '1 too small: under 32 px on the short side (half the 64 px training size); use larger photos or a smaller image size.',
      '1 too narrow or too wide: one side over 3 times the other; crop it nearer to square.',
      '1 zip bomb: it unpacks to over 100 times its compressed size (the limit for files above 1 MB) or to more than it declares; not loaded.',
    ]);
    await page.getByText('Show skipped files').click();
    for (const name of ['copy of me.jpg (same as me.jpg)', 'me (edited).jpg (same as me.jpg)', 'dot.png (1×1)', 'strip.png (40×500)', 'bomb.jpg (1 GB from 3.9 KB)']) {
      await expect(page.getByText(name, { exact: true })).toBeVisible();
    }
  });

  test('a password-protected zip gets advice about the password, naming the file', async ({ page }) => {
    await openApp(page, '?preset=heaton');
    const png = flatPng(40, 40, [1, 2, 3]);
    await chooseZip(page).setInputFiles(zipFile('locked.zip', [{ name: 'a.png', data: png, encrypted: true }, { name: 'b.png', data: png, encrypted: true }]));
    await expect(page.getByRole('alert')).toHaveText('No usable images in locked.zip: 2 password-protected. 2 password-protected files: re-zip without a password.', { timeout: 30_000 });
    const notZip = path.join(folder, 'holiday.zip');
    writeFileSync(notZip, 'this is plain text, not a zip archive');
    await chooseZip(page).setInputFiles(notZip);
    await expect(page.getByRole('alert')).toHaveText('holiday.zip is not a zip archive. Choose a .zip of images.', { timeout: 30_000 });
  });

  test('a zip chosen while the training engine starts says so, and loads as soon as it is ready', async ({ page }) => {
    // Hold the worker's script until the file is chosen: the engine is certainly still starting.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/training\.worker[^/]*\.js/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto('/?preset=heaton');
    await chooseZip(page).setInputFiles(zipFile('early.zip', [{ name: 'a.png', data: flatPng(40, 40, [200, 30, 30]) }]));
    await expect(page.getByRole('status').filter({ hasText: 'early.zip' })).toContainText('Starting the training engine; then opening early.zip…');
    release();
    await expect(page.getByTestId('dataset-report')).toContainText('Loaded 1 image (64×64 RGB, centre-cropped)', { timeout: 60_000 });
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
    await chooseZip(page).setInputFiles(zipFile('ok.zip', [{ name: 'a.png', data: flatPng(40, 40, [1, 2, 3]) }]));
    await expect(page.getByTestId('dataset-report')).toContainText('Loaded 1 image', { timeout: 30_000 });
  });

  test('Cancel stops a long load promptly and keeps the set loaded before', async ({ page }) => {
    await openApp(page, '?preset=heaton');
    await chooseZip(page).setInputFiles(zipFile('small.zip', [{ name: 'a.png', data: flatPng(40, 40, [9, 9, 9]) }]));
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
