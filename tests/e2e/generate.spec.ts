import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { buildZip } from '../unit/data/zip/zip-fixtures.ts';
import { chooseTinySettings, currentStep, loadCartoonFaces, openApp } from './app.ts';

/** The pixels a face tile's canvas holds (its native size: what the generator made). */
async function facePixels(panel: Locator, seed: number): Promise<{ width: number; height: number; pixels: number[] }> {
  const image = panel.getByTestId(`face-${seed}`).getByRole('img', { name: `Face for seed ${seed}` });
  await expect(image).toBeVisible();
  return image.evaluate((element) => {
    const canvas = element as HTMLCanvasElement;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2d context');
    return { width: canvas.width, height: canvas.height, pixels: Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data) };
  });
}

/** Clicks `button` and returns the downloaded file's name and bytes. */
async function download(page: Page, button: Locator): Promise<{ name: string; bytes: Uint8Array; filePath: string }> {
  const pending = page.waitForEvent('download');
  await button.click();
  const file = await pending;
  const filePath = await file.path();
  return { name: file.suggestedFilename(), bytes: new Uint8Array(readFileSync(filePath)), filePath };
}

/** Walks a GIF's blocks (spec-gif89a.txt): its logical size and the number of image descriptors. */
function parseGif(bytes: Uint8Array): { width: number; height: number; frames: number; delays: number[] } {
  const at = (i: number): number => bytes[i] ?? 0;
  const ascii = String.fromCharCode(...bytes.subarray(0, 6));
  if (ascii !== 'GIF89a') throw new Error(`not a GIF89a: ${ascii}`);
  const width = at(6) | (at(7) << 8);
  const height = at(8) | (at(9) << 8);
  const flags = at(10);
  let offset = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
  const skipSubBlocks = () => {
    while (at(offset) !== 0) offset += at(offset) + 1;
    offset += 1;
  };
  let frames = 0;
  const delays: number[] = [];
  for (;;) {
    const introducer = bytes[offset];
    if (introducer === 0x3b) break;
    if (introducer === 0x21) {
      const label = bytes[offset + 1];
      if (label === 0xf9) delays.push(at(offset + 4) | (at(offset + 5) << 8));
      offset += 2;
      skipSubBlocks();
    } else if (introducer === 0x2c) {
      frames += 1;
      const local = at(offset + 9);
      offset += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0);
      offset += 1; // LZW minimum code size
      skipSubBlocks();
    } else {
      throw new Error(`unexpected GIF block 0x${String(introducer?.toString(16))} at ${offset}`);
    }
  }
  return { width, height, frames, delays };
}

/**
 * Counts the video blocks in a WebM (EBML): descends into Segment and Cluster and counts
 * SimpleBlock and BlockGroup elements. Enough for files with known element sizes.
 */
function countWebmBlocks(bytes: Uint8Array): number {
  const readVint = (at: number, keepMarker: boolean): { value: number; length: number } => {
    const byte = (i: number): number => bytes[i] ?? 0;
    const first = byte(at);
    let length = 1;
    while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
    let value = keepMarker ? first : first & (0xff >> length);
    for (let i = 1; i < length; i++) value = value * 256 + byte(at + i);
    return { value, length };
  };
  const MASTERS = new Set([0x18538067 /* Segment */, 0x1f43b675 /* Cluster */]);
  let blocks = 0;
  const walk = (start: number, end: number) => {
    let at = start;
    while (at < end) {
      const id = readVint(at, true);
      const size = readVint(at + id.length, false);
      const body = at + id.length + size.length;
      const unknownSize = size.value === 2 ** (7 * size.length) - 1;
      const bodyEnd = unknownSize ? end : Math.min(end, body + size.value);
      if (MASTERS.has(id.value)) walk(body, bodyEnd);
      else if (id.value === 0xa3 || id.value === 0xa0) blocks += 1;
      at = bodyEnd;
    }
  };
  walk(0, bytes.length);
  return blocks;
}

test('faces from seeds: same pixels live and from the uploaded zip; pins, walk, GIF/WebM export', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const folder = mkdtempSync(path.join(tmpdir(), 'ganvas-generate-'));
  await openApp(page);
  await page.evaluate(() => localStorage.removeItem('ganvas.pinned-seeds'));
  const panel = page.getByRole('region', { name: '4. Generate' });
  await expect(panel.getByLabel('Current run')).toBeDisabled();

  // A tiny run, a few steps, then paused so the live generator holds still.
  await chooseTinySettings(page, 100_000);
  await loadCartoonFaces(page, 200);
  await page.getByRole('button', { name: 'Start training', exact: true }).click();
  await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(4);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Resume', exact: true })).toBeVisible();
  const step = await currentStep(page);

  // The current run became the source and drew its first page of faces.
  await expect(panel.getByLabel('Current run')).toBeChecked();
  await expect(panel.getByTestId('face-7')).toBeVisible({ timeout: 30_000 });

  // An invalid seed is explained inline and asks nothing of the worker.
  const seedInput = panel.getByLabel('Seed', { exact: true });
  await seedInput.fill('4.5');
  await panel.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(panel.getByText('A seed is a whole number')).toBeVisible();
  await expect(seedInput).toHaveAttribute('aria-invalid', 'true');

  await seedInput.fill('42');
  await panel.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(panel.getByTestId('face-42')).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByRole('button', { name: 'Generate', exact: true })).toBeEnabled();
  const live42 = await facePixels(panel, 42);
  expect([live42.width, live42.height]).toEqual([16, 16]);
  expect(new Set(live42.pixels).size).toBeGreaterThan(4); // a picture, not a blank canvas

  // A PNG at 2×: 32 × 32 pixels (PNG signature, then IHDR's big-endian width and height).
  const png = await download(page, panel.getByRole('button', { name: 'Save PNG of seed 42 at 2×' }));
  expect(png.name).toBe('ganvas-seed-42@2x.png');
  expect(Array.from(png.bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = new DataView(png.bytes.buffer, png.bytes.byteOffset + 16, 8);
  expect([ihdr.getUint32(0), ihdr.getUint32(4)]).toEqual([32, 32]);

  // The nearest training images, with distances and what they mean.
  await panel.getByTestId('face-42').getByRole('button', { name: 'Nearest real images' }).click();
  const nearest = panel.getByTestId('nearest-real');
  await expect(nearest).toContainText('If these look identical, the generator is memorising the training set.', { timeout: 30_000 });
  await expect(nearest.getByRole('img', { name: /^Training image \d+, distance \d+\.\d$/ })).toHaveCount(4);
  expect(await nearest.getByRole('img', { name: 'Generated face for seed 42' }).evaluate((element) => {
    const canvas = element as HTMLCanvasElement;
    return Array.from(canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? []);
  })).toEqual(live42.pixels);
  await panel.screenshot({ path: testInfo.outputPath('generate-live.png') });
  await nearest.getByRole('button', { name: 'Close' }).click();

  // "More faces" continues after the largest seed shown.
  await panel.getByRole('button', { name: 'More faces' }).click();
  await expect(panel.getByTestId('face-50')).toBeVisible({ timeout: 30_000 });

  // The generator, as "Download generator" saves it.
  const generator = await download(page, page.getByRole('button', { name: 'Download generator (.zip)' }));
  const zipPath = path.join(folder, generator.name);
  writeFileSync(zipPath, generator.bytes);

  // A fresh page: no run, only the uploaded zip.
  await page.reload();
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/);
  await expect(panel.getByLabel('Current run')).toBeDisabled();
  await panel.getByLabel('Upload a generator zip').setInputFiles(zipPath);
  await expect(panel.getByTestId('uploaded-summary')).toContainText(`${step} steps trained`, { timeout: 30_000 });
  await expect(panel.getByTestId('uploaded-summary')).toContainText('16×16');
  await expect(panel.getByTestId('uploaded-summary')).toContainText(/cartoon faces/i);
  await expect(panel.getByLabel('Uploaded generator')).toBeChecked();
  await expect(panel.getByTestId('face-0')).toBeVisible({ timeout: 30_000 });
  await panel.getByLabel('Seed', { exact: true }).fill('42');
  await panel.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(panel.getByTestId('face-42')).toBeVisible({ timeout: 30_000 });
  const uploaded42 = await facePixels(panel, 42);
  // Same seed, same weights: identical pixels across a reload and between live and uploaded.
  expect(uploaded42).toEqual(live42);

  // Pins: kept in localStorage.
  await panel.getByRole('button', { name: 'Pin seed 42', exact: true }).click();
  await panel.getByRole('button', { name: 'Pin seed 3', exact: true }).click();
  await expect(panel.getByRole('button', { name: 'Pin seed 42', exact: true })).toHaveAttribute('aria-pressed', 'true');
  expect(await page.evaluate(() => localStorage.getItem('ganvas.pinned-seeds'))).toBe('[42,3]');

  // The walk: from 42 to 3 (the first two pins), 8 frames.
  await expect(panel.getByLabel('From', { exact: true })).toHaveValue('42');
  await expect(panel.getByLabel('To', { exact: true })).toHaveValue('3');
  await panel.getByLabel('Frames', { exact: true }).fill('8');
  await panel.getByRole('button', { name: 'Make walk' }).click();
  const player = panel.getByTestId('walk-player');
  await expect(player).toHaveAttribute('data-frames', '8', { timeout: 30_000 });
  // The first frame is seed 42's face (t = 0); End shows the last (seed 3's).
  const firstFrame = await player.getByRole('img').evaluate((element) => {
    const canvas = element as HTMLCanvasElement;
    return Array.from(canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? []);
  });
  expect(firstFrame).toEqual(uploaded42.pixels);
  const position = panel.getByLabel('Walk position');
  await position.focus();
  await position.press('End');
  await expect(player.getByRole('img')).toHaveAccessibleName(/frame 8 of 8/);
  await panel.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(player.getByRole('img')).toHaveAccessibleName(/frame 7 of 8/);
  await panel.getByRole('button', { name: 'Pause', exact: true }).click();

  // GIF: A→B→A is 2·8 − 2 = 14 frames, 16 px faces scaled ×8 to 128 px, 12 fps ≈ 8 cs a frame.
  const gif = await download(page, panel.getByRole('button', { name: 'Download GIF' }));
  expect(gif.name).toBe('ganvas-walk-42-3.gif');
  const parsed = parseGif(gif.bytes);
  expect(parsed).toMatchObject({ width: 128, height: 128, frames: 14 });
  expect(new Set(parsed.delays)).toEqual(new Set([8]));

  const webmButton = panel.getByRole('button', { name: 'Download WebM' });
  await expect.poll(async () => (await webmButton.isEnabled()) || (await panel.getByText('WebM unavailable').count()) > 0).toBe(true);
  if (await webmButton.isEnabled()) {
    const webm = await download(page, webmButton);
    expect(webm.name).toBe('ganvas-walk-42-3.webm');
    expect(Array.from(webm.bytes.subarray(0, 4))).toEqual([0x1a, 0x45, 0xdf, 0xa3]);
    expect(countWebmBlocks(webm.bytes)).toBe(14);
    console.log(`WebM export: ${webm.bytes.length} bytes, 14 blocks`);
  } else {
    const reason = await panel.getByText('WebM unavailable').innerText();
    testInfo.annotations.push({ type: 'webm', description: reason });
    console.log(reason);
  }

  // A zip that isn't ours is refused, and the generator uploaded before still answers.
  const notOurs = path.join(folder, 'holiday.zip');
  writeFileSync(notOurs, buildZip([{ name: 'notes.txt', data: 'not a generator' }]));
  await panel.getByLabel('Upload a generator zip').setInputFiles(notOurs);
  await expect(panel.getByRole('alert')).toContainText('not a generator downloaded from Ganvas');
  await expect(panel.getByTestId('uploaded-summary')).toContainText(generator.name);
  await expect(panel.getByLabel('Uploaded generator')).toBeChecked();
  await panel.getByLabel('Seed', { exact: true }).fill('100');
  await panel.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(panel.getByTestId('face-100')).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByRole('alert')).toHaveCount(0);
  expect(await facePixels(panel, 42)).toEqual(live42);
  await page.screenshot({ path: testInfo.outputPath('generate.png'), fullPage: true });

  // Pins survive a reload.
  await page.reload();
  await expect(panel.getByTestId('pinned-seeds')).toContainText('Seed 42');
  await expect(panel.getByTestId('pinned-seeds')).toContainText('Seed 3');
});

test('a new run replaces the current-run faces: the same seeds are drawn again from the new generator', async ({ page }) => {
  test.setTimeout(150_000);
  await openApp(page, '?backend=wasm');
  await chooseTinySettings(page, 10);
  await loadCartoonFaces(page, 200);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.locator('.status-bar')).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  const panel = page.locator('.generate-panel');
  await panel.getByRole('button', { name: 'Refresh' }).click();
  await expect(panel.getByText('these were drawn at step 10')).toBeVisible();
  await panel.getByLabel('Seed', { exact: true }).fill('123');
  await panel.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(panel.getByTestId('face-123')).toBeVisible();

  // A longer second run, so it is still early when its faces are drawn.
  const steps = page.getByLabel('Steps', { exact: true });
  await steps.fill('5000');
  await steps.blur();
  await page.getByRole('button', { name: /Start (a new run|training)/ }).click();
  await expect(panel.getByText(/these were drawn at step \d+\)/)).toBeVisible({ timeout: 60_000 });
  const drawnAt = Number(/drawn at step ([\d,]+)/.exec((await panel.getByText(/drawn at step/).textContent()) ?? '')?.[1]?.replaceAll(',', ''));
  expect(drawnAt).toBeLessThan(10);
  await expect(panel.getByTestId('face-123')).toBeVisible();
  await page.getByRole('button', { name: 'Stop' }).click();
});
