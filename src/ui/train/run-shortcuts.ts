/**
 * Small page-wide conveniences around a run: Space pauses and resumes (unless a control has the
 * keyboard), the tab's title shows progress, and a notification says when a run has finished
 * (if the user allowed notifications).
 */
import { useEffect, useRef } from 'react';
import type { RunState } from '../../protocol/messages.ts';
import type { RunView } from '../trainer-state.ts';
import type { TrainerCommands } from '../use-trainer.ts';

const APP_TITLE = 'Ganvas';

/** Whether a key press belongs to the focused element (typing, a button, a slider, a face grid). */
function keyBelongsToFocus(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest('input, select, textarea, button, a[href], summary, [tabindex], dialog') !== null;
}

export function useSpaceToPause(runState: RunState | null, commands: Pick<TrainerCommands, 'pause' | 'resume'>): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== ' ' || event.repeat || event.ctrlKey || event.metaKey || event.altKey || keyBelongsToFocus(event.target)) return;
      if (runState === 'running') commands.pause();
      else if (runState === 'paused') commands.resume();
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [runState, commands]);
}

/** "34% trained — Ganvas" while training; "Done — Ganvas" at the end. */
export function runTitle(run: Pick<RunView, 'state' | 'step' | 'totalSteps'> | null): string {
  if (!run) return APP_TITLE;
  const percent = Math.floor((100 * run.step) / Math.max(1, run.totalSteps));
  switch (run.state) {
    case 'running':
      // The percentage, not the step: setting document.title is a call into the browser, so the
      // title changes at most a hundred times a run rather than with every metrics message.
      return `${percent}% trained — ${APP_TITLE}`;
    case 'paused':
      return `Paused at step ${run.step.toLocaleString('en-US')} — ${APP_TITLE}`;
    case 'done':
      return `Done — ${APP_TITLE}`;
    case 'stopped':
      return APP_TITLE;
  }
}

export function useRunTitleAndNotice(run: RunView | null): void {
  const title = runTitle(run);
  useEffect(() => {
    document.title = title;
  }, [title]);
  const previous = useRef<RunState | null>(null);
  const state = run?.state ?? null;
  useEffect(() => {
    const finished = state === 'done' && previous.current === 'running';
    previous.current = state;
    if (!finished || typeof Notification === 'undefined' || Notification.permission !== 'granted' || document.visibilityState === 'visible') return;
    new Notification('Ganvas: training finished', { body: `${(run?.totalSteps ?? 0).toLocaleString('en-US')} steps done. Download the generator or keep generating faces.` });
  }, [state, run?.totalSteps]);
}
