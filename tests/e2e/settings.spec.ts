import { expect, test } from '@playwright/test';
import { chooseTinySettings, loadCartoonFaces, openApp } from './app.ts';

test('an out-of-range value typed into a field says what is wrong and blocks Start until fixed', async ({ page }) => {
  await openApp(page);
  await chooseTinySettings(page, 100);
  await loadCartoonFaces(page, 200);
  const start = page.getByRole('button', { name: 'Start training' });
  await expect(start).toBeEnabled();

  const steps = page.getByLabel('Steps', { exact: true });
  await steps.fill('0');
  await steps.blur();
  await expect(page.getByText('Steps: enter a whole number from 1 to 10,000,000 (0 is too small)').first()).toBeVisible();
  await expect(start).toBeDisabled();

  await steps.fill('50');
  await steps.blur();
  await expect(page.getByText('Steps: enter a whole number from 1 to 10,000,000 (0 is too small)')).toHaveCount(0);
  await expect(start).toBeEnabled();
});
