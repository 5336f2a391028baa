/**
 * Time to faces: what a newcomer sees, measured as they would live it. In Chromium, from the
 * moment the page is opened, with the app's own defaults (no setting touched): load the data
 * (the built-in cartoon faces, or a zip with --zip), press the primary Start button, and record
 * every preview grid (wall time, step) and, at the checkpoints (2, 5 and 10 minutes of the
 * run), the step, the in-app quality score (multi-scale SWD against held-back images, lower is
 * better), a screenshot of the grid and the downloaded generator, so the faces can be looked at.
 * Prints a table with native PyTorch's step time for the same architecture from
 * bench/torch_reference.py (Debian's python3-torch), when it is installed.
 *
 *   npx tsx bench/time-to-faces.ts [--minutes 10] [--zip faces.zip] [--out bench-results/ttf]
 *                                  [--query "?preset=heaton"] [--no-torch]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/e2e/chromium.ts';
import { freePort } from '../tests/e2e/net.ts';
import { argValue, cpuModel } from './common.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const minutes = Number(argValue('--minutes') ?? 10);
const zip = argValue('--zip');
const query = argValue('--query') ?? '';
const out = path.resolve(argValue('--out') ?? path.join(ROOT, 'bench-results', 'time-to-faces'));
const marks = [2, 5, 10, 20, 30].filter((m) => m <= minutes);
if (!marks.includes(minutes)) marks.push(minutes);
mkdirSync(out, { recursive: true });

interface GridSeen {
  /** Seconds since the page was opened. */
  atS: number;
  /** Seconds since Start was pressed. */
  trainingS: number;
  step: number;
}
interface Mark {
  minute: number;
  step: number;
  quality: string;
  grids: number;
  generator: string;
}

const dist = path.join(os.tmpdir(), `ganvas-ttf-dist-${process.pid}`);
await build({ root: ROOT, configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
const port = await freePort();
const server = await preview({ root: ROOT, configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: dist }, preview: { host: '127.0.0.1', port, strictPort: true } });
const origin = `http://127.0.0.1:${port}`;

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
const page = await context.newPage();
const grids: GridSeen[] = [];
const results: Mark[] = [];
let reason = '';
let loadedS: number;
let startS: number;
try {
  const opened = Date.now();
  const sinceOpen = () => (Date.now() - opened) / 1000;
  await page.goto(`${origin}/${query}`);
  await page.getByTestId('backend-name').waitFor({ timeout: 120_000 });
  if (zip) await page.getByLabel(/Choose a zip/).first().setInputFiles(zip);
  else await page.getByRole('button', { name: 'Try it with cartoon faces' }).click();
  await page.getByTestId('dataset-report').filter({ hasText: 'Loaded' }).waitFor({ timeout: 600_000 });
  loadedS = sinceOpen();
  // What the page chose and why, as the newcomer reads it (the probe may still be running).
  reason = (await page.getByTestId('preset-reason').textContent({ timeout: 1000 }).catch(() => null)) ?? '(no preset reason shown)';
  await page.getByRole('button', { name: 'Start training' }).click();
  startS = sinceOpen();
  const started = Date.now();
  const trainingMinutes = () => (Date.now() - started) / 60_000;

  let lastStep = -1;
  for (const minute of marks) {
    while (trainingMinutes() < minute) {
      const step = Number(
        (await page
          .getByRole('img', { name: /^Preview grid at step/ })
          .first()
          .getAttribute('data-step', { timeout: 1000 })
          .catch(() => null)) ?? -1,
      );
      if (step > lastStep && step > 0) {
        grids.push({ atS: sinceOpen(), trainingS: (Date.now() - started) / 1000, step });
        lastStep = step;
      }
      await page.waitForTimeout(500);
    }
    const step = Number(await page.getByLabel('Training progress').getAttribute('value'));
    const quality = ((await page.locator('.quality-latest').textContent().catch(() => null)) ?? 'no measurement').replace(/\s+/g, ' ').trim();
    const shot = path.join(out, `grid-${minute}min.png`);
    await page.getByRole('img', { name: /^Preview grid at step/ }).first().screenshot({ path: shot });
    const download = page.waitForEvent('download', { timeout: 120_000 });
    await page.getByRole('button', { name: 'Download generator (.zip)' }).click();
    const generator = path.join(out, `generator-${minute}min.zip`);
    await (await download).saveAs(generator);
    results.push({ minute, step, quality, grids: grids.length, generator: path.relative(ROOT, generator) });
    console.error(`${minute} min: step ${step}, ${grids.length} grids, ${quality}`);
  }
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}

/** Native PyTorch's ms per step for the architecture the app picked, if torch is installed. */
function nativeMsPerStep(): { label: string; ms: number } | null {
  if (process.argv.includes('--no-torch')) return null;
  const picked = reason.match(/(DCGAN|Heaton) (\d+) px/);
  const arch = picked?.[1] === 'Heaton' ? 'heaton' : 'dcgan';
  const px = picked?.[2] ?? '32';
  const python = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (python.status !== 0) return null;
  const json = execFileSync('/usr/bin/python3', [path.join(ROOT, 'bench', 'torch_reference.py'), '--configs', `${arch}:${px}`, '--steps', '5', '--warmup', '2', '--threads', String(os.cpus().length)], {
    encoding: 'utf8',
  });
  const result = (JSON.parse(json) as { results: { ms_per_step: number }[] }).results[0];
  return result ? { label: `PyTorch ${arch} ${px} px (full width, ${os.cpus().length} threads)`, ms: result.ms_per_step } : null;
}
const native = nativeMsPerStep();

const lines = [
  `Time to faces, ${new Date().toISOString().slice(0, 10)}, ${cpuModel()}, ${os.cpus().length} cores, Chromium (${CHROMIUM_PATH})`,
  `Data: ${zip ? path.basename(zip) : 'built-in cartoon faces (2,000)'}; settings: the app's own${query ? ` (${query})` : ''}`,
  `The page said: ${reason.trim()}`,
  `Data loaded at ${loadedS.toFixed(1)} s after opening the page; Start pressed at ${startS.toFixed(1)} s.`,
  '',
  '| training time | step | grids so far | quality (in-app SWD ×10³, lower is better) | generator |',
  '|---|---|---|---|---|',
  ...results.map((r) => `| ${r.minute} min | ${r.step.toLocaleString('en-US')} | ${r.grids} | ${r.quality} | ${r.generator} |`),
  '',
  `First grids (s after Start → step): ${grids
    .slice(0, 8)
    .map((g) => `${g.trainingS.toFixed(0)} s → ${g.step}`)
    .join(', ')}`,
  native
    ? `Native reference: ${native.label} ${(native.ms / 1000).toFixed(2)} s a step; in ${minutes} min it would reach ≈ ${Math.round((minutes * 60_000) / native.ms).toLocaleString('en-US')} steps.`
    : 'Native reference: PyTorch not installed (or --no-torch).',
];
writeFileSync(path.join(out, 'grids.json'), JSON.stringify({ reason, loadedS, startS, grids, results }, null, 2));
console.log(lines.join('\n'));
