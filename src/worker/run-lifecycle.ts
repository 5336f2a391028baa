/**
 * The training run's lifecycle as data: its phases, the commands it takes, and a pure
 * transition function. No tfjs here, so every phase × command pair is tested as a table
 * (tests/unit/worker/run-lifecycle.test.ts) and the actor in training-run.ts only carries out
 * what this module decides. See docs/ARCHITECTURE.md for the diagram.
 */
import { YOUNG_RUN_GRID_EVERY_MS, YOUNG_RUN_MS } from '../protocol/presets.ts';
import type { RunState } from '../protocol/messages.ts';

/** A request the run's phase does not allow; the message is the sentence for the user. */
export class RunRefusal extends Error {}

export type RunPhase =
  /** Built (fresh weights or restored ones), nothing shown yet. */
  | { name: 'idle' }
  /** Capturing the starting point (the first rollback target) and drawing its grid; then `then`. */
  | { name: 'loading'; then: 'running' | 'ready' }
  /** Loaded and shown, paused at its step, no step taken since. */
  | { name: 'ready' }
  | { name: 'running' }
  /** Paused; `stepsToRun` single steps were asked for and not yet taken. */
  | { name: 'paused'; stepsToRun: number }
  /** A step diverged: the loop is rebuilding the GAN from the last good checkpoint. */
  | { name: 'rolling-back' }
  /** The GPU context was lost: the run never steps again and waits to be replaced by a rebuilt one. */
  | { name: 'recovering'; wasRunning: boolean }
  | { name: 'stopped' }
  /** Reached its total steps. */
  | { name: 'done' }
  /** Its tensors are freed; it posts nothing any more. */
  | { name: 'disposed' };

export type RunPhaseName = RunPhase['name'];

export type RunCommand =
  /** From the page: show the starting point, then train. */
  | { type: 'start' }
  /** From the worker, for a run rebuilt from a checkpoint: show it, paused at its step. */
  | { type: 'restore' }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Exactly one step, then paused. */
  | { type: 'step' }
  | { type: 'stop' }
  /**
   * Work that reads or changes the GAN between two steps: exports, captures, drawing the
   * Generate view's faces, new live settings. It never changes the phase.
   */
  | { type: 'between-steps' }
  /** Free the run's tensors once the step in flight (if any) has ended. */
  | { type: 'dispose' }
  // What the loop itself reports:
  /** The starting point is captured and shown. */
  | { type: 'loaded' }
  /** A step finished; `reachedEnd`: it was the run's last. */
  | { type: 'stepped'; reachedEnd: boolean }
  /** A metric or weight became NaN or infinite. */
  | { type: 'diverged' }
  /** The rollback finished (or there was nothing to roll back to). */
  | { type: 'rolled-back' }
  /** The GPU context was lost. */
  | { type: 'lost' }
  /** An unexpected error stopped the step; the run pauses and says why. */
  | { type: 'failed' };

export type RunCommandType = RunCommand['type'];

export type Transition = { ok: true; phase: RunPhase } | { ok: false; refusal: string };

const to = (phase: RunPhase): Transition => ({ ok: true, phase });
const refuse = (refusal: string): Transition => ({ ok: false, refusal });

const PAUSED: RunPhase = { name: 'paused', stepsToRun: 0 };

const DISPOSED_REFUSAL = 'This run has ended and was replaced; try again on the current run.';
const RECOVERING_REFUSAL = 'The GPU context was lost and the run is being restored from its last checkpoint; try again in a moment.';

/**
 * The next phase after `command` in `phase`, or a refusal sentence in the user's words.
 * Pure: it decides, the loop acts.
 */
export function transition(phase: RunPhase, command: RunCommand): Transition {
  if (phase.name === 'disposed') return refuse(DISPOSED_REFUSAL);
  if (command.type === 'dispose') return to({ name: 'disposed' });
  // A run on a lost context never steps or reads its tensors again: it waits to be replaced.
  if (phase.name === 'recovering') return refuse(RECOVERING_REFUSAL);
  if (command.type === 'between-steps') return to(phase);
  switch (phase.name) {
    case 'idle':
      if (command.type === 'start') return to({ name: 'loading', then: 'running' });
      if (command.type === 'restore') return to({ name: 'loading', then: 'ready' });
      if (command.type === 'stop') return to({ name: 'stopped' });
      return refuse('The run has not started yet: press Start first.');
    case 'loading':
      if (command.type === 'loaded') return to(phase.then === 'running' ? { name: 'running' } : { name: 'ready' });
      if (command.type === 'pause') return to({ name: 'loading', then: 'ready' });
      if (command.type === 'resume') return to({ name: 'loading', then: 'running' });
      if (command.type === 'stop') return to({ name: 'stopped' });
      if (command.type === 'lost') return to({ name: 'recovering', wasRunning: phase.then === 'running' });
      if (command.type === 'failed') return to(PAUSED);
      return refuse('The run is still being set up; try again in a moment.');
    case 'ready':
    case 'paused':
      return fromPaused(phase, command);
    case 'running':
      return fromRunning(phase, command);
    case 'rolling-back':
      if (command.type === 'rolled-back') return to(PAUSED);
      if (command.type === 'lost') return to({ name: 'recovering', wasRunning: false });
      if (command.type === 'failed') return to(PAUSED);
      return refuse('The run is rolling back to its last good checkpoint; try again in a moment.');
    case 'stopped':
    case 'done':
      if (command.type === 'lost') return to({ name: 'recovering', wasRunning: false });
      return refuse(phase.name === 'done' ? 'The run has finished all its steps: start a new run to train more.' : 'The run was stopped: start a new run to train more.');
  }
}

/** A control command or a loop report: what reaches the per-phase tables. */
type PhaseCommand = Exclude<RunCommand, { type: 'between-steps' | 'dispose' }>;

function fromPaused(phase: Extract<RunPhase, { name: 'ready' | 'paused' }>, command: PhaseCommand): Transition {
  const stepsToRun = phase.name === 'paused' ? phase.stepsToRun : 0;
  switch (command.type) {
    case 'resume':
      return to({ name: 'running' });
    case 'step':
      return to({ name: 'paused', stepsToRun: stepsToRun + 1 });
    case 'pause':
      // Pausing a paused run cancels single steps not yet taken.
      return to(phase.name === 'ready' ? phase : PAUSED);
    case 'stop':
      return to({ name: 'stopped' });
    case 'stepped':
      if (stepsToRun === 0) return refuse('The run is paused; it takes no steps.');
      return to(command.reachedEnd ? { name: 'done' } : { name: 'paused', stepsToRun: stepsToRun - 1 });
    case 'diverged':
      return to({ name: 'rolling-back' });
    case 'lost':
      return to({ name: 'recovering', wasRunning: false });
    case 'failed':
      return to(PAUSED);
    case 'start':
    case 'restore':
    case 'loaded':
    case 'rolled-back':
      return refuse(phase.name === 'ready' ? 'The run is ready and paused.' : 'The run is paused.');
  }
}

function fromRunning(phase: Extract<RunPhase, { name: 'running' }>, command: PhaseCommand): Transition {
  switch (command.type) {
    case 'pause':
      return to(PAUSED);
    case 'stop':
      return to({ name: 'stopped' });
    case 'stepped':
      return to(command.reachedEnd ? { name: 'done' } : phase);
    case 'diverged':
      return to({ name: 'rolling-back' });
    case 'lost':
      return to({ name: 'recovering', wasRunning: true });
    case 'failed':
      return to(PAUSED);
    case 'start':
    case 'restore':
    case 'resume':
    case 'step':
    case 'loaded':
    case 'rolled-back':
      return refuse('The run is already running.');
  }
}

/** Whether the loop should take a training step when no command is waiting. */
export function wantsStep(phase: RunPhase): boolean {
  return phase.name === 'running' || (phase.name === 'paused' && phase.stepsToRun > 0);
}

/** The state the page shows for a phase. */
export function pageState(phase: RunPhase): RunState {
  switch (phase.name) {
    case 'running':
      return 'running';
    case 'loading':
      return phase.then === 'running' ? 'running' : 'paused';
    case 'stopped':
    case 'disposed':
      return 'stopped';
    case 'done':
      return 'done';
    case 'idle':
    case 'ready':
    case 'paused':
    case 'rolling-back':
    case 'recovering':
      return 'paused';
  }
}

/**
 * Whether a preview grid (and with it an automatic checkpoint) is due after the step that
 * reached `step`. The one place this is decided: today every `previewEvery` steps; a
 * time-based rule would change only this function.
 */
export function previewDue({ step, previewEvery }: { step: number; previewEvery: number }): boolean {
  return step % previewEvery === 0;
}

/**
 * Whether a grid (without a checkpoint) is due by time: while the run is young (its first
 * YOUNG_RUN_MS of training), whenever YOUNG_RUN_GRID_EVERY_MS has passed since the last grid,
 * so the first faces show as soon as they exist even when the step interval is far off.
 */
export function youngGridDue({ trainingMs, sinceLastGridMs }: { trainingMs: number; sinceLastGridMs: number }): boolean {
  return trainingMs < YOUNG_RUN_MS && sinceLastGridMs >= YOUNG_RUN_GRID_EVERY_MS;
}
