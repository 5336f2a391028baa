import { memo, useEffect, useId, useRef, useState } from 'react';
import type { GeneratorSource, RgbaImage } from '../../protocol/messages.ts';
import { downloadBlob } from '../downloads.ts';
import { createGifWriter, type GifFrame } from '../media/gif-encoder.ts';
import {
  WALK_FPS_CHOICES,
  WALK_FRAMES_DEFAULT,
  WALK_FRAMES_MAX,
  WALK_FRAMES_MIN,
  exportScale,
  parseFrameCount,
  pingPongOrder,
  pingPongStep,
  rgbaFrame,
  walkEnds,
  walkFileName,
  type WalkFps,
} from './generate-state.ts';
import { GenerateImage } from './GenerateImage.tsx';
import { upscaleNearest } from '../media/frames.ts';
import { encodeWebm, webmSupport } from '../media/webm-encoder.ts';
import type { TrainerCommands } from '../use-trainer.ts';
import { describeError } from '../../protocol/describe-error.ts';

type WebmSupport = Awaited<ReturnType<typeof webmSupport>>;

interface Walk {
  from: number;
  to: number;
  frames: RgbaImage[];
}

/** What is being encoded, and how far along (null: unknown, an indeterminate bar). */
type Encoding = { format: 'GIF' | 'WebM'; fraction: number | null } | null;

export interface GenerateWalkProps {
  commands: TrainerCommands;
  source: GeneratorSource;
  pinned: readonly number[];
  /** Another Generate request is in flight. */
  busy: boolean;
  onError(message: string): void;
}

/**
 * The latent walk between two pinned seeds: fetch the frames, scrub or play them A→B→A, and
 * export the loop as GIF or WebM. The parent remounts it (by key) when the generator changes,
 * which drops the frames of the old one.
 */
export const GenerateWalk = memo(function GenerateWalk({ commands, source, pinned, busy, onError }: GenerateWalkProps) {
  const [chosen, setChosen] = useState<{ from: number | null; to: number | null }>({ from: null, to: null });
  const [framesText, setFramesText] = useState(String(WALK_FRAMES_DEFAULT));
  const [fps, setFps] = useState<WalkFps>(12);
  const [walk, setWalk] = useState<Walk | null>(null);
  const [index, setIndex] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [fetching, setFetching] = useState(false);
  const [encoding, setEncoding] = useState<Encoding>(null);
  const [webm, setWebm] = useState<WebmSupport | null>(null);
  const direction = useRef<1 | -1>(1);
  const encodeAbort = useRef<AbortController | null>(null);
  const ids = { from: useId(), to: useId(), frames: useId(), framesError: useId(), fps: useId(), position: useId(), webmReason: useId() };

  useEffect(() => {
    let current = true;
    webmSupport().then(
      (support) => current && setWebm(support),
      (error: unknown) => current && setWebm({ supported: false, reason: describeError(error) }),
    );
    return () => {
      current = false;
      encodeAbort.current?.abort();
    };
  }, []);

  const frameCount = walk?.frames.length ?? 0;
  useEffect(() => {
    if (!playing || frameCount < 2) return;
    const timer = setTimeout(() => {
      const next = pingPongStep(index, direction.current, frameCount);
      direction.current = next.direction;
      setIndex(next.index);
    }, 1000 / fps);
    return () => clearTimeout(timer);
  }, [playing, index, frameCount, fps]);

  const ends = walkEnds(pinned, chosen.from, chosen.to);
  const frames = parseFrameCount(framesText);

  const makeWalk = async () => {
    if (!ends || !frames.ok) return;
    setFetching(true);
    setPlaying(false);
    try {
      const result = await commands.walk(source, ends.from, ends.to, frames.value);
      setWalk({ from: ends.from, to: ends.to, frames: result });
      setIndex(0);
      direction.current = 1;
    } catch (error) {
      onError(describeError(error));
    } finally {
      setFetching(false);
    }
  };

  /** The walk's frames scaled up so a 16-px face is still watchable (each once; the loop reuses them). */
  const scaledFrames = (current: Walk): GifFrame[] => {
    const first = current.frames[0];
    const scale = exportScale(first ? Math.max(first.width, first.height) : 1);
    return current.frames.map((image) => upscaleNearest(rgbaFrame(image), scale));
  };
  /** The loop A→B→A; frames are shared, not copied. */
  const loopOf = (frames: GifFrame[]): GifFrame[] => pingPongOrder(frames.length).map((i) => frames[i] as GifFrame);

  const exportGif = async (current: Walk) => {
    const controller = new AbortController();
    encodeAbort.current = controller;
    setEncoding({ format: 'GIF', fraction: 0 });
    try {
      const loop = loopOf(scaledFrames(current));
      const first = loop[0] as GifFrame;
      const writer = createGifWriter(first.width, first.height, { delayMs: 1000 / fps, loop: true });
      for (const [i, frame] of loop.entries()) {
        writer.addFrame(frame);
        // Hand the main thread back now and then, so the bar moves and the page stays responsive.
        if (i % 4 === 3) {
          setEncoding({ format: 'GIF', fraction: (i + 1) / loop.length });
          await new Promise((resolve) => setTimeout(resolve, 0));
          if (controller.signal.aborted) return;
        }
      }
      downloadBlob(new Blob(writer.finish(), { type: 'image/gif' }), walkFileName(current.from, current.to, 'gif'));
    } catch (error) {
      onError(`Could not make the GIF: ${describeError(error)}`);
    } finally {
      if (encodeAbort.current === controller) encodeAbort.current = null;
      setEncoding(null);
    }
  };

  const exportWebm = async (current: Walk) => {
    const controller = new AbortController();
    encodeAbort.current = controller;
    setEncoding({ format: 'WebM', fraction: 0 });
    try {
      const blob = await encodeWebm(loopOf(scaledFrames(current)), {
        fps,
        signal: controller.signal,
        onProgress: (done, total) => setEncoding({ format: 'WebM', fraction: done / total }),
      });
      if (!controller.signal.aborted) downloadBlob(blob, walkFileName(current.from, current.to, 'webm'));
    } catch (error) {
      if (!controller.signal.aborted) onError(`Could not make the WebM: ${describeError(error)}`);
    } finally {
      if (encodeAbort.current === controller) encodeAbort.current = null;
      setEncoding(null);
    }
  };

  const shownFrame = walk?.frames[Math.min(index, frameCount - 1)];
  const seedOptions = pinned.map((seed) => (
    <option key={seed} value={seed}>
      Seed {seed}
    </option>
  ));

  return (
    <section className="walk" aria-labelledby="walk-heading">
      <h3 id="walk-heading">Latent walk</h3>
      {!ends ? (
        <p className="hint" data-testid="walk-empty">
          Pin two faces to walk between them.
        </p>
      ) : (
        <>
          <div className="walk-controls">
            <label htmlFor={ids.from}>From</label>
            <select id={ids.from} value={ends.from} onChange={(event) => setChosen({ from: Number(event.target.value), to: ends.to })}>
              {seedOptions}
            </select>
            <label htmlFor={ids.to}>To</label>
            <select id={ids.to} value={ends.to} onChange={(event) => setChosen({ from: ends.from, to: Number(event.target.value) })}>
              {seedOptions}
            </select>
            <label htmlFor={ids.frames}>Frames</label>
            <input
              id={ids.frames}
              type="number"
              inputMode="numeric"
              min={WALK_FRAMES_MIN}
              max={WALK_FRAMES_MAX}
              step={1}
              value={framesText}
              aria-invalid={!frames.ok}
              aria-describedby={frames.ok ? undefined : ids.framesError}
              onChange={(event) => setFramesText(event.target.value)}
            />
            <button type="button" className="primary" disabled={!frames.ok || busy || fetching} onClick={() => void makeWalk()}>
              {fetching ? 'Generating…' : 'Make walk'}
            </button>
          </div>
          {!frames.ok && (
            <p className="field-error" id={ids.framesError}>
              {frames.message}
            </p>
          )}
        </>
      )}

      {walk && shownFrame && (
        <div className="walk-player" data-testid="walk-player" data-frames={frameCount}>
          <figure>
            <GenerateImage image={shownFrame} label={`Walk from seed ${walk.from} to seed ${walk.to}, frame ${index + 1} of ${frameCount}`} className="generate-image walk-image" />
            <figcaption>
              Seed {walk.from} → seed {walk.to}, frame {index + 1} of {frameCount}
            </figcaption>
          </figure>
          <div className="walk-controls">
            <button type="button" aria-pressed={playing} onClick={() => setPlaying((value) => !value)}>
              {playing ? 'Pause' : 'Play'}
            </button>
            <label htmlFor={ids.position}>Walk position</label>
            <input
              id={ids.position}
              type="range"
              min={0}
              max={frameCount - 1}
              step={1}
              value={index}
              aria-valuetext={`Frame ${index + 1} of ${frameCount}`}
              onChange={(event) => {
                setPlaying(false);
                setIndex(Number(event.target.value));
              }}
            />
            <label htmlFor={ids.fps}>Speed</label>
            <select id={ids.fps} value={fps} onChange={(event) => setFps(Number(event.target.value) as WalkFps)}>
              {WALK_FPS_CHOICES.map((choice) => (
                <option key={choice} value={choice}>
                  {choice} fps
                </option>
              ))}
            </select>
          </div>
          <div className="walk-controls" role="group" aria-label="Export the walk">
            <button type="button" disabled={encoding !== null} onClick={() => void exportGif(walk)}>
              Download GIF
            </button>
            <button
              type="button"
              disabled={encoding !== null || webm?.supported !== true}
              aria-describedby={webm && !webm.supported ? ids.webmReason : undefined}
              onClick={() => void exportWebm(walk)}
            >
              Download WebM
            </button>
            {webm && !webm.supported && (
              <span className="hint" id={ids.webmReason}>
                WebM unavailable: {webm.reason}
              </span>
            )}
            {encoding && (
              <label className="inline">
                Encoding {encoding.format}…
                <progress max={1} value={encoding.fraction ?? undefined} />
              </label>
            )}
          </div>
          <p className="hint">
            Exports play A→B→A ({pingPongOrder(frameCount).length} frames at {fps} fps), so they loop smoothly.
          </p>
        </div>
      )}
    </section>
  );
});
