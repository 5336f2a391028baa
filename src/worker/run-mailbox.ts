/**
 * The training run's mailbox and loop: the queue of commands, and the loop that, turn by turn,
 * takes either one command or one training step. It decides only the order of turns;
 * training-run.ts carries out each turn (stepTurn, perform) and owns the GAN and the phase.
 */
import { RunRefusal, transition, wantsStep, type RunCommand, type RunPhase } from './run-lifecycle.ts';

/** A control command (or a loop report) the caller waits on; it resolves with null or a refusal sentence. */
export type ControlCommand = Exclude<RunCommand, { type: 'between-steps' | 'dispose' }>;

/** A unit of work the loop carries out in one turn, with the promise waiting on it. */
export type QueuedCommand =
  | { command: ControlCommand; done: (refusal: string | null) => void }
  | { command: { type: 'between-steps' }; task: () => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: Error) => void }
  | { command: { type: 'dispose' }; done: () => void };

/** What the loop needs from the run it drives. */
export interface MailboxHost {
  /** The run's phase as it is now (read at every turn). */
  phase(): RunPhase;
  /** One training step and what falls due after it. */
  stepTurn(): Promise<void>;
  /** One command, in the loop's turn. */
  perform(item: QueuedCommand): Promise<void>;
  /** Awaited between two turns. */
  yieldTurn(): Promise<void>;
}

export interface RunMailbox {
  /** The loop; it ends once the run is disposed. */
  run(): Promise<void>;
  control(command: ControlCommand): Promise<string | null>;
  /** Runs `task` between two steps and settles with its result. */
  betweenSteps<T>(task: () => Promise<T>): Promise<T>;
  /** Queues disposal ahead of everything else; resolves once the run is disposed. */
  dispose(): Promise<void>;
  /** Refuses every command still waiting (the run was disposed). */
  refuseAll(refusal: string): void;
  /** Resolves when the loop next waits for a command (at once if the run is disposed). */
  untilLoopWaits(): Promise<void>;
  /** The loop waits for a command, none is queued and no steps are owed. */
  isIdle(): boolean;
}

/** Answers a command the run will not carry out: a refusal for control commands, a rejection for requests. */
export function refuse(item: QueuedCommand, refusal: string): void {
  if (item.command.type === 'between-steps' && 'reject' in item) item.reject(new RunRefusal(refusal));
  else if ('done' in item) item.done(refusal);
}

export function createRunMailbox(host: MailboxHost): RunMailbox {
  const queue: QueuedCommand[] = [];
  /** Wakes the loop when it waits for a command. */
  let wake: (() => void) | null = null;
  /** Callers of untilLoopWaits, told when the loop next waits for a command. */
  const settledWaiters: (() => void)[] = [];
  /** Commands and steps take turns, so a stream of requests (Generate view faces) never starves training. */
  let lastTurnWasCommand = false;

  /** Read through a function: the loop's own narrowing cannot see a turn dispose the run. */
  const isDisposed = () => host.phase().name === 'disposed';

  async function loop(): Promise<void> {
    while (!isDisposed()) {
      const stepNext = wantsStep(host.phase()) && (queue.length === 0 || (lastTurnWasCommand && queue[0]?.command.type !== 'dispose'));
      if (stepNext) {
        lastTurnWasCommand = false;
        await host.stepTurn();
      } else {
        const item = queue.shift();
        if (!item) {
          // Nothing to do until a command arrives.
          for (const settled of settledWaiters.splice(0)) settled();
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        lastTurnWasCommand = true;
        await host.perform(item);
      }
      if (!isDisposed()) await host.yieldTurn();
    }
    for (const settled of settledWaiters.splice(0)) settled();
  }

  function enqueue(item: QueuedCommand): void {
    // The loop has ended: the transition function words the refusal.
    const refusal = isDisposed() ? transition(host.phase(), item.command) : null;
    if (refusal && !refusal.ok) {
      refuse(item, refusal.refusal);
      return;
    }
    // Disposal jumps the queue: whatever is still waiting is refused, not run on freed tensors.
    if (item.command.type === 'dispose') queue.unshift(item);
    else queue.push(item);
    wake?.();
  }

  return {
    run: loop,
    control(command) {
      return new Promise((done) => enqueue({ command, done }));
    },
    betweenSteps<T>(task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        enqueue({ command: { type: 'between-steps' }, task, resolve: (value) => resolve(value as T), reject });
      });
    },
    dispose() {
      if (isDisposed()) return Promise.resolve();
      return new Promise<void>((done) => enqueue({ command: { type: 'dispose' }, done }));
    },
    refuseAll(refusal) {
      for (const item of queue.splice(0)) refuse(item, refusal);
    },
    untilLoopWaits() {
      return new Promise<void>((resolve) => {
        if (isDisposed()) resolve();
        else {
          settledWaiters.push(resolve);
          // The loop may already be waiting: wake it so it looks again and tells us.
          wake?.();
        }
      });
    },
    isIdle: () => queue.length === 0 && !wantsStep(host.phase()) && wake !== null,
  };
}
