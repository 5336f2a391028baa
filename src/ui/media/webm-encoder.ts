/**
 * WebM video from RGBA frames: WebCodecs VideoEncoder (VP9 when the browser can encode it, else
 * VP8), driven and muxed by `mediabunny` (the successor of webm-muxer, by the same author), which
 * also holds frames back while the encoder is busy and ends the file's Duration after the last
 * frame's own 1/fps, so a player shows it. Frames go in one at a time (createWebmWriter), so a
 * 2,000-frame time-lapse never holds more than a few decoded frames; encodeWebm wraps it for
 * frames already in memory.
 *
 * mediabunny is a 265 kB chunk (59 kB gzipped; webm-muxer was about 28 kB), so it is loaded only
 * when a WebM is made: webmSupport asks WebCodecs directly and never loads it.
 *
 * Odd sizes: 4:2:0 video needs even width and height, so frames are padded with one white
 * column and/or row on the right/bottom (padToEven) rather than scaled, which would blur pixels.
 */
import { padToEven, type RgbaImage } from './frames.ts';

/** A codec this module may use: the WebCodecs string and mediabunny's name for it. */
interface Codec {
  webCodecs: string;
  mediabunny: 'vp9' | 'vp8';
}

/** VP9 profile 0, level 5.0 (up to 4K; a 4×-upscaled grid fits), 8-bit; then plain VP8. */
const CODECS: readonly Codec[] = [
  { webCodecs: 'vp09.00.50.08', mediabunny: 'vp9' },
  { webCodecs: 'vp8', mediabunny: 'vp8' },
];

/** The size webmSupport probes with: a typical 576 × 336 preview grid. */
const PROBE = { width: 576, height: 336, framerate: 10 };

/** A key frame every this many seconds, so players can seek in long time-lapses. */
const KEY_FRAME_SECONDS = 2;

export type WebmSupport = { supported: true; codec: string } | { supported: false; reason: string };

/**
 * Bits per second for `width` × `height` at `fps`: about 0.6 bit per pixel per frame, far more
 * than film needs, because grids are tiny faces full of detail that low bitrates smear; clamped
 * to 1–20 Mbit/s.
 */
export function webmBitrate(width: number, height: number, fps: number): number {
  return Math.round(Math.max(1_000_000, Math.min(20_000_000, width * height * fps * 0.6)));
}

function encoderConfig(codec: Codec, width: number, height: number, fps: number): VideoEncoderConfig {
  return {
    codec: codec.webCodecs,
    width,
    height,
    framerate: fps,
    bitrate: webmBitrate(width, height, fps),
    bitrateMode: 'variable',
    latencyMode: 'quality',
  };
}

/** The first codec in CODECS the browser can encode `width` × `height` with, or why none. */
async function pickCodec(width: number, height: number, fps: number): Promise<{ codec: Codec } | { reason: string }> {
  if (typeof VideoEncoder === 'undefined' || typeof VideoFrame === 'undefined') {
    return { reason: 'This browser has no WebCodecs video encoder (it needs a recent Chrome, Edge or Safari, on a secure page).' };
  }
  for (const codec of CODECS) {
    try {
      const { supported } = await VideoEncoder.isConfigSupported(encoderConfig(codec, width, height, fps));
      if (supported) return { codec };
    } catch {
      // An invalid or unknown config rejects instead of answering false: try the next codec.
    }
  }
  return { reason: 'This browser cannot encode VP9 or VP8 video.' };
}

/**
 * Whether WebM export can work here, and with which codec (WebCodecs string, e.g.
 * "vp09.00.50.08"); asks the browser, so it is cheap but asynchronous.
 */
export function webmSupport(): Promise<WebmSupport> {
  // Asked once per page: the browser's answer does not change, and asking costs tens of ms of
  // main-thread time (the page warms it up while idle, before training starts).
  supportAnswer ??= pickCodec(PROBE.width, PROBE.height, PROBE.framerate).then((picked) =>
    'codec' in picked ? { supported: true, codec: picked.codec.webCodecs } : { supported: false, reason: picked.reason },
  );
  return supportAnswer;
}
let supportAnswer: Promise<WebmSupport> | null = null;

/** Builds a WebM frame by frame; see createWebmWriter. */
export interface WebmWriter {
  /** The WebCodecs codec string in use. */
  readonly codec: string;
  /** Encodes one frame (every frame the size of the first); waits while the encoder is backed up. */
  addFrame(frame: RgbaImage): Promise<void>;
  /** Flushes the encoder, finalises the file and returns it (`video/webm`). */
  finish(): Promise<Blob>;
  /** Stops and closes the encoder; the writer is unusable afterwards. Safe to call twice. */
  cancel(): void;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The export was cancelled.', 'AbortError');
}

/**
 * Starts a WebM of `width` × `height` frames (odd sizes are padded, see the file comment).
 * Timestamps are frame index / fps. Rejects when the browser cannot encode VP9 or VP8.
 * An aborted `signal` closes the encoder and makes the next call reject with its reason.
 */
export async function createWebmWriter(options: { width: number; height: number; fps: number; signal?: AbortSignal }): Promise<WebmWriter> {
  const { fps, signal } = options;
  if (!(fps > 0 && fps <= 120)) throw new Error(`encodeWebm: fps must be in (0, 120], got ${fps}`);
  const width = options.width + (options.width % 2);
  const height = options.height + (options.height % 2);
  const picked = await pickCodec(width, height, fps);
  if (!('codec' in picked)) throw new Error(picked.reason);
  const { codec } = picked;

  const { BufferTarget, Output, VideoSample, VideoSampleSource, WebMOutputFormat } = await import('mediabunny');
  const target = new BufferTarget();
  const output = new Output({ format: new WebMOutputFormat(), target });
  const source = new VideoSampleSource({
    codec: codec.mediabunny,
    fullCodecString: codec.webCodecs,
    bitrate: webmBitrate(width, height, fps),
    bitrateMode: 'variable',
    latencyMode: 'quality',
    keyFrameInterval: KEY_FRAME_SECONDS,
  });
  output.addVideoTrack(source, { frameRate: fps });
  await output.start();

  let frameCount = 0;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    signal?.removeEventListener('abort', close);
    // Cancelling closes the encoder; it only rejects when the output already ended.
    if (output.state === 'pending' || output.state === 'started') output.cancel().catch(() => undefined);
  };
  signal?.addEventListener('abort', close);

  const check = () => {
    if (signal?.aborted) throw abortError(signal);
    if (closed) throw new Error('encodeWebm: the writer is closed');
  };
  /** Runs a mediabunny step; after an abort, reports the abort rather than the cancelled step's error. */
  const step = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      close();
      if (signal?.aborted) throw abortError(signal);
      throw error;
    }
  };

  return {
    codec: codec.webCodecs,
    async addFrame(frame: RgbaImage): Promise<void> {
      check();
      if (frame.width + (frame.width % 2) !== width || frame.height + (frame.height % 2) !== height) {
        close();
        throw new Error(`encodeWebm: every frame must be ${options.width}×${options.height}, got ${frame.width}×${frame.height}`);
      }
      const even = padToEven(frame);
      const sample = new VideoSample(even.rgba, { format: 'RGBA', codedWidth: width, codedHeight: height, timestamp: frameCount / fps, duration: 1 / fps });
      try {
        // Resolves once the encoder and muxer can take more: the backpressure that bounds memory.
        await step(() => source.add(sample));
      } finally {
        sample.close();
      }
      frameCount++;
    },
    async finish(): Promise<Blob> {
      check();
      if (frameCount === 0) {
        close();
        throw new Error('encodeWebm: no frames');
      }
      await step(() => output.finalize());
      closed = true;
      signal?.removeEventListener('abort', close);
      if (!target.buffer) throw new Error('encodeWebm: the muxer produced no file');
      return new Blob([target.buffer], { type: 'video/webm' });
    },
    cancel: close,
  };
}

/**
 * Encodes `frames` (all the same size) as a WebM video at `fps` frames a second.
 * `onProgress(done, total)` runs after each frame is queued; an aborted `signal` stops the
 * encoder and rejects with the signal's reason.
 */
export async function encodeWebm(
  frames: readonly RgbaImage[],
  options: { fps: number; onProgress?: (done: number, total: number) => void; signal?: AbortSignal },
): Promise<Blob> {
  const first = frames[0];
  if (!first) throw new Error('encodeWebm: no frames');
  options.signal?.throwIfAborted();
  const writer = await createWebmWriter({ width: first.width, height: first.height, fps: options.fps, signal: options.signal });
  try {
    for (const [index, frame] of frames.entries()) {
      await writer.addFrame(frame);
      options.onProgress?.(index + 1, frames.length);
    }
    return await writer.finish();
  } finally {
    writer.cancel();
  }
}
