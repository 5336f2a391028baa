import { useEffect, useRef } from 'react';
import type { GridFrame } from './trainer-state.ts';

/** Draws a grid frame at its native pixel size (scaled by CSS, pixelated, never resampled). */
export function FaceGrid({ frame, label }: { frame: GridFrame; label: string }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvasRef.current?.getContext('2d');
    context?.putImageData(new ImageData(frame.pixels, frame.width, frame.height), 0, 0);
  }, [frame]);
  return (
    <figure className="face-grid">
      <canvas ref={canvasRef} width={frame.width} height={frame.height} role="img" aria-label={label} data-step={frame.step} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
