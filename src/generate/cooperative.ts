import { performance } from 'node:perf_hooks';

/**
 * Long synchronous work (speech synthesis and encoding, pictures, embeddings, long texts to
 * tokenize, big answers to serialise) run so that it does not hold the event loop: the work is a
 * generator whose every `yield` marks a point where it may pause, and the runner lets the event
 * loop in (other requests, paced streams' timers, the control plane) once a slice has run for
 * SLICE_MS. Where the pauses fall depends on the clock, but the work does not see them: the result
 * is the same bytes as running it in one go.
 */

/** Work cut into steps; each `yield` is a point where it may pause. Steps should take well under SLICE_MS. */
export type Steps<T> = Generator<void, T, void>;

/** How long the work holds the event loop at a time. */
export const SLICE_MS = 4;

/** Resolves once the event loop has gone round: I/O and timers that were due have run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `steps` to the end in slices of about SLICE_MS, yielding to the event loop between them.
 * Once `signal` is aborted it stops at the next pause and rejects with the signal's reason.
 */
export function runInSlices<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  try {
    signal?.throwIfAborted();
    // The first slice runs now, in the caller's turn; the rest waits for the shared turns.
    const started = startInSlices(steps);
    return started.done ? Promise.resolve(started.value) : started.rest(signal);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Work waiting for its next slice. */
interface Waiting {
  steps: Steps<unknown>;
  signal: AbortSignal | undefined;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Everything that runs in slices shares one turn of the event loop at a time: a turn runs the
 * waiting work round-robin, QUANTUM_MS each, until SLICE_MS have gone, then lets the event loop in.
 * Ten requests in slices at once thus hold the loop ~SLICE_MS a turn, not ten times that: how
 * long other clients wait does not grow with how much heavy work is under way.
 */
const waiting: Waiting[] = [];
let turnScheduled = false;
/** How long one piece of work runs before the next one waiting gets its go, within a turn. */
const QUANTUM_MS = 1;

/** Lets the event loop in, then runs the rest of `steps` in the shared turns. */
function resume<T>(steps: Steps<T>, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    waiting.push({ steps, signal, resolve: resolve as (value: unknown) => void, reject });
    scheduleTurn();
  });
}

function scheduleTurn(): void {
  if (turnScheduled) return;
  turnScheduled = true;
  setImmediate(runTurn);
}

function runTurn(): void {
  turnScheduled = false;
  const turnStart = performance.now();
  // Only what was waiting when the turn began: work queued during it waits for the next.
  for (let left = waiting.length; left > 0 && performance.now() - turnStart < SLICE_MS; left--) {
    const work = waiting.shift()!;
    if (work.signal?.aborted) {
      work.reject(work.signal.reason);
      continue;
    }
    const quantumEnd = Math.min(turnStart + SLICE_MS, performance.now() + QUANTUM_MS);
    try {
      let step = work.steps.next();
      while (!step.done && performance.now() < quantumEnd) step = work.steps.next();
      if (step.done) work.resolve(step.value);
      else waiting.push(work);
    } catch (err) {
      work.reject(err);
    }
  }
  if (waiting.length > 0) scheduleTurn();
}

/** Runs `steps` to the end without pausing: for callers that want the result now (tests, benchmarks). */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** What startInSlices gives back: the result when the work fit in one slice, else a way to run the rest. */
export type Started<T> = { done: true; value: T } | { done: false; rest(signal?: AbortSignal): Promise<T> };

/**
 * Runs the first slice of `steps` now. Work that fits in it (nearly every request) is done with no
 * promise and no pause, so small requests cost what they did before; longer work hands back
 * `rest`, which lets the event loop in first and then runs the remainder as runInSlices does
 * (checking `signal` from then on).
 */
export function startInSlices<T>(steps: Steps<T>): Started<T> {
  const sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return { done: true, value: step.value };
    if (performance.now() - sliceStart >= SLICE_MS) {
      return { done: false, rest: (signal) => resume(steps, signal) };
    }
  }
}
