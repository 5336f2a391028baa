/** The grid of training images the dataset panel shows after a load. */
import type { ImageSet } from '../dataset.ts';
import { composeGrid, type GridImage } from '../../gan/grid.ts';
import { createRandom, randomInt } from '../../gan/random.ts';
import type { GridLayout } from '../../protocol/config.ts';

/** Grid geometry of sampleGrid apart from the tile side, which is the set's. */
export type SampleGridLayout = Omit<GridLayout, 'resolution'>;

/** Heaton's preview layout: 4 rows × 7 columns, 16 px white margins. */
export const HEATON_SAMPLE_LAYOUT: Readonly<SampleGridLayout> = Object.freeze({ gridRows: 4, gridCols: 7, gridMargin: 16 });

/**
 * A grid of `count` distinct images drawn at random from the set (seeded), in the same layout
 * as the generator's preview, so the user sees what the GAN is asked to imitate. With fewer
 * images than tiles, every image is shown once and the remaining tiles stay white.
 * @returns RGBA bytes (see composeGrid).
 */
export function sampleGrid(set: ImageSet, count = 28, seed = 0, layout: SampleGridLayout = HEATON_SAMPLE_LAYOUT): GridImage {
  const shown = Math.max(0, Math.min(Math.floor(count), layout.gridRows * layout.gridCols, set.count));
  const random = createRandom(seed);
  // Rejection sampling: `shown` ≤ 256 draws from up to millions, so collisions are rare; when
  // the set is small the loop still ends (every index is eventually drawn).
  const chosen = new Set<number>();
  while (chosen.size < shown) chosen.add(randomInt(random, set.count));
  const imageLength = set.side * set.side * set.channels;
  const tiles = new Uint8Array(shown * imageLength);
  [...chosen].forEach((index, tile) => tiles.set(set.pixels.subarray(index * imageLength, (index + 1) * imageLength), tile * imageLength));
  return composeGrid(tiles, shown, set.channels, { ...layout, resolution: set.side });
}

// ---------------------------------------------------------------------------------------------
// Whole-file steps
