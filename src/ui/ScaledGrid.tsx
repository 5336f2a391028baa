import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { GridLayout } from '../protocol/config.ts';
import { displayTileOrigin, gridDisplay, matchesLayout, sourceTileOrigin, tileAt, type GridDisplay } from './grid-display.ts';
import { FaceDialog } from './FaceDialog.tsx';

/** A grid as the worker drew it: raw RGBA (live) or a stored PNG (history). */
export type GridSource = { step: number; width: number; height: number } & ({ pixels: Uint8ClampedArray<ArrayBuffer> } | { blob: Blob });

/** Width of the element's content box, kept up to date. */
function useContentWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry?.contentRect.width ?? 0)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/** The theme's panel colour, so the gaps between faces never glare white in the dark theme. */
function backgroundOf(element: Element): string {
  return getComputedStyle(element).getPropertyValue('--panel').trim() || '#ffffff';
}

function drawDisplay(target: HTMLCanvasElement, source: HTMLCanvasElement | ImageBitmap, layout: GridLayout | null, display: GridDisplay | null): void {
  const context = target.getContext('2d');
  if (!context) return;
  context.imageSmoothingEnabled = false;
  context.fillStyle = backgroundOf(target);
  context.fillRect(0, 0, target.width, target.height);
  if (!layout || !display) {
    context.drawImage(source, 0, 0, target.width, target.height);
    return;
  }
  const ratio = target.width / display.width;
  const tiles = layout.gridRows * layout.gridCols;
  for (let index = 0; index < tiles; index++) {
    const from = sourceTileOrigin(layout, index);
    const to = displayTileOrigin(display, layout.gridCols, index);
    const side = display.tile * ratio;
    context.drawImage(source, from.x, from.y, layout.resolution, layout.resolution, Math.round(to.x * ratio), Math.round(to.y * ratio), side, side);
  }
}

/**
 * A preview grid scaled to fill its column: each face magnified by a whole number (pixelated),
 * gaps in the theme's colour. The worker's image itself stays in a hidden canvas at its native
 * size (`data-testid="grid-pixels"`): it is the source of the drawing, and what tests read.
 * Clicking a face (or Enter) opens it large.
 */
export function ScaledGrid({ frame, layout, label, dataSource }: { frame: GridSource; layout: GridLayout | null; label: string; dataSource?: string }) {
  const [containerRef, available] = useContentWidth<HTMLDivElement>();
  const sourceRef = useRef<HTMLCanvasElement>(null);
  const displayRef = useRef<HTMLCanvasElement>(null);
  const [enlarged, setEnlarged] = useState<number | null>(null);
  const usable = layout && matchesLayout(frame, layout) ? layout : null;
  const display = usable && available > 0 ? gridDisplay(usable, available) : null;
  // Without a known layout the whole image is scaled: a whole number of times, or shrunk to fit.
  const wholeScale = available >= frame.width ? Math.floor(available / frame.width) : Math.max(available, 1) / frame.width;
  const cssWidth = display ? display.width : frame.width * wholeScale;
  const cssHeight = display ? display.height : (cssWidth * frame.height) / frame.width;
  const ratio = typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;

  // The worker's image into the hidden native canvas (PNG history frames are decoded off the
  // main thread), then its faces onto the display canvas.
  useEffect(() => {
    const source = sourceRef.current;
    const target = displayRef.current;
    const context = source?.getContext('2d');
    if (!source || !target || !context) return;
    if ('pixels' in frame) {
      context.putImageData(new ImageData(frame.pixels, frame.width, frame.height), 0, 0);
      drawDisplay(target, source, usable, display);
      return;
    }
    let current = true;
    createImageBitmap(frame.blob)
      .then((bitmap) => {
        if (current) {
          context.clearRect(0, 0, source.width, source.height);
          context.drawImage(bitmap, 0, 0);
          drawDisplay(target, source, usable, display);
        }
        bitmap.close();
      })
      .catch((error: unknown) => console.warn('Could not decode a stored grid:', error));
    return () => {
      current = false;
    };
    // `display` is recomputed each render; its numbers (in the canvas size) are what matter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [frame, usable, display?.scale, display?.gap, cssWidth, cssHeight]);

  const openAt = (clientX: number, clientY: number) => {
    const target = displayRef.current;
    if (!target || !usable || !display) return;
    const box = target.getBoundingClientRect();
    const index = tileAt(display, usable, clientX - box.left, clientY - box.top);
    if (index !== null) setEnlarged(index);
  };

  return (
    <div ref={containerRef} className="scaled-grid" data-scale={display?.scale ?? ''}>
      <canvas ref={sourceRef} width={frame.width} height={frame.height} hidden data-testid="grid-pixels" data-step={frame.step} />
      <canvas
        ref={displayRef}
        width={Math.max(1, Math.round(cssWidth * ratio))}
        height={Math.max(1, Math.round(cssHeight * ratio))}
        style={{ width: `${cssWidth}px`, height: `${cssHeight}px` }}
        role="img"
        aria-label={label}
        data-step={frame.step}
        data-source={dataSource}
        tabIndex={usable ? 0 : undefined}
        title={usable ? 'Click a face to see it large' : undefined}
        onClick={(event) => openAt(event.clientX, event.clientY)}
        onKeyDown={(event) => {
          if (usable && (event.key === 'Enter' || event.key === ' ')) {
            event.preventDefault();
            event.stopPropagation();
            setEnlarged(0);
          }
        }}
      />
      {enlarged !== null && usable && (
        <FaceDialog
          source={sourceRef}
          layout={usable}
          index={enlarged}
          step={frame.step}
          onIndex={setEnlarged}
          onClose={() => {
            setEnlarged(null);
            displayRef.current?.focus();
          }}
        />
      )}
    </div>
  );
}
