import { useEffect, useId, useState } from 'react';
import type { GridLayout } from '../../protocol/config.ts';
import { indexNearestStep, type RgbaFrame, type StoredFrame } from './grid-history.ts';
import { TimelapseExport } from '../media/TimelapseExport.tsx';
import { ScaledGrid } from '../ScaledGrid.tsx';
import './trainer.css';

/** Replay speed: about eight grids a second, slow enough to see each one. */
const PLAY_FRAME_MS = 125;

/**
 * Where the user parked the scrubber: a step (not an index, which thinning renumbers) within
 * the history that began with `firstFrame`; once the history is cleared or replaced by a new
 * run, the pin no longer applies and the view follows live again.
 */
interface Pin {
  step: number;
  firstFrame: StoredFrame;
}

type Shown = { kind: 'live'; frame: RgbaFrame } | { kind: 'stored'; frame: StoredFrame } | null;

/**
 * The latest preview grid, with a scrubber over every stored grid, Play/Pause to replay
 * training, and the time-lapse export. Follows live grids until the user scrubs or plays; then stays on the chosen grid
 * until "Follow live".
 */
export function GridTimeline({
  frames,
  liveFrame,
  layout,
  onScrub,
}: {
  frames: readonly StoredFrame[];
  liveFrame: RgbaFrame | null;
  /** The run's grid layout, so faces can be shown scaled up. */
  layout: GridLayout;
  /** The step the scrubber shows, or null while following live (the charts mark it). */
  onScrub?: (step: number | null) => void;
}) {
  const [pin, setPin] = useState<Pin | null>(null);
  const [playing, setPlaying] = useState(false);
  const scrubberId = useId();

  const lastIndex = frames.length - 1;
  const activePin = pin && frames[0] === pin.firstFrame ? pin : null;
  const pinnedIndex = activePin ? indexNearestStep(frames, activePin.step) : -1;
  const isPlaying = playing && activePin !== null;

  let shown: Shown = null;
  const pinnedFrame = frames[pinnedIndex];
  const latestStored = frames[lastIndex];
  if (activePin && pinnedFrame) shown = { kind: 'stored', frame: pinnedFrame };
  else if (liveFrame) shown = { kind: 'live', frame: liveFrame };
  else if (latestStored) shown = { kind: 'stored', frame: latestStored };

  const pinnedStep = activePin && pinnedFrame ? pinnedFrame.step : null;
  useEffect(() => onScrub?.(pinnedStep), [onScrub, pinnedStep]);

  const scrubIndex = pinnedIndex >= 0 ? pinnedIndex : lastIndex;
  useEffect(() => {
    if (!isPlaying) return;
    const timer = setTimeout(() => {
      const next = frames[scrubIndex + 1];
      if (next && frames[0]) setPin({ step: next.step, firstFrame: frames[0] });
      else setPlaying(false);
    }, PLAY_FRAME_MS);
    return () => clearTimeout(timer);
  }, [isPlaying, scrubIndex, frames]);

  const pinAt = (index: number) => {
    const frame = frames[index];
    const first = frames[0];
    if (frame && first) setPin({ step: frame.step, firstFrame: first });
  };

  const onPlayPause = () => {
    if (isPlaying) {
      setPlaying(false);
      return;
    }
    // From the end (or while following live) a replay starts at the first grid.
    pinAt(activePin && scrubIndex < lastIndex ? scrubIndex : 0);
    setPlaying(true);
  };

  const followLive = () => {
    setPin(null);
    setPlaying(false);
  };

  if (!shown) {
    return (
      <section className="grid-timeline" aria-label="Preview grid">
        <p className="grid-placeholder">The preview grid appears here once training starts.</p>
      </section>
    );
  }

  const label = `Step ${shown.frame.step.toLocaleString('en-US')}`;
  return (
    <section className="grid-timeline" aria-label="Preview grid">
      <figure className="face-grid">
        <ScaledGrid frame={shown.frame} layout={layout} label={`Preview grid at ${label.toLowerCase()}`} dataSource={shown.kind} />
        <figcaption>
          {label}
          {activePin ? '' : ' (live)'}
        </figcaption>
      </figure>
      <div className="timeline-controls">
        <button type="button" onClick={onPlayPause} disabled={frames.length < 2} aria-pressed={isPlaying}>
          {isPlaying ? 'Pause' : 'Play'}
        </button>
        <label htmlFor={scrubberId}>Training history</label>
        <input
          id={scrubberId}
          type="range"
          min={0}
          max={Math.max(0, lastIndex)}
          step={1}
          value={Math.max(0, scrubIndex)}
          disabled={frames.length < 2}
          aria-valuetext={frames[scrubIndex] ? `Step ${frames[scrubIndex].step.toLocaleString('en-US')}` : undefined}
          onChange={(event) => {
            setPlaying(false);
            pinAt(Number(event.target.value));
          }}
        />
        <span className="timeline-position">
          {frames.length === 0 ? 'No saved grids yet' : `${(Math.max(0, scrubIndex) + 1).toLocaleString('en-US')} of ${frames.length.toLocaleString('en-US')}`}
        </span>
        {activePin && (
          <button type="button" onClick={followLive}>
            Follow live
          </button>
        )}
      </div>
      <TimelapseExport frames={frames} />
    </section>
  );
}
