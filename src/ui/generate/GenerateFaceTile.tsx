import { memo } from 'react';
import type { RgbaImage } from '../../protocol/messages.ts';
import { PNG_SCALES, type PngScale } from './generate-state.ts';
import { GenerateImage } from './GenerateImage.tsx';

export interface GenerateFaceTileProps {
  seed: number;
  image: RgbaImage;
  pinned: boolean;
  /** A request is in flight: actions that ask the worker wait. */
  busy: boolean;
  /** This tile's nearest-real request is the one in flight. */
  findingNearest: boolean;
  onTogglePin(seed: number): void;
  onSavePng(seed: number, scale: PngScale): void;
  onNearest(seed: number): void;
}

/** One generated face: the picture, its seed, a pin toggle, PNG downloads and "Nearest real images". */
export const GenerateFaceTile = memo(function GenerateFaceTile({ seed, image, pinned, busy, findingNearest, onTogglePin, onSavePng, onNearest }: GenerateFaceTileProps) {
  return (
    <li className="face-tile" data-testid={`face-${seed}`} data-pinned={pinned || undefined}>
      <figure>
        <GenerateImage image={image} label={`Face for seed ${seed}`} />
        <figcaption>Seed {seed}</figcaption>
      </figure>
      <div className="face-actions" role="group" aria-label={`Actions for seed ${seed}`}>
        <button type="button" aria-pressed={pinned} onClick={() => onTogglePin(seed)} aria-label={`Pin seed ${seed}`}>
          {pinned ? 'Pinned' : 'Pin'}
        </button>
        <span className="face-png" role="group" aria-label={`Save PNG of seed ${seed}`}>
          <span aria-hidden="true">PNG</span>
          {PNG_SCALES.map((scale) => (
            <button key={scale} type="button" className="small" aria-label={`Save PNG of seed ${seed} at ${scale}×`} onClick={() => onSavePng(seed, scale)}>
              {scale}×
            </button>
          ))}
        </span>
        <button type="button" disabled={busy} onClick={() => onNearest(seed)}>
          {findingNearest ? 'Searching…' : 'Nearest real images'}
        </button>
      </div>
    </li>
  );
});
