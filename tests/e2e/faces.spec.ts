import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { buildZip, type FixtureEntry } from '../unit/data/zip/zip-fixtures.ts';
import { gridPixels, openApp } from './app.ts';
import { lineAngleDegrees, targetEyes } from '../../src/data/faces/align.ts';
import type { DecodeOptions } from '../../src/data/ingest/decode.ts';

// "Find and align faces" end to end: the face-api package's own sample photos (several people
// each, 1920 px), a copy turned by 15°, a thumbnail whose faces are too small and a landscape
// with no face, loaded in the real app, and the crops' eyes measured afresh.

const require = createRequire(import.meta.url);
const DEMO = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const SAMPLES = [1, 2, 3, 4, 5, 6].map((n) => ({ name: `sample${n}.jpg`, bytes: new Uint8Array(readFileSync(path.join(DEMO, `sample${n}.jpg`))) }));
const folder = mkdtempSync(path.join(tmpdir(), 'ganvas-faces-'));
/** The dev server (port + 1, see playwright.config.ts) serves the test harness pages. */
const DEV_ORIGIN = `http://127.0.0.1:${Number(process.env['E2E_PORT'] ?? 5199) + 1}`;

/** Images made by the browser's own canvas and JPEG encoder, from a photo or from nothing. */
async function makeJpegs(page: Page, photo: Uint8Array, turnedPhoto: Uint8Array): Promise<{ turned: Uint8Array; thumbnail: Uint8Array; landscape: Uint8Array }> {
  const made = await page.evaluate(
    async ({ photo, turnedPhoto }) => {
      const encode = async (canvas: OffscreenCanvas): Promise<number[]> => Array.from(new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer()));
      const context = (canvas: OffscreenCanvas): OffscreenCanvasRenderingContext2D => {
        const c = canvas.getContext('2d');
        if (!c) throw new Error('no 2d context');
        return c;
      };
      // Turned 15° clockwise about its centre, on a canvas large enough for all of it.
      const source = await createImageBitmap(new Blob([new Uint8Array(turnedPhoto)]));
      const angle = (15 * Math.PI) / 180;
      const width = Math.ceil(source.width * Math.cos(angle) + source.height * Math.sin(angle));
      const height = Math.ceil(source.width * Math.sin(angle) + source.height * Math.cos(angle));
      const turned = new OffscreenCanvas(width, height);
      const t = context(turned);
      t.fillStyle = '#808080';
      t.fillRect(0, 0, width, height);
      t.translate(width / 2, height / 2);
      t.rotate(angle);
      t.drawImage(source, -source.width / 2, -source.height / 2);
      // A 180 px thumbnail: its faces are found, with eyes about 7 px apart (under 9.6 px at 64 px, normal margin).
      const full = await createImageBitmap(new Blob([new Uint8Array(photo)]));
      const thumbnail = new OffscreenCanvas(180, Math.round((full.height * 180) / full.width));
      const s = context(thumbnail);
      s.imageSmoothingQuality = 'high';
      s.drawImage(full, 0, 0, thumbnail.width, thumbnail.height);
      // Sky, hills and a sun: a photo with no face in it.
      const landscape = new OffscreenCanvas(800, 600);
      const l = context(landscape);
      const sky = l.createLinearGradient(0, 0, 0, 600);
      sky.addColorStop(0, '#4a7fd0');
      sky.addColorStop(0.6, '#cfe3f5');
      sky.addColorStop(1, '#6a9a40');
      l.fillStyle = sky;
      l.fillRect(0, 0, 800, 600);
      l.fillStyle = '#3f6b2a';
      l.beginPath();
      l.ellipse(250, 600, 420, 180, 0, 0, Math.PI * 2);
      l.ellipse(650, 620, 380, 200, 0, 0, Math.PI * 2);
      l.fill();
      l.fillStyle = '#ffe9a0';
      l.beginPath();
      l.arc(620, 140, 50, 0, Math.PI * 2);
      l.fill();
      return { turned: await encode(turned), thumbnail: await encode(thumbnail), landscape: await encode(landscape) };
    },
    { photo: Array.from(photo), turnedPhoto: Array.from(turnedPhoto) },
  );
  return { turned: new Uint8Array(made.turned), thumbnail: new Uint8Array(made.thumbnail), landscape: new Uint8Array(made.landscape) };
}

async function facesZip(page: Page): Promise<{ file: string; entries: FixtureEntry[] }> {
  const { turned, thumbnail, landscape } = await makeJpegs(page, SAMPLES[0]?.bytes ?? new Uint8Array(0), SAMPLES[2]?.bytes ?? new Uint8Array(0));
  const entries: FixtureEntry[] = [
    ...SAMPLES.map(({ name, bytes }) => ({ name: `people/${name}`, data: bytes, method: 'store' as const })),
    { name: 'people/sample3 turned 15deg.jpg', data: turned, method: 'store' },
    { name: 'people/thumbnail.jpg', data: thumbnail, method: 'store' },
    { name: 'landscape.jpg', data: landscape, method: 'store' },
  ];
  const file = path.join(folder, 'group photos.zip');
  writeFileSync(file, buildZip(entries));
  return { file, entries };
}

const chooseZip = (page: Page) => page.getByLabel('Choose a zip of face images');

test.describe('Find and align faces', () => {
  test('photos of several people: one crop per face, the counts in words, the crops in the sample, and the cache by crop mode', async ({ page }) => {
    // Three decoding loads of 9 photos of 1920 px, with a face detector, on a shared 2-core machine.
    test.setTimeout(600_000);
    // The detector's code and weights come from the app's own origin, like everything else.
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const workers: string[] = [];
    let openDecodeWorkers = 0;
    page.on('worker', (worker) => {
      workers.push(worker.url());
      if (!/decode\.worker/.test(worker.url())) return;
      openDecodeWorkers++;
      worker.on('close', () => openDecodeWorkers--);
    });
    await openApp(page, '?preset=heaton');
    const { file } = await facesZip(page);
    await page.getByLabel('Crop').selectOption('faces');
    await expect(page.getByLabel('Around the face')).toHaveValue('normal');
    await chooseZip(page).setInputFiles(file);
    const report = page.getByTestId('dataset-report');
    await expect(report).toHaveText(
      'Found 20 faces in 7 photos (64×64 RGB, aligned faces); 1 photo without a face; 2 faces too small',
      { timeout: 120_000 },
    );
    await expect(page.getByTestId('skip-advice').getByRole('listitem')).toHaveText([
      '2 faces too small: their eyes are under 10 px apart in the photo, so their crops would be blurred; use larger photos or a smaller image size.',
      '1 photo without a face: no face was found with enough confidence (faces in profile, half hidden or tiny are missed).',
    ]);
    // The decode workers that held the detector (and a tfjs each) are closed once the load is done.
    await expect.poll(() => openDecodeWorkers, { timeout: 10_000 }).toBe(0);
    await page.getByText('Show skipped files').click();
    await expect(page.getByText('landscape.jpg', { exact: true })).toBeVisible();
    await expect(page.getByText('people/thumbnail.jpg (face 1 of 2)', { exact: true })).toBeVisible();
    await expect(page.getByText('people/thumbnail.jpg (face 2 of 2)', { exact: true })).toBeVisible();

    // The sample grid shows the crops: 20 tiles of faces, the other 8 of the 28 left white.
    const sample = gridPixels(page, /random training images from group photos\.zip/);
    const tiles = await sample.evaluate((canvas) => {
      const c = canvas as HTMLCanvasElement;
      const context = c.getContext('2d');
      if (!context) throw new Error('no 2d context');
      const spread: number[] = [];
      for (let row = 0; row < 4; row++) {
        for (let col = 0; col < 7; col++) {
          const data = context.getImageData(16 + col * 80, 16 + row * 80, 64, 64).data;
          let min = 255;
          let max = 0;
          for (let i = 0; i < data.length; i += 4) {
            const luma = 0.299 * (data[i] ?? 0) + 0.587 * (data[i + 1] ?? 0) + 0.114 * (data[i + 2] ?? 0);
            min = Math.min(min, luma);
            max = Math.max(max, luma);
          }
          spread.push(max - min);
        }
      }
      return spread;
    });
    expect(tiles.filter((spread) => spread > 60)).toHaveLength(20);
    expect(tiles.filter((spread) => spread === 0)).toHaveLength(8);

    // Another crop mode is another set, decoded afresh: a centre crop per photo (the thumbnail's
    // is a resized copy of sample1's, hence a near-duplicate there).
    await page.getByLabel('Crop').selectOption('centre');
    await expect(report).toHaveText('Loaded 8 images (64×64 RGB, centre-cropped); skipped 1: 1 near-duplicate', { timeout: 120_000 });
    // Another margin is another set too, and the faces set comes back from the cache.
    await page.getByLabel('Crop').selectOption('faces');
    await expect(report).toContainText('Found 20 faces in 7 photos', { timeout: 120_000 });
    await expect(report).toContainText('from cache');
    await page.getByLabel('Around the face').selectOption('loose');
    await expect(report).not.toContainText('from cache', { timeout: 120_000 });
    await expect(report).toContainText(/^Found \d+ faces in \d+ photos \(64×64 RGB, aligned faces\)/);

    // The built-in cartoon faces are drawn square: the faces crop does not apply to them.
    await page.getByLabel('How many').selectOption('200');
    await page.getByRole('button', { name: 'Try it with cartoon faces' }).click();
    await expect(report).toContainText('Loaded 200 images (64×64 RGB, centre-cropped)', { timeout: 120_000 });

    const origin = new URL(page.url()).origin;
    expect(requested.some((url) => /tiny_face_detector_model[^/]*\.bin$/.test(url))).toBe(true);
    // Detection ran in the decode workers (nested workers are listed too).
    expect(workers.filter((url) => /decode\.worker/.test(url)).length).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith(`blob:${origin}/`))).toEqual([]);
  });

  test('where nested workers cannot start, faces are found in the training worker, which keeps its backend', async ({ page }) => {
    // The training worker's script is served with `Worker` removed from its global scope first, as
    // in browsers without nested workers: the decode pool then decodes in the training worker.
    // (Requests made by workers themselves cannot be routed, so the decode workers' script cannot
    // simply be blocked.)
    // Decoding 1920 px photos and detecting faces beside training's own backend is slow here.
    test.setTimeout(300_000);
    const workers: string[] = [];
    page.on('worker', (worker) => workers.push(worker.url()));
    let patched = 0;
    await page.route(/training\.worker[^/]*\.js/, async (route) => {
      const response = await route.fetch();
      patched++;
      await route.fulfill({ response, body: `Object.defineProperty(self, 'Worker', { value: undefined });\n${await response.text()}` });
    });
    await openApp(page, '?preset=heaton');
    const backend = await page.getByTestId('backend-name').textContent();
    const entries = SAMPLES.slice(0, 2).map(({ name, bytes }) => ({ name, data: bytes, method: 'store' as const }));
    const file = path.join(folder, 'two photos.zip');
    writeFileSync(file, buildZip(entries));
    await page.getByLabel('Crop').selectOption('faces');
    await chooseZip(page).setInputFiles(file);
    await expect(page.getByTestId('dataset-report')).toHaveText('Found 4 faces in 2 photos (64×64 RGB, aligned faces)', { timeout: 120_000 });
    await expect(page.getByTestId('backend-name')).toHaveText(backend ?? '');
    expect(patched).toBe(1);
    expect(workers.some((url) => /training\.worker/.test(url))).toBe(true);
    expect(workers.filter((url) => /decode\.worker/.test(url))).toEqual([]);
  });

  test('each crop has its eyes level within 2° and where the margin puts them within 2 px at 64 px, measured afresh on 256 px crops', async ({ page }) => {
    await page.goto(`${DEV_ORIGIN}/tests/e2e/harness/faces.html`);
    await expect(page.locator('#status')).toHaveText('ready');
    const { entries } = await facesZip(page);
    const photos = entries.filter((e) => e.name !== 'landscape.jpg' && e.name !== 'people/thumbnail.jpg');
    const side = 256;
    const options: DecodeOptions = { side, channels: 3, crop: 'faces', faceMargin: 'normal', maxPixels: 50_000_000 };
    const expected = targetEyes(64, 'normal');
    let measured = 0;
    const unmeasured: string[] = [];
    for (const photo of photos) {
      const found = await page.evaluate(
        async ({ bytes, options }) => {
          const h = window.facesHarness;
          const { result } = await h.decode(bytes, options);
          if (!result.ok) throw new Error(`decode failed: ${result.message}`);
          const length = options.side * options.side * 3;
          const crops = [];
          for (let k = 0; k * length < result.pixels.length; k++) {
            const { faces } = await h.detect(Array.from(result.pixels.subarray(k * length, (k + 1) * length)), options.side);
            crops.push(faces);
          }
          return crops;
        },
        { bytes: Array.from(photo.data as Uint8Array), options },
      );
      expect(found.length, `${photo.name}: crops`).toBeGreaterThan(0);
      for (const [index, faces] of found.entries()) {
        // The face the crop is of: the one whose eyes are nearest the crop's eye line centre.
        const centre = { x: side / 2, y: 0.4 * side };
        const face = faces
          .map((f) => ({ f, d: Math.hypot((f.leftEye.x + f.rightEye.x) / 2 - centre.x, (f.leftEye.y + f.rightEye.y) / 2 - centre.y) }))
          .sort((a, b) => a.d - b.d)[0]?.f;
        if (!face) {
          unmeasured.push(`${photo.name} crop ${index}`);
          continue;
        }
        const at64 = (p: { x: number; y: number }) => ({ x: (p.x * 64) / side, y: (p.y * 64) / side });
        const left = at64(face.leftEye);
        const right = at64(face.rightEye);
        const label = `${photo.name} crop ${index}: eyes at (${left.x.toFixed(1)}, ${left.y.toFixed(1)}) and (${right.x.toFixed(1)}, ${right.y.toFixed(1)})`;
        expect(Math.abs(lineAngleDegrees(left, right)), label).toBeLessThanOrEqual(2);
        expect(Math.hypot(left.x - expected.left.x, left.y - expected.left.y), label).toBeLessThanOrEqual(2);
        expect(Math.hypot(right.x - expected.right.x, right.y - expected.right.y), label).toBeLessThanOrEqual(2);
        measured++;
      }
    }
    expect(unmeasured).toEqual([]);
    expect(measured).toBeGreaterThanOrEqual(15);
  });
});
