/**
 * How a preview grid is laid out on screen: the tiles at the largest whole-number scale that
 * fits the column (pixelated, never blurred), with the gaps between them widened to fill the
 * rest, up to MAX_GAP. The worker's grid (Heaton's layout, white margins) stays what downloads
 * and time-lapses use; only its tiles are copied onto the screen, on the theme's background.
 */
import { gridSize, type GridLayout } from '../protocol/config.ts';

export const MIN_GAP = 4;
export const MAX_GAP = 24;

export interface GridDisplay {
  /** Whole-number magnification of each tile; below 1 only when even 1× does not fit. */
  scale: number;
  /** Space around and between tiles, in the same (device) pixels. */
  gap: number;
  /** Side of one tile on screen. */
  tile: number;
  width: number;
  height: number;
}

/**
 * The display of `layout`'s tiles in `available` pixels of width. Narrow columns that cannot
 * hold the tiles at 1× shrink them to fit (the only non-integer case).
 */
export function gridDisplay(layout: GridLayout, available: number): GridDisplay {
  const { resolution, gridRows: rows, gridCols: cols } = layout;
  const room = Math.max(1, available - (cols + 1) * MIN_GAP);
  const fit = room / (cols * resolution);
  const scale = fit >= 1 ? Math.floor(fit) : fit;
  const tile = scale * resolution;
  const gap = Math.min(MAX_GAP, Math.max(MIN_GAP, Math.floor((available - cols * tile) / (cols + 1))));
  return { scale, gap, tile, width: cols * tile + (cols + 1) * gap, height: rows * tile + (rows + 1) * gap };
}

/** Where tile `index` (row-major) sits in the worker's grid image. */
export function sourceTileOrigin(layout: GridLayout, index: number): { x: number; y: number } {
  const { resolution, gridCols, gridMargin } = layout;
  return {
    x: gridMargin + (index % gridCols) * (resolution + gridMargin),
    y: gridMargin + Math.floor(index / gridCols) * (resolution + gridMargin),
  };
}

/** Where tile `index` sits on screen. */
export function displayTileOrigin(display: GridDisplay, cols: number, index: number): { x: number; y: number } {
  return {
    x: display.gap + (index % cols) * (display.tile + display.gap),
    y: display.gap + Math.floor(index / cols) * (display.tile + display.gap),
  };
}

/** The tile under a point of the displayed grid (row-major index), or null on a gap. */
export function tileAt(display: GridDisplay, layout: GridLayout, x: number, y: number): number | null {
  const step = display.tile + display.gap;
  const col = Math.floor((x - display.gap) / step);
  const row = Math.floor((y - display.gap) / step);
  if (col < 0 || row < 0 || col >= layout.gridCols || row >= layout.gridRows) return null;
  const inX = x - display.gap - col * step;
  const inY = y - display.gap - row * step;
  if (inX >= display.tile || inY >= display.tile) return null;
  return row * layout.gridCols + col;
}

/** Whether a grid image of this size was drawn with `layout` (else it is shown whole). */
export function matchesLayout(image: { width: number; height: number }, layout: GridLayout): boolean {
  const { width, height } = gridSize(layout);
  return image.width === width && image.height === height;
}
