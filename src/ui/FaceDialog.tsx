import { useEffect, useRef, type RefObject } from 'react';
import type { GridLayout } from '../protocol/config.ts';
import { sourceTileOrigin } from './grid-display.ts';

/** On-screen side of the enlarged face at most, in CSS pixels (a whole multiple of the tile). */
const MAX_SIDE = 448;

/**
 * One face of the grid, large (whole-number scale, pixelated), in a modal dialog: ← and → move
 * through the grid, Escape or Close returns to it.
 */
export function FaceDialog({
  source,
  layout,
  index,
  step,
  onIndex,
  onClose,
}: {
  /** The grid at its native size. */
  source: RefObject<HTMLCanvasElement | null>;
  layout: GridLayout;
  index: number;
  step: number;
  onIndex(index: number): void;
  onClose(): void;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const count = layout.gridRows * layout.gridCols;
  const room = Math.min(MAX_SIDE, (typeof window === 'undefined' ? MAX_SIDE : window.innerWidth) - 64);
  const side = Math.max(1, Math.floor(room / layout.resolution)) * layout.resolution;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  useEffect(() => {
    const context = canvasRef.current?.getContext('2d');
    const grid = source.current;
    if (!context || !grid) return;
    context.imageSmoothingEnabled = false;
    const { x, y } = sourceTileOrigin(layout, index);
    context.drawImage(grid, x, y, layout.resolution, layout.resolution, 0, 0, side, side);
  }, [source, layout, index, side, step]);

  return (
    <dialog
      ref={dialogRef}
      className="face-dialog"
      aria-label={`Face ${index + 1} of ${count}`}
      onClose={onClose}
      onKeyDown={(event) => {
        if (event.key === 'ArrowRight') onIndex((index + 1) % count);
        else if (event.key === 'ArrowLeft') onIndex((index - 1 + count) % count);
        else return;
        event.preventDefault();
      }}
    >
      <canvas ref={canvasRef} width={side} height={side} role="img" aria-label={`Face ${index + 1} at step ${step.toLocaleString('en-US')}, enlarged`} />
      <p className="face-dialog-caption">
        Face {index + 1} of {count} at step {step.toLocaleString('en-US')} · {layout.resolution}×{layout.resolution} px shown {side / layout.resolution}× · ← → for the others
      </p>
      <div className="face-dialog-actions">
        <button type="button" onClick={() => onIndex((index - 1 + count) % count)}>
          Previous
        </button>
        <button type="button" onClick={() => onIndex((index + 1) % count)}>
          Next
        </button>
        <button type="button" className="primary" onClick={() => dialogRef.current?.close()} autoFocus>
          Close
        </button>
      </div>
    </dialog>
  );
}
