/**
 * The engine worker's signs of life and progress, for the page's watchdog (src/element/watchdog.ts).
 * While a call is in flight the worker posts a {@link Heartbeat} about once a second on the
 * port the page gave it; the beat says which phase the engine is in and how many steps it has
 * made, so the page can tell a slow engine (beats, and the counter moves) from a stuck one
 * (beats, but the counter stands still) and from a hung worker (no beats at all).
 */

/** One heartbeat, as posted on the page's port. */
export interface Heartbeat {
  /** The step the engine reached last, e.g. 'init', 'gpu device', 'base network', 'process', 'frame'. */
  phase: string;
  /** Steps made since the worker started: 0, 1, 2…; a counter that does not move means no progress. */
  progress: number;
}

/** How often the worker posts a heartbeat while a call is in flight, in ms. */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/** True when `data` (a message from the heartbeat port) is a {@link Heartbeat}. */
export function isHeartbeat(data: unknown): data is Heartbeat {
  const beat = data as Partial<Heartbeat> | null;
  return typeof beat === 'object' && beat !== null && typeof beat.phase === 'string' && typeof beat.progress === 'number';
}

/** Where heartbeats go: a MessagePort, or anything with its postMessage. */
export interface HeartbeatSink {
  postMessage(beat: Heartbeat): void;
}

/**
 * Counts the worker's steps and posts heartbeats while calls are in flight. Without a sink
 * (a caller that gave none, as the replay harness and the bench) it only counts.
 */
export class ProgressBeacon {
  private progress = 0;
  private phase = 'idle';
  private calls = 0;
  /** True when a call started or ended since the last beat: the next beat reports it, however short the call. */
  private busySinceBeat = false;
  private sink: HeartbeatSink | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;

  /** Sends heartbeats to `sink` from now on (replacing an earlier one), starting with one at once. */
  attach(sink: HeartbeatSink): void {
    this.sink = sink;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.beat(false), HEARTBEAT_INTERVAL_MS);
    this.beat(true);
  }

  /** Records one step of progress: the counter moves and `phase` becomes the current phase. */
  step(phase: string): void {
    this.progress++;
    this.phase = phase;
  }

  /**
   * Runs one call of the worker's API, counted as in flight (heartbeats flow) until it settles.
   * Its start is a step in phase `phase` (the engine's own steps name finer phases); its end
   * is a step too, in whatever phase was current (with several calls in flight the phase is
   * the latest step of any of them).
   * @returns what `call` returns; its rejection passes through unchanged
   */
  async track<T>(phase: string, call: () => Promise<T>): Promise<T> {
    this.calls++;
    this.busySinceBeat = true;
    this.step(phase);
    try {
      return await call();
    } finally {
      this.calls--;
      this.progress++;
      this.busySinceBeat = true;
    }
  }

  /** Stops the heartbeats (the sink is dropped). */
  detach(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sink = null;
  }

  private beat(always: boolean): void {
    if (!this.sink || (!always && this.calls === 0 && !this.busySinceBeat)) return;
    this.busySinceBeat = false;
    this.sink.postMessage({ phase: this.phase, progress: this.progress });
  }
}
