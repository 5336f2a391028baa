/**
 * Screenshots of the running app for a person to look at: 1440 px and 390 px wide, light and
 * dark, on the first page and (with --train N) after loading the cartoon faces and training
 * for N seconds with the app's own settings. Also reports horizontal overflow.
 *
 *   npx tsx scripts/screenshots.ts [--url http://127.0.0.1:4173] [--out shots] [--train 40]
 */
import { chromium, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/e2e/chromium.ts';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const url = option('url', 'http://127.0.0.1:4173');
const out = option('out', 'shots');
const trainSeconds = Number(option('train', '0'));
mkdirSync(out, { recursive: true });

async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
for (const scheme of ['light', 'dark'] as const) {
  for (const width of [1440, 390]) {
    const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme: scheme });
    await page.goto(url);
    await page.getByTestId('backend-name').waitFor();
    const name = `${out}/${width}-${scheme}`;
    await page.waitForTimeout(1500); // screenshots only: let the untrained grid and probe text settle
    await page.screenshot({ path: `${name}-first.png`, fullPage: true });
    console.log(`${name}-first.png overflow=${await overflow(page)}px`);
    if (trainSeconds > 0) {
      await page.getByRole('button', { name: 'Try it with cartoon faces' }).click();
      await page.getByTestId('dataset-report').waitFor({ timeout: 120_000 });
      await page.screenshot({ path: `${name}-loaded.png`, fullPage: true });
      await page.getByRole('button', { name: /^Start/ }).first().click();
      await page.waitForTimeout(trainSeconds * 1000);
      await page.screenshot({ path: `${name}-training.png`, fullPage: true });
      console.log(`${name}-training.png overflow=${await overflow(page)}px`);
    }
    await page.close();
  }
}
await browser.close();
