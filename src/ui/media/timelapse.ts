/**
 * The training time-lapse: every stored grid in step order, each labelled with its step, as an
 * animated GIF or a WebM video. Streams: one grid is decoded, labelled and handed to the encoder
 * at a time, so 2,000 grids cost the encoded output plus a frame or two of pixels, not 2,000
 * decoded frames.
 */
import { createGifWriter } from './gif-encoder.ts';
import { createCanvas, drawLabel, exportScale, type OwnedRgbaImage } from './frames.ts';
import { createWebmWriter } from './webm-encoder.ts';

export type TimelapseFormat = 'gif' | 'webm';

export interface TimelapseOptions {
  format: TimelapseFormat;
  /** Frames per second; a GIF stores the delay in centiseconds, so 1000/fps rounded to 10 ms. */
  fps: number;
  /** Called after each frame is encoded. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops the export; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What both encoders look like to the export loop. */
interface FrameSink {
  add(frame: OwnedRgbaImage): Promise<void>;
  finish(): Promise<Blob>;
  cancel(): void;
}

async function openSink(format: TimelapseFormat, width: number, height: number, fps: number, signal: AbortSignal | undefined): Promise<FrameSink> {
  if (format === 'webm') {
    const writer = await createWebmWriter({ width, height, fps, signal });
    return { add: (frame) => writer.addFrame(frame), finish: () => writer.finish(), cancel: () => writer.cancel() };
  }
  const writer = createGifWriter(width, height, { delayMs: 1000 / fps, loop: true });
  return {
    add: async (frame) => writer.addFrame(frame),
    finish: async () => new Blob(writer.finish(), { type: 'image/gif' }),
    cancel: () => undefined,
  };
}

/** The label on a time-lapse frame, e.g. "step 1,200". */
export function stepLabel(step: number): string {
  return `step ${step.toLocaleString('en-US')}`;
}

/**
 * Decodes `blob` and draws it at `width` × `height` (nearest neighbour, so upscaled faces stay
 * crisp, and a grid of another size still fits), then the step label, and reads the pixels back.
 */
async function renderFrame(blob: Blob, width: number, height: number, label: string): Promise<OwnedRgbaImage> {
  const bitmap = await createImageBitmap(blob);
  try {
    const { context } = createCanvas(width, height);
    context.imageSmoothingEnabled = false;
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0, width, height);
    drawLabel(context, height, label);
    return { width, height, rgba: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
}

/**
 * Encodes the grids in `frames` (PNG blobs; sorted by step here) as a labelled time-lapse.
 * Grids shorter than 256 px are upscaled by an integer factor (exportScale) so faces and label
 * stay legible; every frame takes the first grid's size.
 */
export async function exportTimelapse(frames: readonly { step: number; blob: Blob }[], options: TimelapseOptions): Promise<Blob> {
  const { format, fps, onProgress, signal } = options;
  signal?.throwIfAborted();
  const ordered = [...frames].sort((a, b) => a.step - b.step);
  const first = ordered[0];
  if (!first) throw new Error('exportTimelapse: no frames');

  // The first grid's size sets the output's.
  const probe = await createImageBitmap(first.blob);
  const scale = exportScale(probe.height);
  const width = probe.width * scale;
  const height = probe.height * scale;
  probe.close();

  let sink: FrameSink | null = null;
  try {
    sink = await openSink(format, width, height, fps, signal);
    for (const [index, frame] of ordered.entries()) {
      signal?.throwIfAborted();
      await sink.add(await renderFrame(frame.blob, width, height, stepLabel(frame.step)));
      onProgress?.(index + 1, ordered.length);
      // GIF encoding is synchronous: give the page a turn between frames so Cancel and the
      // progress bar respond.
      if (format === 'gif') await new Promise((resolve) => setTimeout(resolve, 0));
    }
    signal?.throwIfAborted();
    return await sink.finish();
  } finally {
    sink?.cancel();
  }
}
