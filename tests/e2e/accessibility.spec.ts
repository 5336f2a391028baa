/**
 * axe-core (the engine behind Lighthouse's accessibility audit) finds no violations on the first
 * page and after a run with its charts, grid history, downloads and Generate view, in the light
 * and the dark theme.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test, type Page } from '@playwright/test';
import { chooseTinySettings, loadCartoonFaces, openApp } from './app.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Every axe violation on the page now, as "impact id: help (selectors)" lines. */
async function violations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return found.map((v) => `${v.impact ?? 'unknown'} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`no axe violations on the first page and after a run (${scheme} theme)`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.emulateMedia({ colorScheme: scheme });
    await openApp(page, '?backend=wasm');
    expect(await violations(page)).toEqual([]);

    await chooseTinySettings(page, 10);
    await loadCartoonFaces(page, 200);
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect(page.locator('.status-bar')).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
    await expect(page.getByTestId('face-0')).toBeVisible();
    expect(await violations(page)).toEqual([]);
  });
}
