/**
 * Long and interrupted runs: a 2,000-step soak in the real app keeps tfjs memory flat, and a
 * browser closed mid-run offers to resume when it is started again on the same profile.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, expect, test, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';
import { chooseTinySettings, currentStep, loadCartoonFaces, openApp } from './app.ts';

/** "113 tensors, 0.2 MB" from the status bar's details line. */
async function tensorsAndBytes(page: Page): Promise<{ tensors: number; bytes: string }> {
  const text = (await page.locator('.status-details').textContent()) ?? '';
  const match = /([\d,]+) tensors, ([\d.,]+ (?:bytes|[KMGT]B))/.exec(text);
  if (!match?.[1] || !match[2]) throw new Error(`no memory figures in ${JSON.stringify(text)}`);
  return { tensors: Number(match[1].replaceAll(',', '')), bytes: match[2] };
}

test('soak: 2,000 tiny steps keep the tensor count and backend memory flat', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  await openApp(page);
  await chooseTinySettings(page, 2000);
  // A preview (and checkpoint) every 100 steps: 1, 2, 5, 10, 20, 50, 100 on the ladder.
  const preview = page.getByLabel('Preview every', { exact: true });
  await preview.focus();
  await preview.press('Home');
  for (let i = 0; i < 6; i++) await preview.press('ArrowRight');
  await loadCartoonFaces(page, 200);
  await page.getByRole('button', { name: 'Start training' }).click();

  await expect.poll(() => currentStep(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(300);
  const early = await tensorsAndBytes(page);
  await expect(page.locator('.status-bar')).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
  expect(await currentStep(page)).toBe(2000);
  const late = await tensorsAndBytes(page);
  const report = `after warm-up (step ≥ 300): ${early.tensors} tensors, ${early.bytes}; at step 2,000: ${late.tensors} tensors, ${late.bytes}`;
  testInfo.annotations.push({ type: 'soak', description: report });
  console.log(`soak: ${report}`);
  expect(late).toEqual(early);
});

test('a browser closed mid-run offers to resume on the same profile', async ({ baseURL }) => {
  const profile = mkdtempSync(path.join(tmpdir(), 'ganvas-profile-'));
  const launch = () => chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, baseURL });

  const first = await launch();
  const page = first.pages()[0] ?? (await first.newPage());
  await openApp(page);
  await chooseTinySettings(page, 100_000);
  await loadCartoonFaces(page, 200);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect.poll(() => currentStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(12);
  await expect(page.getByTestId('checkpoint-status')).toHaveText(/^Saved at step \d+$/);
  const closedAt = await currentStep(page); // the run goes on until the window closes
  await first.close(); // mid-run, no pause: as if the window were closed

  const second = await launch();
  try {
    const again = second.pages()[0] ?? (await second.newPage());
    await openApp(again);
    const banner = again.getByRole('region', { name: 'Saved run' });
    await expect(banner).toContainText(/Resume training at step [\d,]+ on 200 cartoon faces/);
    const offered = Number(/step ([\d,]+)/.exec((await banner.textContent()) ?? '')?.[1]?.replaceAll(',', ''));
    // Training went on until the window closed; at most one preview interval (5 steps) is lost.
    expect(offered).toBeGreaterThanOrEqual(closedAt - 5);
    expect(offered % 5).toBe(0);
    await banner.getByRole('button', { name: 'Resume' }).click();
    // The run carries on from the offered step by itself.
    await expect(again.getByRole('button', { name: 'Pause' })).toBeVisible({ timeout: 90_000 });
    await expect.poll(() => currentStep(again), { timeout: 30_000 }).toBeGreaterThan(offered + 2);
  } finally {
    await second.close();
  }
});
