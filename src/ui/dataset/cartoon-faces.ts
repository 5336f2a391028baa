/**
 * The built-in training set: cartoon faces from facesjs (Apache-2.0, zengm-games/facesjs), so a
 * user can train with zero setup. This file is the pure half: seeded face descriptions and the
 * SVG framing; cartoon-rasteriser.ts turns them into pixels on the page.
 *
 * Why the page and not the worker: facesjs's display() needs a DOM (getBBox on live SVG) and
 * its DOM-free faceToSvgString assigns `global.document`, which does not exist in browsers;
 * and Chromium cannot rasterise SVG in a worker (createImageBitmap rejects SVG blobs there).
 */
import { generate, type FaceConfig, type Gender } from 'facesjs';
import { createRandom } from '../../protocol/random.ts';

/** Default number of built-in faces: enough for a DCGAN to learn, quick to rasterise. */
export const CARTOON_DEFAULT_COUNT = 2000;

/**
 * The square of facesjs's 400 × 600 drawing that becomes a tile, in its own units: x 0–400,
 * y 120–520. The head spans x ≈ 47–353 (thin to fat faces), hair tops sit near y 130, eyes at
 * y 310, chins near y 500. So the whole face fits with a margin of background and the eyes
 * land ~47 % down, like an aligned face-photo crop; only tall hair (buns, hats) and the top of
 * the jersey at the bottom corners are cut. (Checked by eye: tests/e2e/cartoon-faces.spec.ts
 * saves the crop outlined on full faces.)
 */
export const FACE_CROP = { x: 0, y: 120, size: 400 } as const;

/** One face to draw: what facesjs should draw, and the tile's background colour. */
export interface CartoonFaceSpec {
  face: FaceConfig;
  /** CSS colour, light so the face stands out; varied so the GAN has a background to learn. */
  background: string;
}

/**
 * Faces `start` to `start + count − 1` of the set seeded by `seed`. Each face depends only on
 * (seed, index), so any prefix or chunk of a set is the same as in the whole set.
 */
export function generateCartoonFaceSpecs(seed: number, start: number, count: number): CartoonFaceSpec[] {
  const specs: CartoonFaceSpec[] = [];
  for (let index = start; index < start + count; index++) {
    const random = createRandom(hashSeed(seed, index));
    const gender: Gender = random() < 0.5 ? 'male' : 'female';
    const face = withRandomSource(random, () => generate(undefined, { gender }));
    specs.push({ face, background: backgroundColour(random) });
  }
  return specs;
}

/**
 * Reframes facesjs's SVG markup (from display() + XMLSerializer, or faceToSvgString in Node)
 * as a `side × side` image of FACE_CROP on the spec's background colour. Rasterising the
 * vector at the target size gives properly antialiased edges, no separate downscale needed.
 * `idPrefix` renames the markup's ids (some hair styles define gradient "a"), so several
 * faces can share one document without their references crossing.
 */
export function frameFaceSvg(svgMarkup: string, background: string, side: number, idPrefix = ''): string {
  const open = /<svg\b[^>]*>/.exec(svgMarkup);
  if (!open) throw new Error('frameFaceSvg: no <svg> element in the markup');
  const { x, y, size } = FACE_CROP;
  const tag = open[0]
    .replace(/\s(?:viewBox|width|height|preserveAspectRatio)="[^"]*"/g, '')
    .replace(/^<svg\b/, `<svg viewBox="${x} ${y} ${size} ${size}" width="${side}" height="${side}" preserveAspectRatio="none"`);
  const withNamespace = tag.includes('xmlns=') ? tag : tag.replace(/^<svg\b/, '<svg xmlns="http://www.w3.org/2000/svg"');
  const backdrop = `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="${background}"/>`;
  let body = svgMarkup.slice(open.index + open[0].length);
  if (idPrefix) {
    body = body
      .replace(/\bid="([^"]+)"/g, `id="${idPrefix}$1"`)
      .replace(/url\(#([^)]+)\)/g, `url(#${idPrefix}$1)`)
      .replace(/href="#([^"]+)"/g, `href="#${idPrefix}$1"`);
  }
  return svgMarkup.slice(0, open.index) + withNamespace + backdrop + body;
}

/**
 * Lays framed faces (from frameFaceSvg, each `side` px square) out as one SVG sheet, `columns`
 * wide, row-major. One image load per sheet instead of per face: the browser's per-image
 * overhead (a whole SVG document each) was most of the cost of rasterising.
 */
export function composeFaceSheet(framedFaces: readonly string[], side: number, columns: number): string {
  const rows = Math.ceil(framedFaces.length / columns);
  const tiles = framedFaces.map((face, i) => `<g transform="translate(${(i % columns) * side} ${Math.floor(i / columns) * side})">${face}</g>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${columns * side}" height="${rows * side}">${tiles.join('')}</svg>`;
}

/**
 * Runs `body` with Math.random replaced by a seeded generator. facesjs draws every choice from
 * Math.random and takes no generator, and generate() is synchronous, so nothing else can run
 * (and see the swap) before it is restored.
 */
function withRandomSource<T>(random: () => number, body: () => T): T {
  const original = Math.random;
  Math.random = random;
  try {
    return body();
  } finally {
    Math.random = original;
  }
}

/** A pale colour: any hue, muted saturation, lightness 78–92 %. */
function backgroundColour(random: () => number): string {
  const hue = Math.floor(random() * 360);
  const saturation = 25 + Math.floor(random() * 45);
  const lightness = 78 + Math.floor(random() * 15);
  return `hsl(${hue} ${saturation}% ${lightness}%)`;
}

/**
 * splitmix32-style mixing of (seed, index) into a generator seed, so neighbouring indices give
 * unrelated faces. (The same idea as src/gan/random.ts, which the UI layer may not import.)
 */
function hashSeed(seed: number, index: number): number {
  let z = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

