/**
 * The run's take-aways from the real app: the time-lapse of the grid history (a GIF with one
 * frame per grid) and the Keras recipe (Heaton's .npy of the loaded set, both networks, settings).
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import JSZip from 'jszip';
import { chooseTinySettings, currentStep, loadCartoonFaces, openApp } from './app.ts';

async function download(page: Page, button: Locator): Promise<{ name: string; bytes: Buffer }> {
  const pending = page.waitForEvent('download');
  await button.click();
  const file = await pending;
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

/** Image descriptors (0x2C) in a GIF, by walking its blocks. */
function gifFrameCount(bytes: Buffer): number {
  const at = (i: number): number => bytes[i] ?? 0;
  let offset = 13 + (at(10) & 0x80 ? 3 * 2 ** ((at(10) & 7) + 1) : 0);
  const skipSubBlocks = () => {
    while (at(offset) !== 0) offset += at(offset) + 1;
    offset += 1;
  };
  let frames = 0;
  while (at(offset) !== 0x3b) {
    if (at(offset) === 0x21) {
      offset += 2;
      skipSubBlocks();
    } else if (at(offset) === 0x2c) {
      frames += 1;
      offset += 10 + (at(offset + 9) & 0x80 ? 3 * 2 ** ((at(offset + 9) & 7) + 1) : 0) + 1;
      skipSubBlocks();
    } else throw new Error(`unexpected GIF block at ${offset}`);
  }
  return frames;
}

test('time-lapse GIF and Keras recipe download from a real run', async ({ page }) => {
  test.setTimeout(170_000);
  await openApp(page, '?backend=wasm');
  await chooseTinySettings(page, 12);
  await loadCartoonFaces(page, 200);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByText('Done', { exact: true })).toBeVisible({ timeout: 120_000 });
  expect(await currentStep(page)).toBe(12);
  // Grids at steps 0, 5, 10 and the final 12.
  await expect(page.getByText(/\b4 of 4\b/)).toBeVisible();

  const timelapse = page.getByRole('group', { name: 'Export time-lapse' });
  await timelapse.getByLabel('Time-lapse format').selectOption({ label: 'Animated GIF' });
  const gif = await download(page, timelapse.getByRole('button', { name: 'Export time-lapse' }));
  expect(gif.name).toBe('ganvas-timelapse.gif');
  expect(gif.bytes.subarray(0, 6).toString('latin1')).toBe('GIF89a');
  expect(gifFrameCount(gif.bytes)).toBe(4);

  const recipe = await download(page, page.getByRole('button', { name: 'Export recipe for Keras (.zip)' }));
  expect(recipe.name).toBe('ganvas-recipe-step-12.zip');
  const zip = await JSZip.loadAsync(recipe.bytes);
  const names = Object.keys(zip.files).filter((name) => !name.endsWith('/')).sort();
  expect(names).toEqual(['README.md', 'discriminator/model.json', 'discriminator/weights.bin', 'ganvas-run.json', 'generator/model.json', 'generator/weights.bin', 'training_data_16_16.npy']);
  const npy = await zip.file('training_data_16_16.npy')?.async('nodebuffer');
  if (!npy) throw new Error('no .npy');
  expect(npy.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  const header = npy.subarray(10, 10 + npy.readUInt16LE(8)).toString('latin1');
  expect(header).toContain("'descr': '<f4'");
  expect(header).toContain("'shape': (200, 16, 16, 3)");
  const values = new Float32Array(npy.buffer.slice(npy.byteOffset + 10 + npy.readUInt16LE(8), npy.byteOffset + npy.length));
  expect(values.length).toBe(200 * 16 * 16 * 3);
  expect(Math.min(...values.subarray(0, 10_000))).toBeGreaterThanOrEqual(-1);
  expect(Math.max(...values.subarray(0, 10_000))).toBeLessThanOrEqual(1);
  const readme = (await zip.file('README.md')?.async('string')) ?? '';
  expect(readme).toContain('tensorflowjs_converter --input_format tfjs_layers_model --output_format keras generator/model.json generator.h5');
});
