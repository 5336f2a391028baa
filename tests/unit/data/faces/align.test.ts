import { describe, expect, test } from 'vitest';
import {
  affineScale,
  alignmentTransform,
  applyAffine,
  composeAffine,
  EYE_DISTANCE_FRACTION,
  EYE_LINE,
  FACE_MARGINS,
  invertAffine,
  lineAngleDegrees,
  minimumEyeDistance,
  sourceRegion,
  targetEyes,
  type Point,
} from '../../../../src/data/faces/align.ts';

function expectPoint(actual: Point, expected: Point, digits = 9): void {
  expect(actual.x).toBeCloseTo(expected.x, digits);
  expect(actual.y).toBeCloseTo(expected.y, digits);
}

describe('targetEyes', () => {
  test('64 px, normal margin: eyes 19.2 px apart on the line 0.4 down, centred', () => {
    const { left, right } = targetEyes(64, 'normal');
    expectPoint(left, { x: 22.4, y: 25.6 });
    expectPoint(right, { x: 41.6, y: 25.6 });
  });

  test('a tighter margin puts the eyes further apart (a larger face); the eye line stays', () => {
    const distance = (m: (typeof FACE_MARGINS)[number]) => targetEyes(64, m).right.x - targetEyes(64, m).left.x;
    expect(distance('tight')).toBeGreaterThan(distance('normal'));
    expect(distance('normal')).toBeGreaterThan(distance('loose'));
    for (const margin of FACE_MARGINS) expect(targetEyes(64, margin).left.y).toBeCloseTo(EYE_LINE * 64, 12);
  });
});

describe('alignmentTransform', () => {
  // Eyes as a photo might have them: level, tilted either way by 15°, far apart or close, near an edge.
  const cases: [string, Point, Point][] = [
    ['level', { x: 800, y: 500 }, { x: 900, y: 500 }],
    ['tilted 15° clockwise', { x: 800, y: 500 }, { x: 800 + 100 * Math.cos(Math.PI / 12), y: 500 + 100 * Math.sin(Math.PI / 12) }],
    ['tilted 15° anticlockwise', { x: 800, y: 500 }, { x: 800 + 100 * Math.cos(Math.PI / 12), y: 500 - 100 * Math.sin(Math.PI / 12) }],
    ['tilted 40°, small', { x: 30, y: 40 }, { x: 30 + 12 * Math.cos(0.7), y: 40 + 12 * Math.sin(0.7) }],
    ['upside down', { x: 900, y: 500 }, { x: 800, y: 500 }],
  ];

  test.each(cases)('%s: each eye lands on its target, so the eyes are level', (_, left, right) => {
    for (const margin of FACE_MARGINS) {
      for (const side of [64, 256]) {
        const transform = alignmentTransform(left, right, side, margin);
        const target = targetEyes(side, margin);
        expectPoint(applyAffine(transform, left), target.left);
        expectPoint(applyAffine(transform, right), target.right);
        expect(lineAngleDegrees(applyAffine(transform, left), applyAffine(transform, right))).toBeCloseTo(0, 9);
      }
    }
  });

  test('the scale is the margin’s eye distance over the photo’s, and the map does not mirror', () => {
    const transform = alignmentTransform({ x: 100, y: 100 }, { x: 180, y: 160 }, 64, 'normal');
    expect(affineScale(transform)).toBeCloseTo((EYE_DISTANCE_FRACTION.normal * 64) / 100, 12);
    expect(transform.a * transform.d - transform.b * transform.c).toBeGreaterThan(0);
  });

  test('rejects eyes in one place', () => {
    expect(() => alignmentTransform({ x: 5, y: 5 }, { x: 5, y: 5 }, 64, 'normal')).toThrow(RangeError);
  });
});

describe('affine helpers', () => {
  const transform = alignmentTransform({ x: 310, y: 220 }, { x: 402, y: 251 }, 64, 'loose');

  test('invertAffine undoes the map', () => {
    const inverse = invertAffine(transform);
    for (const p of [{ x: 0, y: 0 }, { x: 64, y: 13 }, { x: 31.5, y: 64 }]) expectPoint(applyAffine(transform, applyAffine(inverse, p)), p);
  });

  test('composeAffine applies the first map, then the second', () => {
    const shift = { a: 1, b: 0, c: 0, d: 1, e: 7, f: -3 };
    const p = { x: 12, y: 34 };
    expectPoint(applyAffine(composeAffine(shift, transform), p), applyAffine(transform, applyAffine(shift, p)));
  });
});

describe('sourceRegion', () => {
  test('the photo pixels a level crop draws from, plus a pixel for the filter', () => {
    // Eyes 100 px apart → scale 0.192; the 64 px crop covers 333⅓ px of the photo.
    const transform = alignmentTransform({ x: 950, y: 500 }, { x: 1050, y: 500 }, 64, 'normal');
    const region = sourceRegion(transform, 64, 1920, 1080);
    const topLeft = applyAffine(invertAffine(transform), { x: 0, y: 0 });
    expect(region).toEqual({ x: Math.floor(topLeft.x) - 1, y: Math.floor(topLeft.y) - 1, width: expect.any(Number) as number, height: expect.any(Number) as number });
    expect(region?.width).toBeGreaterThanOrEqual(334);
    expect(region?.width).toBeLessThanOrEqual(337);
  });

  test('clamped to the photo for a face at its edge; null when the crop misses the photo', () => {
    const atEdge = alignmentTransform({ x: 5, y: 20 }, { x: 45, y: 20 }, 64, 'normal');
    expect(sourceRegion(atEdge, 64, 200, 200)).toMatchObject({ x: 0, y: 0 });
    const outside = alignmentTransform({ x: -900, y: -900 }, { x: -880, y: -900 }, 64, 'normal');
    expect(sourceRegion(outside, 64, 200, 200)).toBeNull();
  });
});

describe('minimumEyeDistance', () => {
  test('half the eye distance of the crop: a face is never enlarged more than 2×', () => {
    expect(minimumEyeDistance(64, 'normal')).toBeCloseTo(9.6, 12);
    expect(minimumEyeDistance(128, 'tight')).toBeCloseTo(0.38 * 64, 12);
  });
});
