import { useEffect, useId, useRef, useState } from 'react';
import { downloadBlob } from '../downloads.ts';
import { exportTimelapse, type TimelapseFormat } from './timelapse.ts';
import { webmSupport, type WebmSupport } from './webm-encoder.ts';
import './timelapse-export.css';
import { describeError } from '../../protocol/describe-error.ts';

/** Frame rates offered; 10 fps shows each grid long enough to see it change. */
const FRAME_RATES = [5, 10, 15, 30] as const;
const DEFAULT_FPS = 10;

const FILE_NAMES: Record<TimelapseFormat, string> = { gif: 'ganvas-timelapse.gif', webm: 'ganvas-timelapse.webm' };

interface Job {
  done: number;
  total: number;
}

/** A message for the user: cancelling is not an error worth showing. */
function describeFailure(error: unknown): string | null {
  if (error instanceof DOMException && error.name === 'AbortError') return null;
  return describeError(error);
}

/**
 * "Export time-lapse": the stored grids as a labelled animated GIF or WebM video, with format
 * and frame-rate choices, a progress bar, Cancel, and in-line errors. WebM is offered only when
 * the browser can encode it (webmSupport); the reason shows otherwise.
 */
export function TimelapseExport({ frames }: { frames: readonly { step: number; blob: Blob }[] }) {
  const [format, setFormat] = useState<TimelapseFormat>('gif');
  const [fps, setFps] = useState<number>(DEFAULT_FPS);
  const [webm, setWebm] = useState<WebmSupport | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);
  const formatId = useId();
  const fpsId = useId();
  const hintId = useId();
  const progressId = useId();

  useEffect(() => {
    let current = true;
    webmSupport()
      .then((support) => current && setWebm(support))
      .catch((reason: unknown) => current && setWebm({ supported: false, reason: describeFailure(reason) ?? 'unknown error' }));
    return () => {
      current = false;
    };
  }, []);

  // Leaving the page section stops an export in progress.
  useEffect(() => () => controller.current?.abort(), []);

  const tooFew = frames.length < 2;
  const webmUnavailable = webm !== null && !webm.supported ? webm.reason : null;
  const chosen: TimelapseFormat = format === 'webm' && webm?.supported !== true ? 'gif' : format;

  const start = async () => {
    const abort = new AbortController();
    controller.current = abort;
    setError(null);
    setJob({ done: 0, total: frames.length });
    try {
      const blob = await exportTimelapse(frames, {
        format: chosen,
        fps,
        signal: abort.signal,
        onProgress: (done, total) => setJob({ done, total }),
      });
      downloadBlob(blob, FILE_NAMES[chosen]);
    } catch (reason) {
      setError(describeFailure(reason));
    } finally {
      if (controller.current === abort) controller.current = null;
      setJob(null);
    }
  };

  const busy = job !== null;
  return (
    <div className="timelapse-export" role="group" aria-label="Export time-lapse">
      <label htmlFor={formatId}>Time-lapse format</label>
      <select id={formatId} value={chosen} disabled={busy} onChange={(event) => setFormat(event.target.value === 'webm' ? 'webm' : 'gif')}>
        <option value="gif">Animated GIF</option>
        <option value="webm" disabled={webm?.supported !== true}>
          {webmUnavailable ? 'WebM video (unavailable)' : 'WebM video'}
        </option>
      </select>
      <label htmlFor={fpsId}>Frame rate</label>
      <select id={fpsId} value={fps} disabled={busy} onChange={(event) => setFps(Number(event.target.value))}>
        {FRAME_RATES.map((rate) => (
          <option key={rate} value={rate}>
            {rate} fps
          </option>
        ))}
      </select>
      <button type="button" disabled={tooFew || busy} aria-describedby={tooFew ? hintId : undefined} onClick={() => void start()}>
        Export time-lapse
      </button>
      {busy && (
        <>
          <label htmlFor={progressId}>
            Encoding frame {job.done.toLocaleString('en-US')} of {job.total.toLocaleString('en-US')}
          </label>
          <progress id={progressId} max={job.total} value={job.done} />
          <button type="button" onClick={() => controller.current?.abort()}>
            Cancel
          </button>
        </>
      )}
      {tooFew && (
        <p id={hintId} className="timelapse-hint">
          A time-lapse needs at least two saved grids.
        </p>
      )}
      {webmUnavailable && <p className="timelapse-hint">WebM unavailable: {webmUnavailable}</p>}
      {error && (
        <p className="timelapse-error" role="alert">
          Export failed: {error}
        </p>
      )}
    </div>
  );
}
