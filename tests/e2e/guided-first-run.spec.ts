import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { buildZip } from '../unit/data/zip/zip-fixtures.ts';
import { chooseCustomSettings, currentStep, loadCartoonFaces, openApp } from './app.ts';
import { encodePng } from './fixtures/png.ts';

/** Seconds in the status bar's "m:ss elapsed" (or "h:mm:ss elapsed"). */
async function elapsedSeconds(page: Page): Promise<number> {
  const text = (await page.locator('.status-text').textContent()) ?? '';
  const match = text.match(/(?:(\d+):)?(\d+):(\d+) elapsed/);
  if (!match) throw new Error(`no elapsed time in "${text}"`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/** "3 of 7" under the grid: how many grids the history holds. */
async function historyLength(page: Page): Promise<number> {
  const text = (await page.locator('.timeline-position').textContent()) ?? '';
  return Number(text.match(/of ([\d,]+)/)?.[1]?.replace(/,/g, '') ?? 0);
}

/** A small zip of face-like PNGs: a bright oval on a noisy ground, each image its own noise (no duplicates). */
function facesZip(count: number, side = 48): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'ganvas-guided-'));
  const entries = Array.from({ length: count }, (_, i) => {
    // Each image differs in its ground, its face's place and size, and its noise, so none is a
    // near-duplicate of another after resizing (the loader keeps near-duplicates once).
    const ground = 20 + ((i * 53) % 180);
    const face = 255 - ground;
    const cx = side / 2 + ((i % 5) - 2) * 3;
    const cy = side / 2 + ((Math.floor(i / 5) % 5) - 2) * 3;
    const rx = side * (0.22 + (i % 3) * 0.05);
    const ry = side * (0.3 + (i % 4) * 0.04);
    const pixels = new Uint8Array(side * side * 3);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1;
        const noise = Math.imul(x * 7919 + y * 104729 + i * 1299709, 0x9e3779b1) >>> 27; // 0–31
        const at = (y * side + x) * 3;
        const level = (inside ? face : ground) + noise - 16;
        pixels[at] = Math.min(255, Math.max(0, level + 20));
        pixels[at + 1] = Math.min(255, Math.max(0, level));
        pixels[at + 2] = Math.min(255, Math.max(0, level - 20));
      }
    }
    return { name: `faces/${i}.png`, data: encodePng(side, side, 3, pixels) };
  });
  const file = path.join(folder, 'faces.zip');
  writeFileSync(file, buildZip(entries));
  return file;
}

test.describe('a guided first run', () => {
  test('keyboard only: a zip, then Start with the defaults, shows a new grid within 30 s of training', async ({ page }) => {
    const zip = facesZip(120);
    await openApp(page);
    await expect(page.getByTestId('preset-reason')).toContainText(/about \d+\.\d+ s a step/, { timeout: 120_000 });

    // Tab 1: the skip link; Enter jumps to the steps; Tab 2: the zip picker.
    let tabs = 0;
    const tab = async () => {
      tabs += 1;
      await page.keyboard.press('Tab');
    };
    await tab();
    await expect(page.getByRole('link', { name: 'Skip to the steps' })).toBeFocused();
    await page.keyboard.press('Enter');
    await tab();
    await expect(page.getByRole('button', { name: /Choose a zip/ })).toBeFocused();
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(zip);
    // A few of the generated faces may count as near-duplicates at the training size.
    await expect(page.getByTestId('dataset-report')).toContainText(/Loaded 1\d\d images/, { timeout: 90_000 });

    // Loading moved the keyboard to Start, which says what to expect.
    const start = page.getByRole('button', { name: 'Start training' });
    await expect(start).toBeFocused();
    await expect(page.getByTestId('start-estimate')).toContainText(/to first rough faces/);
    expect(tabs).toBeLessThanOrEqual(5);
    await page.keyboard.press('Enter');
    const startedAt = Date.now();
    await expect(page.getByRole('img', { name: /Preview grid at step [1-9][\d,]*/ })).toBeVisible({ timeout: 30_000 });
    expect(Date.now() - startedAt).toBeLessThan(30_000);

    // Space pauses and resumes once the focus is off the controls; Pause is acknowledged at once.
    await page.locator('h1').click();
    await page.keyboard.press('Space');
    await expect(page.getByRole('button', { name: 'Resume', exact: true })).toBeVisible();
    await page.keyboard.press('Space');
    await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByText(/Pausing: finishing the current step|Resume/).first()).toBeVisible();
  });

  test('the grid fills its column at 16, 32 and 64 px, with whole-number scaling', async ({ page }) => {
    await openApp(page, '?backend=wasm');
    await chooseCustomSettings(page);
    for (const side of ['16', '32', '64']) {
      await page.getByLabel('Image size', { exact: true }).selectOption(side);
      const grid = page.getByRole('img', { name: /Untrained generator, step 0/ });
      await expect(grid).toBeVisible({ timeout: 120_000 });
      await expect
        .poll(async () => {
          const [shown, column] = await grid.evaluate((element) => [element.getBoundingClientRect().width, element.parentElement?.clientWidth ?? 0]);
          return shown / column;
        }, { timeout: 60_000 })
        .toBeGreaterThan(0.9);
      const scale = Number(await page.locator('.scaled-grid', { has: grid }).getAttribute('data-scale'));
      expect(Number.isInteger(scale) && scale >= 1).toBe(true);
    }
  });

  test('a reload resumes the same run: still running, with its grid history and clock', async ({ page }) => {
    await openApp(page);
    await chooseCustomSettings(page);
    await page.getByLabel('Image size', { exact: true }).selectOption('16');
    await page.getByLabel('Steps', { exact: true }).fill('4000');
    await loadCartoonFaces(page, 200);
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(() => historyLength(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(3);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByRole('button', { name: 'Resume', exact: true })).toBeVisible();
    const step = await currentStep(page);
    await expect(page.getByTestId('checkpoint-status')).toHaveText(`Saved at step ${step.toLocaleString('en-US')}`);
    const frames = await historyLength(page);
    const elapsed = await elapsedSeconds(page);

    await page.reload();
    const banner = page.getByRole('region', { name: 'Saved run' });
    await banner.getByRole('button', { name: 'Resume' }).click();
    await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible({ timeout: 90_000 });
    await expect.poll(() => currentStep(page), { timeout: 30_000 }).toBeGreaterThan(step);
    expect(await historyLength(page)).toBeGreaterThanOrEqual(frames);
    expect(await elapsedSeconds(page)).toBeGreaterThanOrEqual(elapsed);
    // The settings panel shows the run's settings, not the defaults.
    await expect(page.getByRole('radio', { name: /^Custom/ })).toBeChecked();
    await expect(page.getByLabel('Image size', { exact: true })).toHaveValue('16');
    await expect(page.getByLabel('Steps', { exact: true })).toHaveValue('4000');
  });

  test('at 390 px wide nothing scrolls sideways, before and during a run', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openApp(page);
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBe(0);
    await chooseCustomSettings(page);
    await page.getByLabel('Image size', { exact: true }).selectOption('16');
    await loadCartoonFaces(page, 200);
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect(page.getByRole('img', { name: /Preview grid at step/ })).toBeVisible({ timeout: 60_000 });
    expect(await overflow()).toBe(0);
  });
});
