import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { HEATON_DEFAULTS, liveSettingsOf, sameLiveSettings, validateConfig, type TrainConfig } from '../protocol/config.ts';
import {
  describeCandidate,
  pickQuickLook,
  presetConfig,
  presetOf,
  QUICK_LOOK_FALLBACK,
  quickLookConfig,
  type CandidateTiming,
  type Preset,
} from '../protocol/presets.ts';
import { cartoonOriginOf, type CropMode, type DatasetOptions, type FaceMargin } from '../protocol/dataset.ts';
import { BackendBadge } from './BackendBadge.tsx';
import { CheckpointBanner } from './train/CheckpointBanner.tsx';
import { DatasetPanel } from './dataset/DatasetPanel.tsx';
import { GeneratePanel, LIVE_REFRESH_MS } from './generate/GeneratePanel.tsx';
import { webmSupport } from './media/webm-encoder.ts';
import { HyperparameterPanel } from './train/HyperparameterPanel.tsx';
import { TrainingPanel } from './train/TrainingPanel.tsx';
import { useGridHistory } from './train/grid-history.ts';
import { currentSet, elapsedMs } from './trainer-state.ts';
import { openHistoryStore } from './train/history-store.ts';
import type { HistoryMirror } from './train/grid-history.ts';
import { useTrainer } from './use-trainer.ts';
import { initialSettings, settingsToQuery, writeStoredSettings } from './train/settings-store.ts';
import { useRunTitleAndNotice, useSpaceToPause } from './train/run-shortcuts.ts';

type DataSource = { kind: 'zip'; file: File } | { kind: 'cartoon'; count: number };

/** The built-in set is drawn from this seed, so "cartoon faces" means the same faces everywhere. */
const CARTOON_SEED = 2024;

/** The settings the page opens with: the link's, else this browser's, else Quick look. */
function openingSettings(): { preset: Preset; config: TrainConfig } {
  const saved = initialSettings(new URLSearchParams(window.location.search), safeLocalStorage());
  return { preset: saved.preset, config: presetConfig(saved.preset, saved.config ?? HEATON_DEFAULTS, QUICK_LOOK_FALLBACK) };
}

function safeLocalStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** "on WebAssembly, 1 thread" */
function whereTimed(backend: string, wasmThreads: number | null): string {
  const name = backend === 'wasm' ? 'WebAssembly' : backend === 'webgpu' ? 'WebGPU' : backend === 'webgl' ? 'WebGL' : 'the CPU';
  return wasmThreads !== null ? `on ${name}, ${wasmThreads} ${wasmThreads === 1 ? 'thread' : 'threads'}` : `on ${name}`;
}

/** The timing of the Quick look candidate these settings are, if it was timed. */
function timingFor(config: TrainConfig, timings: readonly CandidateTiming[]): CandidateTiming | null {
  return timings.find(({ candidate }) => JSON.stringify(quickLookConfig(candidate)) === JSON.stringify(config)) ?? null;
}

export function App() {
  const [historyStore] = useState(openHistoryStore);
  const [mirror] = useState<HistoryMirror>(() => ({
    kept: (frame, steps) => void historyStore.put(frame).then(() => historyStore.keepOnly(steps)),
  }));
  const history = useGridHistory(mirror);
  const { addFrame, clear: clearHistory, replace: replaceHistory } = history;
  const [opening] = useState(openingSettings);
  const [config, setConfig] = useState<TrainConfig>(opening.config);
  const [preset, setPreset] = useState<Preset>(opening.preset);
  const { state, commands } = useTrainer({
    onTrainingGrid: addFrame,
    onRunRestored: (restored, reason, step) => {
      // A resumed or loaded run brings its own settings; a rollback keeps the grids before it.
      setConfig(restored);
      setPreset(presetOf(restored, quickLookRef.current));
      if (reason === 'loaded') clearHistory();
      // Cannot reject: the history store answers empty where browser storage fails, and the commands only post.
      if (reason === 'resumed') void continueResumedRun(step);
    },
  });
  const startRef = useRef<HTMLButtonElement>(null);
  // Ask the browser about WebM encoding while the page is idle, not when a run's grid first mounts.
  useEffect(() => {
    const warm = () => void webmSupport().catch(() => undefined);
    if ('requestIdleCallback' in window) window.requestIdleCallback(warm, { timeout: 5000 });
    else setTimeout(warm, 2000);
  }, []);

  /** A run resumed after a reload carries on as it was: its grids, its clock, and running. */
  async function continueResumedRun(step: number): Promise<void> {
    const [frames, clock] = await Promise.all([historyStore.framesUpTo(step), historyStore.clock()]);
    replaceHistory(frames);
    if (clock && clock.step <= step) commands.restoreElapsed(clock.elapsedMs);
    commands.resume();
  }

  // Quick look: the largest candidate this device trains fast enough, once the worker has timed them.
  const timings = state.speed?.timings ?? [];
  const picked = pickQuickLook(timings);
  const quickLook = picked?.candidate ?? QUICK_LOOK_FALLBACK;
  const quickLookRef = useRef(quickLook);
  useEffect(() => {
    quickLookRef.current = quickLook;
  });
  // Timed while nothing else runs (a load or a run would make every candidate look slow); the
  // worker drops a probe that gets interrupted, and it is asked again once the worker is idle.
  const probeWanted = state.backend !== null && state.speed?.backend !== state.backend && state.load.status !== 'loading' && state.run?.state !== 'running';
  useEffect(() => {
    if (probeWanted) commands.probeSpeed();
  }, [probeWanted, commands]);
  /** The identity of the data a stored run waits for before resuming (cartoon faces being redrawn). */
  const resumeWhenLoaded = useRef<string | null>(null);
  const [resumeNeedsData, setResumeNeedsData] = useState(false);
  const [crop, setCrop] = useState<CropMode>('centre');
  const [faceMargin, setFaceMargin] = useState<FaceMargin>('normal');
  const [keepDuplicates, setKeepDuplicates] = useState(false);
  const [source, setSource] = useState<DataSource | null>(null);

  const runExists = state.run !== null && (state.run.state === 'running' || state.run.state === 'paused');
  const quickLookKey = describeCandidate(quickLook);
  // Quick look's settings follow the probe (until a run exists); derived here rather than in an effect.
  const quickLookTarget = preset === 'quick' && !runExists ? quickLookConfig(quickLook) : null;
  if (quickLookTarget && JSON.stringify(quickLookTarget) !== JSON.stringify(config)) setConfig(quickLookTarget);

  // Settings survive a reload and travel in the link.
  useEffect(() => {
    const saved = { preset, config: preset === 'custom' ? config : null };
    writeStoredSettings(safeLocalStorage(), saved);
    const url = new URL(window.location.href);
    url.search = settingsToQuery(saved, url.searchParams).toString();
    window.history.replaceState(window.history.state, '', url);
  }, [preset, config]);

  const where = state.speed ? whereTimed(state.speed.backend, state.wasmThreads) : null;
  const presetReason =
    preset !== 'quick'
      ? null
      : !picked || !where
        ? `Quick look: ${quickLookKey}. Timing this device…`
        : `Quick look: ${quickLookKey}, about ${(picked.msPerStep / 1000).toFixed(2)} s a step ${where}: the largest model that shows faces within about 2 minutes here.`;
  const ownTiming = timingFor(config, timings);
  const estimate = ownTiming && state.speed ? { msPerStep: ownTiming.msPerStep, basis: `here (${whereTimed(state.speed.backend, state.wasmThreads).slice(3)})` } : null;
  const options: DatasetOptions = useMemo(
    () => ({ side: config.resolution, channels: config.channels, crop, ...(crop === 'faces' ? { faceMargin } : {}), keepDuplicates }),
    [config.resolution, config.channels, crop, faceMargin, keepDuplicates],
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
    const otherMargin = options.crop === 'faces' && loaded.faces !== undefined && loaded.faces.margin !== options.faceMargin;
    if (loaded.side !== options.side || loaded.channels !== options.channels || (loaded.source === 'zip' && (loaded.crop !== options.crop || otherMargin))) {
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
      // Any edit is the user's own choice: Custom (a preset is chosen only by picking it).
      if (!live) setPreset('custom');
      if (live && !sameLiveSettings(previous, next) && validateConfig(next).length === 0) commands.setLive(liveSettingsOf(next));
    },
    [commands],
  );
  const onReset = useCallback(() => {
    setPreset('heaton');
    onConfigChange({ ...HEATON_DEFAULTS });
  }, [onConfigChange]);
  const onPreset = useCallback((next: Preset) => {
    setPreset(next);
    if (next !== 'custom') setConfig((current) => presetConfig(next, current, quickLookRef.current));
  }, []);

  // Once images have loaded, the next thing to do is Start: take the keyboard there.
  const loadStatus = state.load.status;
  const previousLoadStatus = useRef(loadStatus);
  useEffect(() => {
    if (previousLoadStatus.current === 'loading' && loadStatus === 'ready') startRef.current?.focus();
    previousLoadStatus.current = loadStatus;
  }, [loadStatus]);
  useSpaceToPause(state.run?.state ?? null, commands);
  useRunTitleAndNotice(state.run);

  // The run's clock, saved with each checkpoint, so a resumed run's elapsed time continues.
  const savedStep = state.checkpoint.savedStep;
  const runRef = useRef(state.run);
  useEffect(() => {
    runRef.current = state.run;
  });
  // Saved again when the run pauses: a pause that lands on an automatic checkpoint's step leaves
  // savedStep as it was, and the seconds since that save would be lost on a reload.
  const runPhase = state.run?.state ?? null;
  useEffect(() => {
    const run = runRef.current;
    if (savedStep === null || !run) return;
    // A stopped clock belongs to the checkpoint of its step, once that checkpoint has landed.
    if (run.runningSince === null && run.step !== savedStep) return;
    // The history store never rejects (a storage failure is a warning and a no-op): nothing to wait for.
    void historyStore.setClock({ step: savedStep, elapsedMs: elapsedMs(run, performance.now()) });
  }, [savedStep, runPhase, historyStore]);

  const onStart = () => {
    history.clear();
    // Never rejects (see above); the new run need not wait for old frames to go.
    void historyStore.clear();
    commands.start(config);
  };

  return (
    <div className="app">
      <a className="skip-link" href="#steps">
        Skip to the steps
      </a>
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

      <main className="layout" id="steps" tabIndex={-1}>
        <div className="column">
          <DatasetPanel
            load={state.load}
            options={options}
            onCropChange={setCrop}
            onFaceMarginChange={setFaceMargin}
            onKeepDuplicatesChange={setKeepDuplicates}
            onZip={onZip}
            onCartoon={onCartoon}
            onCancel={commands.cancelLoad}
            disabled={runExists}
            engineReady={state.backend !== null}
            cache={state.cache}
            onRefreshCache={commands.listCache}
            onClearCache={commands.clearCache}
          />
          <HyperparameterPanel
            config={config}
            onChange={onConfigChange}
            runExists={runExists}
            onReset={onReset}
            preset={preset}
            onPreset={onPreset}
            presetReason={presetReason}
          />
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
            estimate={estimate}
            startRef={startRef}
          />
          <GeneratePanel commands={commands} ready={state.backend !== null} runState={state.run?.state ?? null} liveTick={state.latestGridAt === null ? null : Math.floor(state.latestGridAt / LIVE_REFRESH_MS)} />
        </div>
      </main>
    </div>
  );
}
