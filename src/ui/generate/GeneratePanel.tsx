import { memo, useCallback, useEffect, useId, useRef, useState } from 'react';
import type { GeneratedFace, GeneratorSource, NearestImage, RunState, UploadedGeneratorInfo } from '../../protocol/messages.ts';
import { downloadBlob } from '../downloads.ts';
import {
  PINNED_SEEDS_KEY,
  facePngName,
  initialSeeds,
  mergeSeeds,
  nextSeeds,
  parsePinnedSeeds,
  parseSeed,
  rgbaFrame,
  serialisePinnedSeeds,
  togglePin,
  type PngScale,
} from './generate-state.ts';
import { GenerateFaceTile } from './GenerateFaceTile.tsx';
import { GenerateNearest } from './GenerateNearest.tsx';
import { GenerateWalk } from './GenerateWalk.tsx';
import { frameToPngBlob } from '../media/frames.ts';
import type { TrainerCommands } from '../use-trainer.ts';
import './generate.css';
import { describeError } from '../../protocol/describe-error.ts';

/** How many training images "Nearest real images" shows. */
const NEAREST_COUNT = 4;
/** "More faces" stops here: enough to browse, and the live generator redraws all of them each time. */
const MAX_SHOWN = 96;

function readPins(): number[] {
  try {
    return parsePinnedSeeds(localStorage.getItem(PINNED_SEEDS_KEY));
  } catch {
    return []; // storage disabled
  }
}

function writePins(seeds: readonly number[]): void {
  try {
    localStorage.setItem(PINNED_SEEDS_KEY, serialisePinnedSeeds(seeds));
  } catch {
    // Storage full or disabled: pins last for this visit only.
  }
}


export interface GeneratePanelProps {
  commands: TrainerCommands;
  /** The training engine is up. */
  ready: boolean;
  /**
   * The current run's state, or null when there is none ("Current run" is then unavailable).
   * Not its step: that changes several times a second, and re-rendering this panel each time
   * would cost the page frames (the worker says which step faces were drawn at).
   */
  runState: RunState | null;
  /**
   * Changes (at most every LIVE_REFRESH_MS) while new training grids arrive: the live faces are
   * redrawn then. Coarse on purpose, so this panel does not re-render with every grid.
   */
  liveTick?: number | null;
}

/** The live faces are redrawn at most this often while training (see liveTick). */
export const LIVE_REFRESH_MS = 15_000;

/** What the face grid shows: faces of one generator, and the live step they were drawn at. */
interface Shown {
  faces: GeneratedFace[];
  drawnAtStep: number | null;
}

type Busy = null | 'upload' | 'generate' | { nearest: number };

/**
 * The Generate view: faces from integer seeds, drawn by the current run's generator or by an
 * uploaded generator zip; pins (kept in localStorage), PNG downloads, nearest real images, and
 * a latent walk between two pins with GIF/WebM export.
 */
export const GeneratePanel = memo(function GeneratePanel({ commands, ready, runState, liveTick = null }: GeneratePanelProps) {
  const [source, setSource] = useState<GeneratorSource | null>(null);
  const [uploaded, setUploaded] = useState<UploadedGeneratorInfo | null>(null);
  /** Bumped on every successful upload: it names the uploaded generator (for stale answers and the walk's key). */
  const [uploadVersion, setUploadVersion] = useState(0);
  const [shown, setShown] = useState<Shown>({ faces: [], drawnAtStep: null });
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<string | null>(null);
  const [seedText, setSeedText] = useState('42');
  const [seedError, setSeedError] = useState<string | null>(null);
  const [pinned, setPinned] = useState<number[]>(readPins);
  const [nearest, setNearest] = useState<{ generated: GeneratedFace; matches: NearestImage[] } | null>(null);
  const ids = { seed: useId(), seedError: useId(), upload: useId() };
  const uploadInput = useRef<HTMLInputElement>(null);

  /** Answers for an older generator (the user switched meanwhile) are dropped. */
  const generation = useRef(0);
  const liveAvailable = runState !== null;

  // showSeeds catches its own failures and shows them under the grid, so callers may leave it running.
  const showSeeds = useCallback(
    async (from: GeneratorSource, seeds: number[], mode: 'replace' | 'prepend' | 'append') => {
      if (seeds.length === 0) return;
      const ticket = generation.current;
      setBusy('generate');
      setError(null);
      try {
        const { faces, step } = await commands.generate(from, seeds);
        if (ticket !== generation.current) return;
        setShown((previous) => {
          if (mode === 'replace') return { faces, drawnAtStep: step };
          const fresh = new Map(faces.map((face) => [face.seed, face]));
          const kept = previous.faces.map((face) => fresh.get(face.seed) ?? face);
          const added = faces.filter((face) => !previous.faces.some((old) => old.seed === face.seed));
          return { faces: mode === 'prepend' ? [...added, ...kept] : [...kept, ...added], drawnAtStep: step ?? previous.drawnAtStep };
        });
      } catch (failure) {
        if (ticket === generation.current) setError(describeError(failure));
      } finally {
        if (ticket === generation.current) setBusy(null);
      }
    },
    [commands],
  );

  /** Switches generator and redraws the same seeds (or the first page) with it. */
  const switchSource = useCallback(
    (next: GeneratorSource, seeds: number[]) => {
      generation.current++;
      setSource(next);
      setNearest(null);
      setShown({ faces: [], drawnAtStep: null });
      void showSeeds(next, seeds, 'replace');
    },
    [showSeeds],
  );

  const shownSeeds = shown.faces.map((face) => face.seed);
  const seedsForSwitch = shownSeeds.length > 0 ? shownSeeds : initialSeeds(pinned);

  // The first run to appear becomes the source, with its first faces drawn at once.
  const autoSelected = useRef(false);
  useEffect(() => {
    if (!liveAvailable || autoSelected.current || source !== null) return;
    autoSelected.current = true;
    switchSource('live', initialSeeds(readPins()));
  }, [liveAvailable, source, switchSource]);

  // A new run replaces the generator behind "Current run": its faces go when the old run
  // does, and the same seeds are drawn again once the new run exists.
  const hadLive = useRef(liveAvailable);
  const seedsToRedraw = useRef<number[]>([]);
  useEffect(() => {
    const had = hadLive.current;
    hadLive.current = liveAvailable;
    if (source !== 'live' || had === liveAvailable) return;
    if (!liveAvailable) {
      generation.current++;
      seedsToRedraw.current = shownSeeds;
      setShown({ faces: [], drawnAtStep: null });
      setNearest(null);
    } else {
      void showSeeds('live', seedsToRedraw.current.length > 0 ? seedsToRedraw.current : initialSeeds(readPins()), 'replace');
    }
  }, [liveAvailable, source, shownSeeds, showSeeds]);

  // While training, the current run's faces follow it: redrawn when the tick moves on (each
  // redraw costs the run a generator pass and this panel a re-render).
  const followLive = useRef({ source, busy, shownSeeds, showSeeds });
  useEffect(() => {
    followLive.current = { source, busy, shownSeeds, showSeeds };
  });
  useEffect(() => {
    const latest = followLive.current;
    if (latest.source !== 'live' || liveTick === null || latest.busy !== null || latest.shownSeeds.length === 0) return;
    void latest.showSeeds('live', latest.shownSeeds, 'replace');
  }, [liveTick]);

  /** Shows its own failure as the panel's error, so the file input's handler may leave it running. */
  const onUpload = async (file: File) => {
    setBusy('upload');
    setError(null);
    try {
      const info = await commands.loadGenerator(file);
      setUploaded(info);
      setUploadVersion((version) => version + 1);
      setBusy(null);
      switchSource('uploaded', seedsForSwitch);
    } catch (failure) {
      setError(describeError(failure));
      setBusy(null);
    }
  };

  const onGenerateSeed = () => {
    const parsed = parseSeed(seedText);
    if (!parsed.ok) {
      setSeedError(parsed.message);
      return;
    }
    setSeedError(null);
    if (source) addSeeds(source, [parsed.value], 'prepend');
  };

  /**
   * Shows more seeds. The live generator changes with every step, so it redraws every shown face
   * too (all from one step, as the caption says); an uploaded one draws only the new seeds.
   */
  const addSeeds = (from: GeneratorSource, seeds: number[], where: 'prepend' | 'append') => {
    if (from === 'uploaded') {
      void showSeeds(from, seeds, where);
      return;
    }
    const all = where === 'prepend' ? mergeSeeds(seeds, shownSeeds) : mergeSeeds(shownSeeds, seeds);
    void showSeeds(from, all.slice(0, MAX_SHOWN), 'replace');
  };

  const onTogglePin = useCallback((seed: number) => {
    setPinned((previous) => {
      const next = togglePin(previous, seed);
      writePins(next);
      return next;
    });
  }, []);

  const onSavePng = useCallback(
    (seed: number, scale: PngScale) => {
      const face = shown.faces.find((f) => f.seed === seed);
      if (!face) return;
      frameToPngBlob(rgbaFrame(face.image), scale).then(
        (blob) => downloadBlob(blob, facePngName(seed, scale)),
        (failure: unknown) => setError(`Could not make the PNG: ${describeError(failure)}`),
      );
    },
    [shown.faces],
  );

  const findNearest = useCallback(
    async (seed: number) => {
      if (!source) return;
      const ticket = generation.current;
      setBusy({ nearest: seed });
      setError(null);
      try {
        const answer = await commands.nearestReal(source, seed, NEAREST_COUNT);
        if (ticket === generation.current) setNearest(answer);
      } catch (failure) {
        if (ticket === generation.current) setError(describeError(failure));
      } finally {
        if (ticket === generation.current) setBusy(null);
      }
    },
    [commands, source],
  );
  const onNearest = useCallback((seed: number) => void findNearest(seed), [findNearest]);

  const isBusy = busy !== null;
  const generating = busy === 'generate';
  const nearestSeed = typeof busy === 'object' && busy !== null ? busy.nearest : null;
  const summary = uploaded?.summary;

  return (
    <section className="panel generate-panel" aria-labelledby="generate-heading">
      <h2 id="generate-heading">4. Generate</h2>
      <p className="hint">Each seed names one face: seed 42 is the same face on any machine, from the same generator.</p>

      <fieldset className="generate-source">
        <legend>Generator</legend>
        <label className="inline">
          <input
            type="radio"
            name="generate-source"
            checked={source === 'live'}
            disabled={!liveAvailable || isBusy}
            onChange={() => switchSource('live', seedsForSwitch)}
          />
          Current run
        </label>
        <label className="inline">
          <input
            type="radio"
            name="generate-source"
            checked={source === 'uploaded'}
            disabled={!uploaded || isBusy}
            onChange={() => switchSource('uploaded', seedsForSwitch)}
          />
          Uploaded generator
        </label>
        <button type="button" className="upload" disabled={!ready || isBusy} onClick={() => uploadInput.current?.click()}>
          {busy === 'upload' ? 'Reading the generator…' : 'Upload a generator zip…'}
        </button>
        <input
          ref={uploadInput}
          id={ids.upload}
          type="file"
          hidden
          aria-label="Upload a generator zip"
          accept=".zip,application/zip"
          disabled={!ready || isBusy}
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file) void onUpload(file);
          }}
        />
        {source === 'live' && (
          <p className="hint generate-note">
            These faces follow training, redrawn with each new grid
            {shown.drawnAtStep !== null ? ` (these were drawn at step ${shown.drawnAtStep.toLocaleString('en-US')})` : ''}.{' '}
            <button type="button" disabled={isBusy || shownSeeds.length === 0} onClick={() => void showSeeds('live', shownSeeds, 'replace')}>
              {generating ? 'Generating…' : 'Refresh'}
            </button>
          </p>
        )}
        {summary && (
          <p className="hint generate-note" data-testid="uploaded-summary">
            {uploaded.fileName}: {summary.config.architecture} generator, {summary.config.resolution}×{summary.config.resolution}{' '}
            {summary.config.channels === 3 ? 'RGB' : 'grayscale'}, {summary.step.toLocaleString('en-US')} steps trained on{' '}
            {summary.dataset ? summary.dataset.name : 'an unknown data set'}.
          </p>
        )}
        {!liveAvailable && !uploaded && <p className="hint generate-note">Start training, or upload a generator you downloaded earlier, to draw faces.</p>}
      </fieldset>

      {error && (
        <div className="banner warning" role="alert">
          <p>{error}</p>
          <button type="button" onClick={() => setError(null)}>
            Dismiss
          </button>
        </div>
      )}

      <form
        className="generate-seed"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          onGenerateSeed();
        }}
      >
        <label htmlFor={ids.seed}>Seed</label>
        <input
          id={ids.seed}
          type="text"
          inputMode="numeric"
          value={seedText}
          aria-invalid={seedError !== null}
          aria-describedby={seedError ? ids.seedError : undefined}
          onChange={(event) => {
            setSeedText(event.target.value);
            setSeedError(null);
          }}
        />
        <button type="submit" className="primary" disabled={!source || isBusy}>
          {generating ? 'Generating…' : 'Generate'}
        </button>
        <button type="button" disabled={!source || isBusy || shownSeeds.length >= MAX_SHOWN} onClick={() => source && addSeeds(source, nextSeeds(shownSeeds), 'append')}>
          More faces
        </button>
        {seedError && (
          <p className="field-error" id={ids.seedError}>
            {seedError}
          </p>
        )}
      </form>

      {shown.faces.length > 0 ? (
        <ul className="face-tiles" aria-label="Generated faces" aria-busy={generating}>
          {shown.faces.map((face) => (
            <GenerateFaceTile
              key={face.seed}
              seed={face.seed}
              image={face.image}
              pinned={pinned.includes(face.seed)}
              busy={isBusy}
              findingNearest={nearestSeed === face.seed}
              onTogglePin={onTogglePin}
              onSavePng={onSavePng}
              onNearest={onNearest}
            />
          ))}
        </ul>
      ) : (
        <p className="grid-placeholder generate-empty" role="status">
          {generating ? 'Generating…' : source ? 'Enter a seed and press Generate, or ask for more faces.' : 'No generator yet.'}
        </p>
      )}

      {nearest && <GenerateNearest generated={nearest.generated} matches={nearest.matches} onClose={() => setNearest(null)} />}

      <section className="pins" aria-labelledby="pins-heading">
        <h3 id="pins-heading">Pinned faces</h3>
        {pinned.length === 0 ? (
          <p className="hint">Pin faces you like; pins are kept in this browser.</p>
        ) : (
          <ul className="pin-list" data-testid="pinned-seeds">
            {pinned.map((seed) => (
              <li key={seed}>
                Seed {seed}{' '}
                {!shownSeeds.includes(seed) && (
                  <button type="button" className="small" aria-label={`Show seed ${seed}`} disabled={!source || isBusy} onClick={() => source && addSeeds(source, [seed], 'prepend')}>
                    Show
                  </button>
                )}{' '}
                <button type="button" className="small" aria-label={`Unpin seed ${seed}`} onClick={() => onTogglePin(seed)}>
                  Unpin
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      {source && (
        <GenerateWalk
          key={source === 'live' ? 'live' : `uploaded-${uploadVersion}`}
          commands={commands}
          source={source}
          pinned={pinned}
          busy={isBusy}
          onError={setError}
        />
      )}
    </section>
  );
});
