import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { HEATON_DEFAULTS, liveSettingsOf, sameLiveSettings, validateConfig, type TrainConfig } from '../protocol/config.ts';
import { cartoonOriginOf, type CropMode, type DatasetOptions } from '../protocol/dataset.ts';
import { BackendBadge } from './BackendBadge.tsx';
import { CheckpointBanner } from './CheckpointBanner.tsx';
import { DatasetPanel } from './DatasetPanel.tsx';
import { GeneratePanel } from './GeneratePanel.tsx';
import { HyperparameterPanel } from './HyperparameterPanel.tsx';
import { TrainingPanel } from './TrainingPanel.tsx';
import { useGridHistory } from './grid-history.ts';
import { currentSet } from './trainer-state.ts';
import { useTrainer } from './use-trainer.ts';

type DataSource = { kind: 'zip'; file: File } | { kind: 'cartoon'; count: number };

/** The built-in set is drawn from this seed, so "cartoon faces" means the same faces everywhere. */
const CARTOON_SEED = 2024;

export function App() {
  const history = useGridHistory();
  const { addFrame, clear: clearHistory } = history;
  const [config, setConfig] = useState<TrainConfig>({ ...HEATON_DEFAULTS });
  const { state, commands } = useTrainer({
    onTrainingGrid: addFrame,
    onRunRestored: (restored, reason) => {
      // A resumed or loaded run brings its own settings; a rollback keeps the grids before it.
      setConfig(restored);
      if (reason !== 'rolled-back') clearHistory();
    },
  });
  /** The identity of the data a stored run waits for before resuming (cartoon faces being redrawn). */
  const resumeWhenLoaded = useRef<string | null>(null);
  const [resumeNeedsData, setResumeNeedsData] = useState(false);
  const [crop, setCrop] = useState<CropMode>('centre');
  const [source, setSource] = useState<DataSource | null>(null);

  const runExists = state.run !== null && (state.run.state === 'running' || state.run.state === 'paused');
  const options: DatasetOptions = useMemo(
    () => ({ side: config.resolution, channels: config.channels, crop }),
    [config.resolution, config.channels, crop],
  );

  const sendLoad = useCallback(
    (next: DataSource, with_: DatasetOptions) => {
      if (next.kind === 'zip') commands.loadZip(next.file, with_);
      else commands.loadCartoonFaces(with_, next.count, CARTOON_SEED);
    },
    [commands],
  );
  const loadSource = useCallback(
    (next: DataSource) => {
      setSource(next);
      sendLoad(next, options);
    },
    [sendLoad, options],
  );
  const onZip = useCallback((file: File) => loadSource({ kind: 'zip', file }), [loadSource]);
  const onCartoon = useCallback((count: number) => loadSource({ kind: 'cartoon', count }), [loadSource]);

  // Once the worker is up: the untrained preview and the cache listing.
  useEffect(() => {
    if (state.backend) commands.listCache();
  }, [state.backend, commands]);

  const previewKey = `${config.architecture}/${config.resolution}/${config.channels}/${config.width}/${config.latentSize}/${config.seed}/${config.gridRows}x${config.gridCols}/${config.gridMargin}`;
  useEffect(() => {
    if (!state.backend || runExists || validateConfig(config).length > 0) return;
    commands.requestPreview(config);
    // Only the fields that change the untrained generator's picture matter here.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.backend, previewKey, runExists, commands]);

  // The training set must match the model's size and colour: reload the same source when they change.
  const loaded = state.load.status === 'ready' ? state.load.report : null;
  const hasSet = currentSet(state.load) !== null;
  useEffect(() => {
    if (!source || !loaded || runExists) return;
    if (loaded.side !== options.side || loaded.channels !== options.channels || (loaded.source === 'zip' && loaded.crop !== options.crop)) {
      sendLoad(source, options);
    }
  }, [options, loaded, source, runExists, sendLoad]);

  const loadedIdentity = state.load.status === 'ready' ? state.load.identity : null;
  useEffect(() => {
    if (resumeWhenLoaded.current === null) return;
    if (loadedIdentity === resumeWhenLoaded.current) {
      resumeWhenLoaded.current = null;
      commands.resumeStored();
    } else if (state.load.status === 'failed') {
      resumeWhenLoaded.current = null;
    }
  }, [loadedIdentity, state.load.status, commands]);

  const onResumeStored = () => {
    const stored = state.stored;
    if (!stored) return;
    setConfig(stored.config);
    if (currentSet(state.load)?.identity === stored.datasetIdentity) {
      commands.resumeStored();
      return;
    }
    const cartoon = cartoonOriginOf(stored.datasetIdentity);
    if (cartoon && stored.datasetIdentity) {
      // The built-in set is a function of (count, seed): draw the same faces again, then resume.
      setSource({ kind: 'cartoon', count: cartoon.count });
      commands.loadCartoonFaces({ side: stored.config.resolution, channels: stored.config.channels, crop }, cartoon.count, cartoon.seed);
      resumeWhenLoaded.current = stored.datasetIdentity;
    } else {
      // A zip: the worker resumes at once when the decoded set is cached; otherwise the banner
      // asks for the same zip (the hint goes with the banner once the run is restored).
      setResumeNeedsData(true);
      commands.resumeStored(true);
    }
  };

  // Stable callbacks (reading the latest values through a ref) let the memoised panels skip
  // the re-renders that every metrics message would otherwise cause.
  const latest = useRef({ config, runExists });
  useEffect(() => {
    latest.current = { config, runExists };
  });
  const onConfigChange = useCallback(
    (next: TrainConfig) => {
      const { config: previous, runExists: live } = latest.current;
      setConfig(next);
      if (live && !sameLiveSettings(previous, next) && validateConfig(next).length === 0) commands.setLive(liveSettingsOf(next));
    },
    [commands],
  );
  const onReset = useCallback(() => onConfigChange({ ...HEATON_DEFAULTS }), [onConfigChange]);

  const onStart = () => {
    history.clear();
    commands.start(config);
  };

  return (
    <div className="app">
      <header className="app-header">
        <h1>Ganvas</h1>
        <p className="tagline">Train a face GAN in your browser. Nothing leaves your machine.</p>
        <BackendBadge backend={state.backend} rejected={state.rejected} crossOriginIsolated={state.crossOriginIsolated} wasmThreads={state.wasmThreads} />
      </header>

      {state.error && (
        <div className={`banner ${state.error.recoverable ? 'warning' : 'fatal'}`} role="alert">
          <p>{state.error.message}</p>
          {state.error.recoverable && (
            <button type="button" onClick={commands.dismissError}>
              Dismiss
            </button>
          )}
        </div>
      )}

      {state.stored && !runExists && (
        <CheckpointBanner
          stored={state.stored}
          needsData={resumeNeedsData}
          busy={state.load.status === 'loading' || !state.backend}
          onResume={onResumeStored}
          onDiscard={commands.discardStored}
        />
      )}

      <main className="layout">
        <div className="column">
          <DatasetPanel
            load={state.load}
            options={options}
            onCropChange={setCrop}
            onZip={onZip}
            onCartoon={onCartoon}
            onCancel={commands.cancelLoad}
            disabled={!state.backend || runExists}
            cache={state.cache}
            onRefreshCache={commands.listCache}
            onClearCache={commands.clearCache}
          />
          <HyperparameterPanel config={config} onChange={onConfigChange} runExists={runExists} onReset={onReset} />
        </div>
        <div className="column wide">
          <TrainingPanel
            state={state}
            config={config}
            history={history}
            canStart={hasSet && state.load.status !== 'loading' && validateConfig(config).length === 0 && !runExists}
            onStart={onStart}
            onLoadCheckpoint={commands.loadCheckpoint}
            commands={commands}
          />
          <GeneratePanel commands={commands} ready={state.backend !== null} runState={state.run?.state ?? null} />
        </div>
      </main>
    </div>
  );
}
