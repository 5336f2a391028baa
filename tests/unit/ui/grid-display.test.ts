import { describe, expect, test } from 'vitest';
import { gridDisplay, MAX_GAP, MIN_GAP, displayTileOrigin, sourceTileOrigin, tileAt, matchesLayout } from '../../../src/ui/grid-display.ts';

const layout = (resolution: number) => ({ resolution, gridRows: 4, gridCols: 7, gridMargin: 16 });

describe('gridDisplay', () => {
  test.each([
    [16, 650, 5],
    [32, 650, 2],
    [64, 650, 1],
    [32, 1300, 5],
  ])('%i px tiles in %i px: whole-number scale %i, and the grid fills most of the column', (resolution, available, scale) => {
    const display = gridDisplay(layout(resolution), available);
    expect(display.scale).toBe(scale);
    expect(display.tile).toBe(scale * resolution);
    expect(display.gap).toBeGreaterThanOrEqual(MIN_GAP);
    expect(display.gap).toBeLessThanOrEqual(MAX_GAP);
    expect(display.width).toBeLessThanOrEqual(available);
    expect(display.width).toBeGreaterThan(0.9 * available);
  });

  test('a column too narrow for 1× shrinks the tiles to fit', () => {
    const display = gridDisplay(layout(64), 358);
    expect(display.scale).toBeLessThan(1);
    expect(display.width).toBeLessThanOrEqual(358 + 1e-9);
  });

  test('maps points to tiles and tiles to both images', () => {
    const display = gridDisplay(layout(32), 650);
    const origin = displayTileOrigin(display, 7, 9); // row 1, col 2
    expect(tileAt(display, layout(32), origin.x, origin.y)).toBe(9);
    expect(tileAt(display, layout(32), origin.x + display.tile - 1, origin.y + display.tile - 1)).toBe(9);
    expect(tileAt(display, layout(32), origin.x - 1, origin.y)).toBeNull();
    expect(tileAt(display, layout(32), 0, 0)).toBeNull();
    expect(sourceTileOrigin(layout(32), 9)).toEqual({ x: 16 + 2 * 48, y: 16 + 48 });
    expect(matchesLayout({ width: 352, height: 208 }, layout(32))).toBe(true);
    expect(matchesLayout({ width: 352, height: 209 }, layout(32))).toBe(false);
  });
});
