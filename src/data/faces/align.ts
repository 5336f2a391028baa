/**
 * The geometry of an aligned face crop, pure (no DOM, no tfjs), so Node tests pin it down.
 *
 * Two eye centres in a photo → the similarity transform (rotation, uniform scale, shift) that
 * puts them level, a fixed distance apart and at fixed points of an S × S crop, as FFHQ and
 * CelebA-aligned crops do. The margin decides the eye distance, hence how much of the head and
 * its surroundings the crop holds; the eyes always sit at EYE_LINE of the height, centred.
 */

import type { FaceMargin } from '../../protocol/dataset.ts';

export type { FaceMargin };

export const FACE_MARGINS: readonly FaceMargin[] = ['tight', 'normal', 'loose'];

/** The default: the whole face, a little hair above and the chin below, like CelebA-aligned 64 px crops. */
export const DEFAULT_FACE_MARGIN: FaceMargin = 'normal';

/**
 * Distance between the eye centres as a fraction of the crop side. With eyes at 0.4 of the
 * height an adult face reaches the chin about 1.5 eye distances below the eye line and the
 * hairline about 1 above it: 'normal' (0.30) puts the chin near 0.85 and leaves some hair;
 * 'tight' (0.38) is the face from brows to mouth-and-chin; 'loose' (0.24) adds hair and neck.
 */
export const EYE_DISTANCE_FRACTION: Readonly<Record<FaceMargin, number>> = { tight: 0.38, normal: 0.3, loose: 0.24 };

/** Where the eye line sits, as a fraction of the crop's height from the top. */
export const EYE_LINE = 0.4;

export interface Point {
  x: number;
  y: number;
}

/**
 * A 2-D affine map in canvas order: x' = a·x + c·y + e, y' = b·x + d·y + f (the arguments of
 * CanvasRenderingContext2D.setTransform).
 */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/** Where the two eye centres land in an aligned S × S crop: (left in the image, right in the image). */
export function targetEyes(side: number, margin: FaceMargin): { left: Point; right: Point } {
  const half = (EYE_DISTANCE_FRACTION[margin] * side) / 2;
  const y = EYE_LINE * side;
  return { left: { x: side / 2 - half, y }, right: { x: side / 2 + half, y } };
}

/**
 * The transform from photo pixels to crop pixels that sends `leftEye` (the eye on the image's
 * left, i.e. the person's right eye) and `rightEye` onto targetEyes(side, margin).
 * Coordinates are continuous: pixel (i, j) covers [i, i+1) × [j, j+1).
 */
export function alignmentTransform(leftEye: Point, rightEye: Point, side: number, margin: FaceMargin): Affine {
  const distance = Math.hypot(rightEye.x - leftEye.x, rightEye.y - leftEye.y);
  if (!(distance > 0)) throw new RangeError('alignmentTransform: the two eye points coincide');
  const middle = { x: (leftEye.x + rightEye.x) / 2, y: (leftEye.y + rightEye.y) / 2 };
  const angle = Math.atan2(rightEye.y - leftEye.y, rightEye.x - leftEye.x);
  return similarityTransform(middle, angle, (EYE_DISTANCE_FRACTION[margin] * side) / distance, { x: side / 2, y: EYE_LINE * side });
}

/**
 * The similarity that turns the photo by −`angle` (radians, so a line at `angle` becomes
 * level) about `centre`, scales it by `scale` and puts `centre` at `target`.
 */
export function similarityTransform(centre: Point, angle: number, scale: number, target: Point): Affine {
  const cos = scale * Math.cos(angle);
  const sin = scale * Math.sin(angle);
  const a = cos;
  const b = -sin;
  const c = sin;
  const d = cos;
  return { a, b, c, d, e: target.x - (a * centre.x + c * centre.y), f: target.y - (b * centre.x + d * centre.y) };
}

/** `point` under `transform`. */
export function applyAffine(transform: Affine, point: Point): Point {
  const { a, b, c, d, e, f } = transform;
  return { x: a * point.x + c * point.y + e, y: b * point.x + d * point.y + f };
}

/** The inverse map (crop → photo). */
export function invertAffine(transform: Affine): Affine {
  const { a, b, c, d, e, f } = transform;
  const det = a * d - b * c;
  if (det === 0) throw new RangeError('invertAffine: singular transform');
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  return { a: ia, b: ib, c: ic, d: id, e: -(ia * e + ic * f), f: -(ib * e + id * f) };
}

/** `first` then `second`: the map p ↦ second(first(p)). */
export function composeAffine(first: Affine, second: Affine): Affine {
  return {
    a: second.a * first.a + second.c * first.b,
    b: second.b * first.a + second.d * first.b,
    c: second.a * first.c + second.c * first.d,
    d: second.b * first.c + second.d * first.d,
    e: second.a * first.e + second.c * first.f + second.e,
    f: second.b * first.e + second.d * first.f + second.f,
  };
}

/** The uniform scale of a similarity transform (crop pixels per photo pixel). */
export function affineScale(transform: Affine): number {
  return Math.hypot(transform.a, transform.b);
}

/** The angle of the segment from `from` to `to`, in degrees (0 = level, positive = clockwise on screen). */
export function lineAngleDegrees(from: Point, to: Point): number {
  return (Math.atan2(to.y - from.y, to.x - from.x) * 180) / Math.PI;
}

/** An axis-aligned rectangle in photo pixels (integers). */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The part of a width × height photo the crop draws from: the bounding box of the crop square
 * mapped back into the photo, widened by a pixel for the resampling filter and clamped to the
 * photo; null when it misses the photo entirely.
 */
export function sourceRegion(transform: Affine, side: number, width: number, height: number): PixelRect | null {
  const inverse = invertAffine(transform);
  const corners = [
    { x: 0, y: 0 },
    { x: side, y: 0 },
    { x: 0, y: side },
    { x: side, y: side },
  ].map((corner) => applyAffine(inverse, corner));
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x))) - 1);
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y))) - 1);
  const x1 = Math.min(width, Math.ceil(Math.max(...corners.map((p) => p.x))) + 1);
  const y1 = Math.min(height, Math.ceil(Math.max(...corners.map((p) => p.y))) + 1);
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The minimum face size, as the eye distance in photo pixels: a face whose eyes are closer
 * than half the eye distance its crop needs would be enlarged more than 2× and come out blurred.
 */
export function minimumEyeDistance(side: number, margin: FaceMargin): number {
  return (EYE_DISTANCE_FRACTION[margin] * side) / 2;
}
