import { memo, useId, useRef, useState, type DragEvent } from 'react';
import { formatBytes } from '../../protocol/format.ts';
import { describeCrop, describeReport, reportAdvice, type CachedSetSummary, type CropMode, type DatasetOptions, type FaceMargin, type LoadProgress } from '../../protocol/dataset.ts';
import { FaceGrid } from '../FaceGrid.tsx';
import { currentSet, type LoadStatus } from '../trainer-state.ts';

export const CARTOON_COUNT_CHOICES = [200, 500, 1000, 2000, 5000] as const;

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

const PHASE_LABELS: Record<LoadProgress['phase'], string> = {
  reading: 'Reading the zip',
  decoding: 'Decoding and resizing images',
  rendering: 'Drawing cartoon faces',
  caching: 'Saving to the browser cache',
};

/**
 * A file chosen in the first seconds waits for the worker (TensorFlow.js and its backend load
 * first); saying so beats an empty bar. The worker takes the file the moment it is ready.
 */
function LoadProgressView({ source, progress, engineReady, onCancel }: { source: string; progress: LoadProgress | null; engineReady: boolean; onCancel(): void }) {
  const labelId = useId();
  return (
    <div className="load-progress" role="status" aria-live="polite">
      <p id={labelId}>
        {progress ? PHASE_LABELS[progress.phase] : engineReady ? 'Opening' : 'Starting the training engine; then opening'} <strong>{source}</strong>…
      </p>
      <progress aria-labelledby={labelId} max={progress?.total || 1} value={progress?.done ?? 0} />
      {!progress && !engineReady && <p className="hint">TensorFlow.js is loading in the background; your file opens as soon as it is ready.</p>}
      {progress && (
        <p className="hint">
          {progress.done.toLocaleString('en-US')} / {progress.total.toLocaleString('en-US')} images
          {progress.bytesTotal > 0 && ` · ${formatBytes(progress.bytesRead)} of ${formatBytes(progress.bytesTotal)} read`}
          {` · ${progress.imagesPerSecond.toFixed(0)} images/s`}
          {progress.etaSeconds !== null && ` · about ${formatSeconds(progress.etaSeconds)} left`}
        </p>
      )}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

function SkippedNames({ groups }: { groups: { label: string; names: string[]; count: number }[] }) {
  const listed = groups.filter((g) => g.names.length > 0);
  if (listed.length === 0) return null;
  return (
    <details className="skipped-names">
      <summary>Show skipped files</summary>
      {listed.map((group) => (
        <div key={group.label}>
          <h4>
            {group.label} ({group.count.toLocaleString('en-US')})
          </h4>
          <ul>
            {/* Names are untrusted text from the zip: rendered as text nodes, never as HTML or links. */}
            {group.names.map((name, i) => (
              <li key={`${i}-${name}`}>{name}</li>
            ))}
            {group.count > group.names.length && <li>… and {(group.count - group.names.length).toLocaleString('en-US')} more</li>}
          </ul>
        </div>
      ))}
    </details>
  );
}

/** One sentence per skip group that calls for it: what happened, and what to do. */
function SkipAdvice({ advice }: { advice: string[] }) {
  if (advice.length === 0) return null;
  return (
    <ul className="skip-advice" data-testid="skip-advice">
      {advice.map((sentence) => (
        <li key={sentence}>{sentence}</li>
      ))}
    </ul>
  );
}

export interface DatasetPanelProps {
  load: LoadStatus;
  options: DatasetOptions;
  onCropChange(crop: CropMode): void;
  onFaceMarginChange(margin: FaceMargin): void;
  onKeepDuplicatesChange(keep: boolean): void;
  onZip(file: File): void;
  onCartoon(count: number): void;
  onCancel(): void;
  disabled: boolean;
  /** False until the worker has its backend: a file chosen before then waits for it. */
  engineReady: boolean;
  cache: { available: boolean; sets: CachedSetSummary[] } | null;
  onRefreshCache(): void;
  onClearCache(): void;
}

/** The first step: drop a zip or pick the built-in set; then what was loaded and what was skipped. */
export const DatasetPanel = memo(function DatasetPanel(props: DatasetPanelProps) {
  const { load, options, disabled } = props;
  const [dragging, setDragging] = useState(false);
  const [cartoonCount, setCartoonCount] = useState<number>(2000);
  const inputRef = useRef<HTMLInputElement>(null);
  const inputId = useId();

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file && !disabled) props.onZip(file);
  };

  const ready = load.status === 'loading' ? null : currentSet(load);

  return (
    <section className="panel dataset-panel" aria-labelledby="dataset-heading">
      <h2 id="dataset-heading">1. Training images</h2>
      {load.status === 'loading' ? (
        <LoadProgressView source={load.source} progress={load.progress} engineReady={props.engineReady} onCancel={props.onCancel} />
      ) : (
        <>
          <div
            className={`drop-zone${dragging ? ' dragging' : ''}`}
            onDragOver={(event) => {
              event.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={onDrop}
          >
            <p>
              <strong>Drop a .zip of face photos here</strong>, or
            </p>
            {/* The primary action until images are loaded; then Start is. */}
            <button type="button" className={load.status === 'ready' ? undefined : 'primary'} disabled={disabled} onClick={() => inputRef.current?.click()}>
              Choose a zip…
            </button>
            {/* One picker: the button opens this input (kept for its file dialog and for drops of files by tests). */}
            <input
              id={inputId}
              ref={inputRef}
              type="file"
              hidden
              accept=".zip,application/zip,application/x-zip-compressed"
              disabled={disabled}
              aria-label="Choose a zip of face images"
              onChange={(event) => {
                const file = event.target.files?.[0];
                if (file) props.onZip(file);
                event.target.value = '';
              }}
            />
            <p className="hint">
              Images are decoded in this tab at {options.side}×{options.side} px ({options.channels === 3 ? 'RGB' : 'grayscale'}). Nothing is uploaded.
            </p>
            <label className="inline">
              Crop
              <select value={options.crop} disabled={disabled} onChange={(e) => props.onCropChange(e.target.value as CropMode)}>
                <option value="centre">Centre square (no distortion)</option>
                <option value="squash">Squash whole image (Heaton)</option>
                <option value="faces">Find and align faces</option>
              </select>
            </label>
            {options.crop === 'faces' && (
              <label className="inline">
                Around the face
                <select value={options.faceMargin ?? 'normal'} disabled={disabled} onChange={(e) => props.onFaceMarginChange(e.target.value as FaceMargin)}>
                  <option value="tight">Tight</option>
                  <option value="normal">Normal</option>
                  <option value="loose">Loose</option>
                </select>
              </label>
            )}
            {options.crop === 'faces' && (
              <p className="hint">
                Every face in each photo becomes one image, turned so the eyes are level: tight keeps brows to chin, normal some hair and the chin, loose hair
                and neck. Faces are found on this device; no photo leaves it.
              </p>
            )}
            <label className="inline">
              <input
                type="checkbox"
                checked={options.keepDuplicates === true}
                disabled={disabled}
                onChange={(e) => props.onKeepDuplicatesChange(e.target.checked)}
              />
              Keep duplicate photos (otherwise each is used once)
            </label>
          </div>
          <div className="cartoon-choice">
            <button type="button" disabled={disabled} onClick={() => props.onCartoon(cartoonCount)}>
              Try it with cartoon faces
            </button>
            <label className="inline">
              How many
              <select value={cartoonCount} disabled={disabled} onChange={(e) => setCartoonCount(Number(e.target.value))}>
                {CARTOON_COUNT_CHOICES.map((n) => (
                  <option key={n} value={n}>
                    {n.toLocaleString('en-US')}
                  </option>
                ))}
              </select>
            </label>
            <span className="hint">Generated here with facesjs: no download, no setup.</span>
          </div>
        </>
      )}

      {load.status === 'failed' && !load.cancelled && (
        <p className="error" role="alert">
          {load.message}
          {load.previous && ' The images loaded before are still in use.'}
        </p>
      )}

      {ready && (
        <div className="dataset-report">
          <p data-testid="dataset-report">
            {describeReport(ready.report)}
            {ready.report.cache.status === 'hit' && <span className="badge"> from cache</span>}
          </p>
          {ready.report.cache.status === 'skipped' && ready.report.source === 'zip' && <p className="hint">{ready.report.cache.message}</p>}
          <SkipAdvice advice={reportAdvice(ready.report)} />
          <SkippedNames groups={ready.report.skipped.filter((g) => g.reason !== 'directory')} />
          <FaceGrid
            frame={ready.sample}
            layout={{ resolution: ready.report.side, gridRows: 4, gridCols: 7, gridMargin: 16 }}
            label={`28 random training images from ${ready.report.name}`}
          />
        </div>
      )}

      {props.cache && (
        <details className="cache-list" onToggle={(e) => (e.currentTarget.open ? props.onRefreshCache() : undefined)}>
          <summary>Cached image sets</summary>
          {!props.cache.available ? (
            <p className="hint">This browser offers no storage for caching; every zip is decoded again.</p>
          ) : props.cache.sets.length === 0 ? (
            <p className="hint">Nothing cached yet. Loaded zips are cached so the next load is instant.</p>
          ) : (
            <>
              <ul>
                {props.cache.sets.map((set) => (
                  <li key={set.key}>
                    {set.name}: {set.count.toLocaleString('en-US')} images, {set.side}×{set.side} {set.channels === 3 ? 'RGB' : 'grayscale'},{' '}
                    {describeCrop(set.crop)}
                  </li>
                ))}
              </ul>
              <button type="button" onClick={props.onClearCache}>
                Clear cached sets
              </button>
            </>
          )}
        </details>
      )}
    </section>
  );
});
