import type { GridLayout } from '../protocol/config.ts';
import { ScaledGrid } from './ScaledGrid.tsx';
import type { GridFrame } from './trainer-state.ts';

/** A grid frame scaled up to fill its column (see ScaledGrid), with a caption. */
export function FaceGrid({ frame, label, layout = null }: { frame: GridFrame; label: string; layout?: GridLayout | null }) {
  return (
    <figure className="face-grid">
      <ScaledGrid frame={frame} layout={layout} label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
