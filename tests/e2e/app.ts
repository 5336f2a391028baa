/** Shared steps of the end-to-end tests: open the app, pick tiny settings, load data, read the run. */
import { expect, type Locator, type Page } from '@playwright/test';

export async function openApp(page: Page, query = ''): Promise<void> {
  await page.goto(`/${query}`);
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/);
}

/** Moves a slider with the keyboard, as a person would: Home, then `right` steps. */
async function slideTo(page: Page, label: string, right: number): Promise<void> {
  const slider = page.getByLabel(label, { exact: true });
  await slider.focus();
  await slider.press('Home');
  for (let i = 0; i < right; i++) await slider.press('ArrowRight');
}

/**
 * Settings small enough for quick steps on a CPU: 16 px, width 1/16, batch 8, a preview
 * every 5 steps. `steps` is the run's length.
 */
export async function chooseTinySettings(page: Page, steps: number): Promise<void> {
  await chooseCustomSettings(page);
  await page.getByLabel('Image size', { exact: true }).selectOption('16');
  await slideTo(page, 'Width multiplier', 0); // 1/16
  await slideTo(page, 'Batch size', 3); // 1, 2, 4, 8
  await slideTo(page, 'Preview every', 2); // 1, 2, 5
  const stepsInput = page.getByLabel('Steps', { exact: true });
  await stepsInput.fill(String(steps));
  await stepsInput.blur();
}

export async function loadCartoonFaces(page: Page, count = 200): Promise<void> {
  await page.getByLabel('How many').selectOption(String(count));
  await page.getByRole('button', { name: 'Try it with cartoon faces' }).click();
  await expect(page.getByTestId('dataset-report')).toContainText(`Loaded ${count} images`, { timeout: 90_000 });
}

/** The step the status bar's progress shows. */
export async function currentStep(page: Page): Promise<number> {
  return Number(await page.getByLabel('Training progress').getAttribute('value'));
}

/** Picks the "Custom" preset, which opens every group of settings. */
export async function chooseCustomSettings(page: Page): Promise<void> {
  await page.getByRole('radio', { name: /^Custom/ }).check();
  await expect(page.getByLabel('Image size', { exact: true })).toBeVisible();
}

/**
 * The worker's grid image at its native size (the hidden source canvas beside the scaled grid
 * whose accessible name matches `name`).
 */
export function gridPixels(page: Page, name: string | RegExp): Locator {
  return page.locator('.scaled-grid', { has: page.getByRole('img', { name }) }).getByTestId('grid-pixels');
}
