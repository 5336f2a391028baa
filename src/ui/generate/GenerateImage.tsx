import { memo, useLayoutEffect, useRef } from 'react';
import type { RgbaImage } from '../../protocol/messages.ts';

/**
 * Draws an RGBA image at its native pixel size on a canvas; CSS scales it up pixelated (never
 * resampled), so what the canvas holds is exactly what the generator made.
 */
export const GenerateImage = memo(function GenerateImage({ image, label, className }: { image: RgbaImage; label: string; className?: string }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    const context = canvasRef.current?.getContext('2d');
    // A view, not a copy: putImageData copies the pixels into the canvas.
    context?.putImageData(new ImageData(new Uint8ClampedArray(image.pixels), image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={canvasRef} className={className ?? 'generate-image'} width={image.width} height={image.height} role="img" aria-label={label} />;
});
