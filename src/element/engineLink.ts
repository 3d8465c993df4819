/**
 * The page's link to one engine worker: its Comlink remote, the calls in flight to it, and
 * the watchdog that reads its heartbeats (src/element/watchdog.ts).
 */
import * as Comlink from 'comlink';
import type { AssetLocation } from '../assets';
import { ReplacerError } from '../errors';
import type { EngineWorkerApi } from '../worker/engine.worker';
import { isHeartbeat } from '../worker/progress';
import { createEngineWorker } from './engineWorker';
import { Watchdog } from './watchdog';

/** How often the page asks the watchdog for a verdict while the link is up, in ms. */
const WATCH_INTERVAL_MS = 1_000;

/** What the owner of a link hears about its worker. */
export interface EngineLinkEvents {
  /** An uncaught error in the worker (ErrorEvent) or its script failing to load (Event). */
  crashed(event: Event): void;
  /** The worker was silent and did not answer a ping: it is closed or stuck in a loop. */
  hung(): void;
  /** Something about the link went wrong that the owner should report (a message that could not be read). */
  problem(error: ReplacerError): void;
}

/** How {@link EngineLink.call} watches one call. */
export interface CallWatch<T> {
  /** How long (ms) the call may go without progress before it fails with `stalled`'s error; none: silence only. */
  stallLimitMs?: number;
  /**
   * How long (ms) the worker may be silent while the call is in flight before it is pinged
   * (see Watchdog.callStarted): SILENCE_LIMIT_MS by default, START_SILENCE_LIMIT_MS for a
   * start-up, whose long synchronous steps stop the worker's heartbeats.
   */
  silenceLimitMs?: number;
  /** The error a stalled call fails with, given the phase the engine was stuck in. */
  stalled?: (phase: string) => ReplacerError;
  /** Receives a result that arrives after the call was abandoned, to release it. */
  onLate?: (late: T) => void;
}

/**
 * One engine worker and the calls in flight to it. The page replaces a crashed or hung worker
 * with a new EngineLink; the old one's calls are rejected with the reason (see {@link cut}).
 */
export class EngineLink {
  readonly remote: Comlink.Remote<EngineWorkerApi>;
  private readonly worker: Worker;
  private readonly heartbeats: MessagePort;
  private readonly watchdog = new Watchdog();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly onResume = (): void => this.watchdog.resumed(performance.now());
  private lifelineCut: ReplacerError | null = null;
  /** The calls in flight by id: how to abandon each and the error it fails with when stalled. */
  private readonly inFlight = new Map<number, { abandon: (reason: ReplacerError) => void; stalled?: (phase: string) => ReplacerError }>();
  private nextId = 0;

  /** Starts the worker script, gives it the heartbeat port and starts watching it. */
  constructor(
    assets: AssetLocation,
    private readonly events: EngineLinkEvents,
  ) {
    this.worker = createEngineWorker(assets);
    this.worker.addEventListener('error', (event) => events.crashed(event));
    this.worker.addEventListener('messageerror', () => events.problem(new ReplacerError('engine-failed', 'A message from the background engine could not be read.')));
    this.remote = Comlink.wrap<EngineWorkerApi>(this.worker);
    const channel = new MessageChannel();
    this.heartbeats = channel.port1;
    this.heartbeats.onmessage = (event: MessageEvent<unknown>) => {
      if (isHeartbeat(event.data)) this.watchdog.heartbeat(event.data, performance.now());
    };
    this.call(this.remote.watch(Comlink.transfer(channel.port2, [channel.port2]))).catch((err: unknown) => {
      // Cut off before the worker answered: why was reported by whoever cut it.
      if (err === this.lifelineCut) return;
      events.problem(new ReplacerError('engine-failed', `The background engine's heartbeat could not be set up: ${String(err)}`, { cause: err }));
    });
    globalThis.document?.addEventListener('resume', this.onResume);
    this.timer = setInterval(() => this.watch(), WATCH_INTERVAL_MS);
  }

  /** Set once the worker was cut off (crashed, replaced or disposed): the reason. */
  get cutReason(): ReplacerError | null {
    return this.lifelineCut;
  }

  /**
   * Races a call to this worker against its loss: the worker being cut off, found hung, or
   * (with `watch.stallLimitMs`) making no progress for that long.
   * @throws the call's own error, the cut reason, or the stall error (all as rejections)
   */
  call<T>(call: Promise<T>, watch: CallWatch<T> = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      let settled = false;
      const settle = (action: () => void): boolean => {
        if (settled) return false;
        settled = true;
        this.inFlight.delete(id);
        this.watchdog.callEnded(id);
        action();
        return true;
      };
      const abandon = (reason: ReplacerError): void => void settle(() => reject(reason));
      if (this.lifelineCut) {
        abandon(this.lifelineCut);
      } else {
        this.inFlight.set(id, { abandon, ...(watch.stalled ? { stalled: watch.stalled } : {}) });
        this.watchdog.callStarted(id, watch.stalled ? (watch.stallLimitMs ?? null) : null, performance.now(), watch.silenceLimitMs);
      }
      call.then(
        (value) => {
          this.watchdog.answered(performance.now());
          if (!settle(() => resolve(value))) watch.onLate?.(value);
        },
        (err: unknown) => {
          this.watchdog.answered(performance.now());
          // A late rejection of an abandoned call: why it was abandoned was already reported.
          settle(() => reject(err));
        },
      );
    });
  }

  /** Rejects every call in flight and every later one with `reason`, and stops watching. Idempotent (the first reason stays). */
  cut(reason: ReplacerError): void {
    this.lifelineCut ??= reason;
    this.stopWatching();
    for (const { abandon } of [...this.inFlight.values()]) abandon(reason);
  }

  /**
   * Cuts the worker off with `reason` and terminates it (its GPU device and model go with it).
   * The Comlink proxy is not released: an answer the worker posted before it ended still
   * arrives, and only with the proxy's listeners does it reach its call, whose `onLate` closes
   * the VideoFrame in it (released, Comlink would drop the answer and the frame with it).
   */
  terminate(reason: ReplacerError): void {
    this.cut(reason);
    this.heartbeats.close();
    this.worker.terminate();
  }

  /** Asks the watchdog for a verdict and acts on it: ping, report a hang, fail stalled calls. */
  private watch(): void {
    const now = performance.now();
    const verdict = this.watchdog.check(now);
    if (verdict.hung) {
      this.stopWatching();
      this.events.hung();
      return;
    }
    if (verdict.ping) {
      this.watchdog.pingSent(now);
      const answered = (): void => this.watchdog.signOfLife(performance.now());
      // Any answer, even an error, shows that the worker's event loop runs.
      this.remote.ping().then(answered, answered);
    }
    for (const { id, phase } of verdict.stalled) {
      const call = this.inFlight.get(id);
      if (call?.stalled) call.abandon(call.stalled(phase));
    }
  }

  private stopWatching(): void {
    clearInterval(this.timer);
    globalThis.document?.removeEventListener('resume', this.onResume);
  }
}
