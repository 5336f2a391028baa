import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { heldBackCount, QUALITY_MIN_IMAGES, type TrainConfig } from '../../protocol/config.ts';
import type { RecipeTarget } from '../../protocol/messages.ts';
import { estimateRun, YOUNG_RUN_GRID_EVERY_MS, YOUNG_RUN_MS } from '../../protocol/presets.ts';
import { approxDuration, recentMsPerStep } from './durations.ts';
import { describeLiveSettings } from './fields.ts';
import { describeError } from '../../protocol/describe-error.ts';
import { formatBytes } from '../../protocol/format.ts';
import { Charts } from './Charts.tsx';
import { metricsToCsv } from './chart-data.ts';
import { downloadBlob, generatorZip, gridsZip } from '../downloads.ts';
import { FaceGrid } from '../FaceGrid.tsx';
import type { useGridHistory } from './grid-history.ts';
import { GridTimeline } from './GridTimeline.tsx';
import { QualityChart } from './QualityChart.tsx';
import { StatusBar } from './StatusBar.tsx';
import { currentSet, elapsedMs, type TrainerState } from '../trainer-state.ts';
import type { TrainerCommands } from '../use-trainer.ts';

/** performance.now(), refreshed every second while `active` (for elapsed time and ETA). */
function useClock(active: boolean): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/** When the next grid is due: at the next multiple of the preview interval, or sooner while the run is young. */
function nextGridInMs(step: number, previewEvery: number, msPerStep: number | null, elapsed: number, sinceLastGridMs: number | null): number | null {
  if (msPerStep === null) return null;
  const byStep = (previewEvery - (step % previewEvery)) * msPerStep;
  const byTime = elapsed < YOUNG_RUN_MS && sinceLastGridMs !== null ? Math.max(0, YOUNG_RUN_GRID_EVERY_MS - sinceLastGridMs) + msPerStep : Infinity;
  return Math.min(byStep, byTime);
}

export interface TrainingPanelProps {
  state: TrainerState;
  config: TrainConfig;
  history: ReturnType<typeof useGridHistory>;
  canStart: boolean;
  onStart(): void;
  /** Continue from a .ganvas file (the page may clear its history first). */
  /** Resolves once the file's run replaced the current one; rejects (after the page showed why) when it did not. */
  onLoadCheckpoint(file: File): Promise<unknown>;
  commands: TrainerCommands;
  /** How long a step of these settings takes here (from the probe), for the estimate before Start. */
  estimate: { msPerStep: number; basis: string } | null;
  /** The Start button, so the page can move focus there once images are loaded. */
  startRef?: RefObject<HTMLButtonElement | null>;
}

/** The .npy's size for the loaded set (float32: four bytes per value), for the button's hint. */
function recipeSize(state: TrainerState): string {
  const report = currentSet(state.load)?.report;
  if (!report) return 'size unknown';
  const bytes = report.count * report.side * report.side * report.channels * 4;
  return formatBytes(bytes);
}

/** What the quality chart measures for these settings and this many images, in one sentence. */
export function qualityNote(config: Pick<TrainConfig, 'qualityEvery'>, setSize: number | null): string {
  if (config.qualityEvery <= 0) return 'Measuring quality is off ("Measure quality every" is 0), so every image is used for training.';
  if (setSize === null) return `Measured every ${config.qualityEvery.toLocaleString('en-US')} steps once images are loaded.`;
  const held = heldBackCount(setSize, config.qualityEvery);
  if (held === 0) return `Quality needs at least ${QUALITY_MIN_IMAGES} images to hold some back; this set has ${setSize.toLocaleString('en-US')}.`;
  return `Measured every ${config.qualityEvery.toLocaleString('en-US')} steps against ${held} real images held back from training, with as many generated ones.`;
}

/** Asks once for permission to say when a run ends (the notification itself is in run-shortcuts.ts). */
function NotifyWhenDone() {
  const supported = typeof Notification !== 'undefined';
  // Read once: the permission getter is a synchronous call into the browser, and this panel
  // re-renders with every metrics message.
  const [permission, setPermission] = useState<NotificationPermission>(() => (supported ? Notification.permission : 'denied'));
  if (!supported) return null;
  return (
    <label className="inline notify-toggle">
      <input
        type="checkbox"
        checked={permission === 'granted'}
        disabled={permission !== 'default'}
        onChange={() => void Notification.requestPermission().then(setPermission)}
      />
      {permission === 'denied' ? 'Notifications are blocked for this page' : 'Notify me when training ends'}
    </label>
  );
}

/** "About 0.25 s a step here: ≈ 75 s to first faces, ≈ 21 min for 5,000 steps." */
function startEstimate(config: TrainConfig, estimate: TrainingPanelProps['estimate']): string {
  if (!estimate) return `${config.steps.toLocaleString('en-US')} steps; the time per step shows once training starts.`;
  const { firstFacesMs, totalMs } = estimateRun(config, estimate.msPerStep);
  const perStep = `About ${(estimate.msPerStep / 1000).toFixed(estimate.msPerStep < 10_000 ? 2 : 1)} s a step ${estimate.basis}`;
  const faces = firstFacesMs !== null ? `${approxDuration(firstFacesMs)} to first rough faces, ` : '';
  return `${perStep}: ${faces}${approxDuration(totalMs)} for ${config.steps.toLocaleString('en-US')} steps.`;
}

/** Run controls, status, the evolving face grid, charts and downloads. */
export function TrainingPanel({ state, config, history, canStart, onStart, onLoadCheckpoint, commands, estimate, startRef }: TrainingPanelProps) {
  const { run } = state;
  const running = run?.state === 'running';
  const paused = run?.state === 'paused';
  const now = useClock(running);
  const stepRate = useMemo(() => (running ? recentMsPerStep(state.throughput, config.batchSize) : null), [running, state.throughput, config.batchSize]);
  const lastGridAt = state.latestGridAt;
  const [markedStep, setMarkedStep] = useState<number | null>(null);
  /** Pause or Stop was pressed in this run state, and the worker is finishing its current step. */
  const [pressed, setPressed] = useState<{ action: 'pause' | 'stop'; inState: string | null } | null>(null);
  const runState = run?.state ?? null;
  const finishing = pressed && pressed.inState === runState ? pressed.action : null;
  const setFinishing = (action: 'pause' | 'stop') => setPressed({ action, inState: runState });
  const checkpointInput = useRef<HTMLInputElement>(null);
  const [exporting, setExporting] = useState(false);
  const lastThroughput = state.throughput.at(-1)?.imagesPerSecond ?? 0;
  const hasRun = run !== null;

  /** Why the last download failed, shown under the downloads until the next one starts. */
  const [downloadError, setDownloadError] = useState<string | null>(null);
  /** Every download button: busy while its request is in flight, then the file or the sentence. */
  const runDownload = async (setBusy: (busy: boolean) => void, download: () => Promise<void>) => {
    setBusy(true);
    setDownloadError(null);
    try {
      await download();
    } catch (error) {
      setDownloadError(describeError(error));
    } finally {
      setBusy(false);
    }
  };

  const [exportingCheckpoint, setExportingCheckpoint] = useState(false);
  const downloadCheckpoint = () =>
    runDownload(setExportingCheckpoint, async () => {
      const { step, bytes } = await commands.exportCheckpoint();
      downloadBlob(new Blob([bytes], { type: 'application/octet-stream' }), `ganvas-step-${step}.ganvas`);
    });
  const canCheckpoint = running || paused;

  const downloadGenerator = () =>
    runDownload(setExporting, async () => {
      const { artifacts, summary } = await commands.exportGenerator();
      downloadBlob(await generatorZip(artifacts, summary), `ganvas-generator-step-${summary.step}.zip`);
    });

  const [exportingRecipe, setExportingRecipe] = useState<RecipeTarget | null>(null);
  const downloadRecipe = (target: RecipeTarget) =>
    runDownload(
      (busy) => setExportingRecipe(busy ? target : null),
      async () => {
        const { zip, fileName } = await commands.exportRecipe(target);
        downloadBlob(zip, fileName);
      },
    );

  const [loadingCheckpoint, setLoadingCheckpoint] = useState(false);
  const loadCheckpoint = (file: File) => {
    setLoadingCheckpoint(true);
    // A refusal is shown in the page's error notice; the button becomes usable again either way.
    onLoadCheckpoint(file)
      .catch(() => undefined)
      .finally(() => setLoadingCheckpoint(false));
  };

  const latestFrame = history.frames.at(-1);
  const setSize = currentSet(state.load)?.report.count ?? null;

  return (
    <section className="panel training-panel" aria-labelledby="training-heading">
      <h2 id="training-heading">3. Train</h2>
      <div className="run-controls" role="group" aria-label="Training controls">
        {!running && !paused && (
          <button ref={startRef} type="button" className="primary" disabled={!canStart} onClick={onStart} aria-describedby="start-estimate">
            {hasRun ? 'Start a new run' : 'Start training'}
          </button>
        )}
        {running && (
          <button
            type="button"
            disabled={finishing !== null}
            onClick={() => {
              setFinishing('pause');
              commands.pause();
            }}
            aria-keyshortcuts="Space"
          >
            Pause
          </button>
        )}
        {paused && (
          <button type="button" className="primary" onClick={commands.resume}>
            Resume
          </button>
        )}
        {paused && (
          <button type="button" onClick={commands.step}>
            Step once
          </button>
        )}
        {(running || paused) && (
          <button
            type="button"
            disabled={finishing === 'stop'}
            onClick={() => {
              setFinishing('stop');
              commands.stop();
            }}
          >
            Stop
          </button>
        )}
        {finishing && (
          <span className="hint" role="status">
            {finishing === 'pause' ? 'Pausing: finishing the current step…' : 'Stopping: finishing the current step…'}
          </span>
        )}
        {!canStart && !hasRun && (
          <span className="hint">{state.load.status === 'ready' ? 'Fix the settings marked above to start.' : 'Load training images first.'}</span>
        )}
      </div>

      {!running && !paused && canStart && (
        <p className="hint start-estimate" id="start-estimate" data-testid="start-estimate">
          {startEstimate(config, estimate)}
        </p>
      )}
      {(canStart || running) && <NotifyWhenDone />}

      <div className="checkpoint-row" role="group" aria-label="Checkpoints">
        {canCheckpoint && state.checkpoint.savedStep !== null && (
          <span className="hint" data-testid="checkpoint-status">
            Saved at step {state.checkpoint.savedStep.toLocaleString('en-US')}
          </span>
        )}
        <button
          type="button"
          disabled={!state.backend || running || loadingCheckpoint}
          onClick={() => checkpointInput.current?.click()}
          title={running ? 'Pause or stop the run first' : undefined}
        >
          {loadingCheckpoint ? 'Loading checkpoint…' : 'Load checkpoint…'}
        </button>
        <input
          ref={checkpointInput}
          type="file"
          hidden
          aria-label="Load checkpoint…"
          accept=".ganvas,application/octet-stream"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) loadCheckpoint(file);
            event.target.value = '';
          }}
        />
      </div>
      {canCheckpoint && state.checkpoint.failure && (
        <div className="banner warning" role="status" data-testid="checkpoint-warning">
          <p>{state.checkpoint.failure}</p>
          <button type="button" disabled={exportingCheckpoint} onClick={() => void downloadCheckpoint()}>
            Download checkpoint
          </button>
        </div>
      )}

      {run && (
        <StatusBar
          state={run.state}
          step={run.step}
          totalSteps={run.totalSteps}
          elapsedMs={elapsedMs(run, now)}
          imagesPerSecond={lastThroughput}
          backend={state.backend}
          numTensors={state.memory?.numTensors ?? 0}
          numBytes={state.memory?.numBytes ?? 0}
          msPerStep={stepRate}
          nextGridInMs={running ? nextGridInMs(run.step, state.live?.previewEvery ?? config.previewEvery, stepRate, elapsedMs(run, now), lastGridAt === null ? null : now - lastGridAt) : null}
        />
      )}
      {state.live && run && (
        <p className="hint" data-testid="live-settings">
          {describeLiveSettings(state.live)}
        </p>
      )}

      {hasRun ? (
        <GridTimeline frames={history.frames} liveFrame={state.latestGrid} layout={config} onScrub={setMarkedStep} />
      ) : state.untrainedGrid ? (
        <FaceGrid
          layout={config}
          frame={state.untrainedGrid}
          label={`Untrained generator, step 0 (${state.untrainedGrid.width}×${state.untrainedGrid.height} px)`}
        />
      ) : (
        <div className="grid-placeholder" role="status">
          {state.backend ? 'Drawing the untrained generator…' : 'Starting the training engine…'}
        </div>
      )}

      <Charts rows={state.rows} throughput={state.throughput} markedStep={markedStep} />
      {/* Before the first run the charts' one line speaks for this chart too. */}
      {(hasRun || state.quality.length > 0) && <QualityChart rows={state.quality} resolution={config.resolution} note={qualityNote(config, setSize)} />}

      {hasRun && (
        <div className="downloads" role="group" aria-label="Downloads">
          <button type="button" disabled={exporting} onClick={() => void downloadGenerator()}>
            {exporting ? 'Preparing generator…' : 'Download generator (.zip)'}
          </button>
          <button type="button" disabled={exportingCheckpoint || !canCheckpoint} onClick={() => void downloadCheckpoint()}>
            {exportingCheckpoint ? 'Preparing checkpoint…' : 'Download checkpoint (.ganvas)'}
          </button>
          <button type="button" disabled={!latestFrame} onClick={() => latestFrame && downloadBlob(latestFrame.blob, `train-${history.frames.length}.png`)}>
            Current grid (PNG)
          </button>
          <button type="button" disabled={history.frames.length === 0} onClick={() => void gridsZip(history.frames).then((blob) => downloadBlob(blob, 'ganvas-grids.zip'))}>
            All grids (.zip)
          </button>
          <button
            type="button"
            disabled={state.rows.length === 0}
            onClick={() => downloadBlob(new Blob([metricsToCsv(state.rows)], { type: 'text/csv' }), 'ganvas-metrics.csv')}
          >
            Metrics (CSV)
          </button>
          <button
            type="button"
            disabled={exportingRecipe !== null}
            onClick={() => void downloadRecipe('keras')}
            aria-describedby="recipe-hint"
          >
            {exportingRecipe === 'keras' ? 'Preparing recipe…' : 'Export recipe for Keras (.zip)'}
          </button>
          <button
            type="button"
            disabled={exportingRecipe !== null}
            onClick={() => void downloadRecipe('pytorch')}
            aria-describedby="recipe-hint pytorch-hint"
          >
            {exportingRecipe === 'pytorch' ? 'Preparing PyTorch export…' : 'Continue in PyTorch (.zip)'}
          </button>
          <span id="recipe-hint" className="field-hint">
            The decoded images as Heaton's .npy ({recipeSize(state)}), both networks and the settings, to continue on a bigger machine.
          </span>
          <span id="pytorch-hint" className="field-hint">
            PyTorch: train.py continues this run exactly (one process, or many with torchrun) and writes a checkpoint and a generator zip that
            “Load checkpoint…” and the Generate view take back.
          </span>
          {downloadError && (
            <p className="error" role="alert" data-testid="download-error">
              {downloadError}
            </p>
          )}
        </div>
      )}
      <p className="hint">
        Batch {config.batchSize}, {config.steps.toLocaleString('en-US')} steps, preview every {config.previewEvery} steps.
      </p>
    </section>
  );
}
