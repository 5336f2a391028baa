/**
 * The run's transition function as a table: every phase × every command, with the next phase
 * (or `refused`: a sentence for the user, and no change). No tfjs is loaded here.
 */
import { describe, expect, test } from 'vitest';
import { pageState, previewDue, transition, wantsStep, type RunCommand, type RunPhase, type RunPhaseName } from '../../../src/worker/run-lifecycle.ts';

const PHASES: Record<string, RunPhase> = {
  idle: { name: 'idle' },
  'loading→running': { name: 'loading', then: 'running' },
  'loading→ready': { name: 'loading', then: 'ready' },
  ready: { name: 'ready' },
  running: { name: 'running' },
  paused: { name: 'paused', stepsToRun: 0 },
  'paused+1': { name: 'paused', stepsToRun: 1 },
  'rolling-back': { name: 'rolling-back' },
  recovering: { name: 'recovering', wasRunning: true },
  stopped: { name: 'stopped' },
  done: { name: 'done' },
  disposed: { name: 'disposed' },
};

const COMMANDS: Record<string, RunCommand> = {
  start: { type: 'start' },
  restore: { type: 'restore' },
  pause: { type: 'pause' },
  resume: { type: 'resume' },
  step: { type: 'step' },
  stop: { type: 'stop' },
  'between-steps': { type: 'between-steps' },
  dispose: { type: 'dispose' },
  loaded: { type: 'loaded' },
  stepped: { type: 'stepped', reachedEnd: false },
  'stepped-last': { type: 'stepped', reachedEnd: true },
  diverged: { type: 'diverged' },
  'rolled-back': { type: 'rolled-back' },
  lost: { type: 'lost' },
  failed: { type: 'failed' },
};

/** Expected next phase (a key of PHASES) per phase and command; `-` means refused. */
const TABLE: Record<string, Record<string, string>> = {
  //                start      restore          pause             resume             step        stop       between-steps      dispose     loaded     stepped    stepped-last diverged       rolled-back  lost                failed
  idle: row(        'loading→running', 'loading→ready', '-', '-',                '-',        'stopped', 'idle',            'disposed', '-',       '-',       '-',         '-',           '-',         '-',                '-'),
  'loading→running': row('-', '-',                'loading→ready',  'loading→running', '-',        'stopped', 'loading→running', 'disposed', 'running', '-',       '-',         '-',           '-',         'recovering',       'paused'),
  'loading→ready': row('-',  '-',                'loading→ready',  'loading→running', '-',        'stopped', 'loading→ready',   'disposed', 'ready',   '-',       '-',         '-',           '-',         'recovering-paused', 'paused'),
  ready: row(       '-',     '-',                'ready',          'running',          'paused+1', 'stopped', 'ready',           'disposed', '-',       '-',       '-',         'rolling-back', '-',        'recovering-paused', 'paused'),
  running: row(     '-',     '-',                'paused',         '-',                '-',        'stopped', 'running',         'disposed', '-',       'running', 'done',      'rolling-back', '-',        'recovering',       'paused'),
  paused: row(      '-',     '-',                'paused',         'running',          'paused+1', 'stopped', 'paused',          'disposed', '-',       '-',       '-',         'rolling-back', '-',        'recovering-paused', 'paused'),
  'paused+1': row(  '-',     '-',                'paused',         'running',          'paused+2', 'stopped', 'paused+1',        'disposed', '-',       'paused',  'done',      'rolling-back', '-',        'recovering-paused', 'paused'),
  'rolling-back': row('-',   '-',                '-',              '-',                '-',        '-',       'rolling-back',    'disposed', '-',       '-',       '-',         '-',           'paused',    'recovering-paused', 'paused'),
  recovering: row(  '-',     '-',                '-',              '-',                '-',        '-',       '-',               'disposed', '-',       '-',       '-',         '-',           '-',         '-',                '-'),
  stopped: row(     '-',     '-',                '-',              '-',                '-',        '-',       'stopped',         'disposed', '-',       '-',       '-',         '-',           '-',         'recovering-paused', '-'),
  done: row(        '-',     '-',                '-',              '-',                '-',        '-',       'done',            'disposed', '-',       '-',       '-',         '-',           '-',         'recovering-paused', '-'),
  disposed: row(    '-',     '-',                '-',              '-',                '-',        '-',       '-',               '-',        '-',       '-',       '-',         '-',           '-',         '-',                '-'),
};

function row(...next: string[]): Record<string, string> {
  return Object.fromEntries(Object.keys(COMMANDS).map((command, i) => [command, next[i] ?? 'missing']));
}

const EXTRA: Record<string, RunPhase> = {
  'paused+2': { name: 'paused', stepsToRun: 2 },
  'recovering-paused': { name: 'recovering', wasRunning: false },
};

describe('transition', () => {
  test('the table covers every phase name', () => {
    const names = new Set(Object.values(PHASES).map((p) => p.name));
    const all: RunPhaseName[] = ['idle', 'loading', 'ready', 'running', 'paused', 'rolling-back', 'recovering', 'stopped', 'done', 'disposed'];
    expect([...names].sort()).toEqual([...all].sort());
  });

  for (const [phaseKey, phase] of Object.entries(PHASES)) {
    for (const [commandKey, command] of Object.entries(COMMANDS)) {
      const expected = TABLE[phaseKey]?.[commandKey];
      test(`${phaseKey} × ${commandKey} → ${expected}`, () => {
        const result = transition(phase, command);
        if (expected === '-') {
          if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.phase)}`);
          // A sentence for people: capitalised, ends with a full stop, names no internal phase.
          expect(result.refusal).toMatch(/^[A-Z].*\.$/);
          expect(result.refusal).not.toMatch(/stepsToRun|rolling-back|between-steps/);
        } else {
          const next = PHASES[expected ?? ''] ?? EXTRA[expected ?? ''];
          if (!next) throw new Error(`no phase named ${expected}`);
          expect(result).toEqual({ ok: true, phase: next });
        }
      });
    }
  }
});

describe('wantsStep and pageState', () => {
  test('only running, or paused with single steps owed, takes steps', () => {
    const stepping = Object.entries(PHASES).filter(([, phase]) => wantsStep(phase)).map(([key]) => key);
    expect(stepping).toEqual(['running', 'paused+1']);
  });

  test('the page sees running, paused, stopped or done', () => {
    expect(Object.fromEntries(Object.entries(PHASES).map(([key, phase]) => [key, pageState(phase)]))).toEqual({
      idle: 'paused',
      'loading→running': 'running',
      'loading→ready': 'paused',
      ready: 'paused',
      running: 'running',
      paused: 'paused',
      'paused+1': 'paused',
      'rolling-back': 'paused',
      recovering: 'paused',
      stopped: 'stopped',
      done: 'done',
      disposed: 'stopped',
    });
  });
});

describe('previewDue', () => {
  test('a grid falls due every previewEvery steps, not in between', () => {
    expect([1, 2, 3, 4, 5, 6, 10].filter((step) => previewDue({ step, previewEvery: 5 }))).toEqual([5, 10]);
  });
});
