/**
 * The watchdog's decisions about one engine worker, from its signs of life (heartbeats,
 * answers) and of progress (the heartbeat's counter moving, answers). Pure: the caller
 * passes the clock (performance.now() ms) and acts on the verdicts (see EngineLink).
 *
 * - A worker that has been silent (no heartbeat, no answer) while calls are in flight for
 *   longer than their silence limit (SILENCE_LIMIT_MS; START_SILENCE_LIMIT_MS while a start-up
 *   is among them) is pinged; when the ping goes unanswered for PING_TIMEOUT_MS it is hung
 *   (closed, or stuck in a loop: its event loop no longer runs) and must be replaced.
 * - A call whose worker keeps beating but makes no progress for the call's stall limit
 *   (FRAME_STALL_LIMIT_MS for a frame, START_STALL_LIMIT_MS for start-up) is stalled: it
 *   fails, naming the phase the engine was stuck in; the worker stays.
 * - A slow engine (beats, and the counter moves) is neither, however long it takes.
 * - Page freezes (a background tab frozen by the browser, see the Page Lifecycle API) are
 *   not the worker's silence: every deadline runs from the last resume at the earliest.
 */
import type { Heartbeat } from '../worker/progress';

/** A worker silent this long (ms) while calls are in flight is pinged; the worker beats every second. */
export const SILENCE_LIMIT_MS = 10_000;
/**
 * The silence limit (ms) while a start-up is in flight (init, or new options that may load
 * another backend). Silence from a worker whose event loop is blocked by long synchronous work
 * cannot be told from a hang, and start-up has such work, which the worker's heartbeat timer
 * cannot interrupt: onnxruntime-web instantiating its wasm runtime and creating its session
 * (model parsing, graph optimisation, kernel set-up). Measured on a 2-core machine without GPU
 * (onnx-webgpu on SwiftShader, between the 'gpu device' and 'base network' steps): the worker's
 * event loop stood still for 0.65 s in one piece on an idle machine and for 6.9–8.9 s with the
 * CPU loaded (load average 5–8) — close to the ~13 s (SILENCE_LIMIT_MS, then PING_TIMEOUT_MS
 * unanswered) after which the start-up was judged hung and its worker replaced, to start over.
 * Sixty seconds is about seven times the worst measured; a start-up whose worker really hung is
 * still replaced within about a minute, long before START_STALL_LIMIT_MS.
 */
export const START_SILENCE_LIMIT_MS = 60_000;
/** How long the ping sent after a silence may take (ms) before the worker counts as hung. */
export const PING_TIMEOUT_MS = 3_000;
/**
 * A frame whose worker is alive but makes no progress this long (ms) fails (it is covered as
 * options.whileNotReady says). The slowest step without a sign of progress is a first frame: shader compilation,
 * the model's warm-up run, a new plate's textures; on a loaded 2-core machine with software
 * WebGPU that took up to ~20 s (the fixed 10 s deadline this replaces failed there). Three
 * times that still tells the user within a minute that the engine is stuck.
 */
export const FRAME_STALL_LIMIT_MS = 60_000;
/**
 * Start-up (init) whose worker is alive but makes no progress this long (ms) fails. Start-up
 * loads the runtimes' WebAssembly and the model over the network with no sign of progress in
 * between (about 20 MB for onnxruntime-web and tasks-vision together): ~80 s at 2 Mbit/s.
 */
export const START_STALL_LIMIT_MS = 120_000;
/** The phase before the worker's first heartbeat: its script is still loading. */
export const LOADING_PHASE = 'worker script';

/** A call that made no progress for its stall limit. */
export interface Stalled {
  /** The id given to {@link Watchdog.callStarted}. */
  readonly id: number;
  /** The phase the engine was in (its last step), e.g. 'frame' or 'gpu device'. */
  readonly phase: string;
}

/** What to do now, from {@link Watchdog.check}. */
export interface Verdict {
  /** Silent past the silence limit of the calls in flight and no ping out: send one now and call pingSent(). */
  readonly ping: boolean;
  /** The ping went unanswered for PING_TIMEOUT_MS: the worker is hung; replace it (stalled is then empty). */
  readonly hung: boolean;
  /** Calls that are stalled: fail each (they are no longer watched). */
  readonly stalled: readonly Stalled[];
}

/** Tracks one worker's signs of life and progress and the calls in flight to it; see the module comment. */
export class Watchdog {
  private readonly calls = new Map<number, { startedAt: number; stallLimitMs: number | null; silenceLimitMs: number }>();
  /** Set at the first sign of life: before it the worker's script is loading and silence is expected. */
  private alive = false;
  private lastSignAt = -Infinity;
  private lastProgressAt = -Infinity;
  private progress: number | null = null;
  private currentPhase = LOADING_PHASE;
  private pingSentAt: number | null = null;
  private resumedAt = -Infinity;

  /** The engine's last reported step, or {@link LOADING_PHASE} before the first heartbeat. */
  get phase(): string {
    return this.currentPhase;
  }

  /**
   * A call to the worker started at `now` (ms).
   * @param id the caller's name for it, unique among the calls in flight
   * @param stallLimitMs how long (ms) it may go without progress, or null for no limit (silence still counts)
   * @param silenceLimitMs how long (ms) the worker may be silent while this call is in flight:
   *   SILENCE_LIMIT_MS, or START_SILENCE_LIMIT_MS for a start-up. With several calls in flight
   *   the longest counts: the worker has one event loop, which the start-up may block.
   */
  callStarted(id: number, stallLimitMs: number | null, now: number, silenceLimitMs = SILENCE_LIMIT_MS): void {
    // Waiting starts now: an idle worker owes no heartbeats.
    if (this.calls.size === 0) this.lastSignAt = Math.max(this.lastSignAt, now);
    this.calls.set(id, { startedAt: now, stallLimitMs, silenceLimitMs });
  }

  /** The call `id` settled (answered, failed, or abandoned): it is no longer watched. */
  callEnded(id: number): void {
    this.calls.delete(id);
  }

  /** A heartbeat arrived at `now`: a sign of life, and of progress when the counter moved. */
  heartbeat(beat: Heartbeat, now: number): void {
    this.signOfLife(now);
    if (beat.progress !== this.progress) {
      this.progress = beat.progress;
      this.lastProgressAt = now;
    }
    this.currentPhase = beat.phase;
  }

  /** The worker answered a call at `now` (with a result or an error): life and progress. */
  answered(now: number): void {
    this.signOfLife(now);
    this.lastProgressAt = now;
  }

  /** The worker answered a ping at `now`, or otherwise showed it runs: life, not progress. */
  signOfLife(now: number): void {
    this.alive = true;
    this.lastSignAt = Math.max(this.lastSignAt, now);
    this.pingSentAt = null;
  }

  /** A ping was sent at `now` (after a verdict asked for one). */
  pingSent(now: number): void {
    this.pingSentAt = now;
  }

  /** The page resumed from a freeze at `now`: every deadline starts again from here. */
  resumed(now: number): void {
    this.resumedAt = now;
  }

  /** What to do at `now` (ms); see {@link Verdict}. Stalled calls are no longer watched afterwards. */
  check(now: number): Verdict {
    const since = (at: number): number => now - Math.max(at, this.resumedAt);
    if (this.pingSentAt !== null && since(this.pingSentAt) > PING_TIMEOUT_MS) return { ping: false, hung: true, stalled: [] };
    let silenceLimitMs = 0;
    for (const call of this.calls.values()) silenceLimitMs = Math.max(silenceLimitMs, call.silenceLimitMs);
    const ping = this.pingSentAt === null && this.alive && this.calls.size > 0 && since(this.lastSignAt) > silenceLimitMs;
    const stalled: Stalled[] = [];
    for (const [id, call] of this.calls) {
      if (call.stallLimitMs !== null && since(Math.max(call.startedAt, this.lastProgressAt)) > call.stallLimitMs) {
        stalled.push({ id, phase: this.currentPhase });
        this.calls.delete(id);
      }
    }
    return { ping, hung: false, stalled };
  }
}
