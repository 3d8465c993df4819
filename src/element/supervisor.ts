/**
 * Supervision of the engine worker: spawns it, starts it (init with the options; after a
 * restart also the background, the plate and the depth calibration it had), replaces a
 * crashed or hung one (at most MAX_RESTARTS within a minute, then it fails for good), and
 * runs the control calls (options, background, plate, calibration) in call order.
 */
import * as Comlink from 'comlink';
import type { AssetLocation } from '../assets';
import { ReplacerError } from '../errors';
import { resolveOptions, type Options } from '../options';
import type { KinectCalibration } from '../types/kinect';
import type { EngineInfo } from '../worker/protocol';
import { EngineLink } from './engineLink';
import { EngineMemory } from './engineMemory';
import { toReplacerError } from './toReplacerError';
import { notReadyNote } from './notReadyFrame';
import { START_SILENCE_LIMIT_MS, START_STALL_LIMIT_MS } from './watchdog';
import { withTimeout } from './withTimeout';

/** At most this many engine restarts within {@link RESTART_WINDOW_MS}; one more and the engine stays down. */
export const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
/** How long dispose() waits for the engine to release its resources before terminating the worker. */
const DISPOSE_TIMEOUT_MS = 2_000;

export type EngineState = 'starting' | 'ready' | 'failed' | 'disposed';

/** What the supervisor tells its owner. */
export interface SupervisorEvents {
  /** The engine is ready (again after a restart), or setOptions changed its backend or rendering path. */
  ready(info: EngineInfo): void;
  /** Something failed that the user should hear of (the `error` event). */
  error(error: ReplacerError): void;
  /** The worker is being replaced: every call in flight to it was cut off. */
  restarting(): void;
  /** The engine failed for good (frames are covered, see options.whileNotReady, from now on). */
  failed(): void;
  /** The engine took a new plate (`present` false: it was cleared). */
  plateChanged(present: boolean): void;
}

/** The engine worker's supervisor; see the module comment. */
export class EngineSupervisor {
  private currentState: EngineState = 'starting';
  private current: EngineLink;
  private failure: ReplacerError | null = null;
  /** Settles (fulfilled with info or the start error) once the latest init is over; never rejects. */
  private started: Promise<EngineInfo | ReplacerError>;
  /** Serialises control calls (init, setOptions, setBackground, restarts) in call order. */
  private control: Promise<unknown>;
  /** performance.now() of the restarts within the last {@link RESTART_WINDOW_MS}. */
  private restarts: number[] = [];
  /** What a restarted engine gets again: background, plate, depth calibration. */
  private readonly memory = new EngineMemory();

  /**
   * Spawns the engine worker and starts it with `options` (validated).
   * @param assets where the engine's models, runtimes and (library build) worker scripts are
   */
  constructor(
    private currentOptions: Readonly<Options>,
    private readonly events: SupervisorEvents,
    private readonly assets: AssetLocation,
  ) {
    this.current = this.spawn();
    this.started = this.start(false);
    this.control = this.started;
  }

  get options(): Readonly<Options> {
    return this.currentOptions;
  }

  get state(): EngineState {
    return this.currentState;
  }

  /** The current engine worker; replaced when it crashes or hangs. */
  get link(): EngineLink {
    return this.current;
  }

  /** The error that stopped the engine (state 'failed'), or null. */
  get error(): ReplacerError | null {
    return this.currentState === 'failed' ? this.failure : null;
  }

  /** Resolves with the engine info once ready; rejects with the engine's start error (after restarts, the last one's). */
  async whenReady(): Promise<EngineInfo> {
    for (;;) {
      const started = this.started;
      const outcome = await started;
      if (!(outcome instanceof ReplacerError)) return outcome;
      // Cut off by a restart (the worker crashed or hung while starting): wait for the new one.
      if (started === this.started) throw outcome;
    }
  }

  /**
   * @param action what the user wants done, for the message while starting ("capture the plate")
   * @throws ReplacerError why the engine cannot take a plate now: disposed, failed (its
   *   error) or still starting; nothing when it is ready
   */
  assertReady(action = 'capture the plate'): void {
    if (this.currentState === 'disposed') throw new ReplacerError('disposed', 'This background replacer was disposed; create a new one.');
    if (this.currentState === 'failed') throw this.failure ?? new ReplacerError('engine-failed', 'The background engine failed; a plate cannot be captured.');
    if (this.currentState === 'starting') {
      throw new ReplacerError('engine-not-ready', `The background engine is still starting — ${action} once it is ready (the \`ready\` event).`);
    }
  }

  /**
   * Validates `partial` over the current options and applies them from the next frame on.
   * @throws InvalidOptionError synchronously, leaving the options unchanged
   * @returns a promise that rejects with a ReplacerError if the engine refused them (the previous options stay)
   */
  setOptions(partial: Partial<Options>): Promise<void> {
    const previous = this.currentOptions;
    const next = resolveOptions(partial, previous);
    this.currentOptions = next;
    return this.enqueue(async () => {
      if (this.currentState !== 'ready') return;
      try {
        // A new backend or rendering path: the engine is ready again, as `info` says. Loading
        // a backend is start-up work (long synchronous steps): judged by start-up silence.
        const info = await this.current.call(this.current.remote.setOptions(next), { silenceLimitMs: START_SILENCE_LIMIT_MS });
        if (info) this.events.ready(info);
      } catch (err) {
        // The engine kept its options (e.g. a BGMv2 model that cannot load): so do we.
        if (this.currentOptions === next) this.currentOptions = previous;
        throw err;
      }
    });
  }

  /** Gives the engine the background image (transferred; null clears it), in call order; kept for a restarted engine. */
  setBackground(bitmap: ImageBitmap | null): Promise<void> {
    return this.enqueue(async () => {
      // Kept for a restarted engine, also while (re)starting: start() gives it to the engine.
      await this.memory.keepBackground(bitmap);
      if (this.currentState !== 'ready') {
        bitmap?.close();
        return;
      }
      await this.current.call(this.current.remote.setBackground(bitmap ? Comlink.transfer(bitmap, [bitmap]) : null));
    });
  }

  /**
   * Gives the engine a plate (transferred; null clears it) in call order with the other control calls.
   * @param strict reject when the engine is not usable (capturePlate); otherwise, as for
   *   backgrounds, a plate for a failed engine is dropped silently (its error was reported)
   */
  setPlate(bitmap: ImageBitmap | null, strict: boolean): Promise<void> {
    return this.enqueue(async () => {
      if (this.currentState !== 'ready') {
        bitmap?.close();
        if (strict) this.assertReady();
        return;
      }
      const copy = bitmap ? await createImageBitmap(bitmap) : null;
      try {
        await this.current.call(this.current.remote.setPlate(bitmap ? Comlink.transfer(bitmap, [bitmap]) : null));
      } catch (err) {
        copy?.close();
        throw err;
      }
      this.memory.keepPlate(copy);
      this.events.plateChanged(bitmap !== null);
    });
  }

  /**
   * What the engine's background memory learned, as a plate (transferred here; see
   * EngineApi.memoryPlate), in call order with the control calls: after options queued before it.
   * @returns the bitmap (the caller's), or null when the memory knows nothing
   * @throws ReplacerError (rejection) why the engine cannot answer now: disposed, failed or still starting
   */
  memoryPlate(): Promise<ImageBitmap | null> {
    return this.enqueue(async () => {
      this.assertReady('save the background memory as the plate');
      return this.current.call(this.current.remote.memoryPlate(), { onLate: (late) => late?.close() });
    }, 'The background memory could not be read');
  }

  /** Gives the engine the depth calibration in call order (kept for a restarted engine); a failure is reported as an `error`. */
  setDepthCalibration(calibration: KinectCalibration | null): void {
    this.enqueue(async () => {
      this.memory.keepCalibration(calibration);
      if (this.currentState === 'ready') await this.current.call(this.current.remote.setDepthCalibration(calibration));
    }).catch((err: unknown) => this.events.error(toReplacerError(err, { code: 'engine-failed', context: 'The depth calibration could not be set' })));
  }

  /**
   * Disposes of the engine: cuts every call off with `reason` at once (state 'disposed'),
   * then lets the engine release its resources for up to DISPOSE_TIMEOUT_MS and terminates the worker.
   * @throws ReplacerError 'engine-failed' (rejection) when the engine did not shut down cleanly
   */
  async dispose(reason: ReplacerError): Promise<void> {
    const wasAlive = this.currentState !== 'failed';
    this.currentState = 'disposed';
    const engine = this.current;
    engine.cut(reason);
    this.memory.clear();
    try {
      // The engine was cut off above: call it directly, not through call().
      if (wasAlive) {
        await withTimeout(
          engine.remote.dispose(),
          DISPOSE_TIMEOUT_MS,
          () => new ReplacerError('engine-failed', `The background engine did not shut down in ${DISPOSE_TIMEOUT_MS} ms.`),
        );
      }
    } catch (err) {
      throw toReplacerError(err, { code: 'engine-failed', context: 'The background engine did not shut down cleanly' });
    } finally {
      engine.terminate(reason);
    }
  }

  /** Starts an engine worker whose crashes and hangs reach {@link onWorkerError} and {@link restart}. */
  private spawn(): EngineLink {
    const link: EngineLink = new EngineLink(this.assets, {
      crashed: (event) => this.onWorkerError(link, event),
      hung: () => this.restart(link, 'stopped answering'),
      problem: (error) => this.events.error(error),
    });
    return link;
  }

  /**
   * Initialises the current engine worker with the current options; after a restart also
   * gives it the background image, the plate and the depth calibration it had.
   */
  private async start(restart: boolean): Promise<EngineInfo | ReplacerError> {
    const engine = this.current;
    try {
      // Options and backgrounds set while init runs are queued behind it (see `control`).
      const info = await engine.call(engine.remote.init(this.currentOptions, this.assets), {
        stallLimitMs: START_STALL_LIMIT_MS,
        silenceLimitMs: START_SILENCE_LIMIT_MS,
        stalled: (phase) =>
          new ReplacerError(
            'engine-failed',
            `The background engine could not start: it made no progress for ${START_STALL_LIMIT_MS / 1000} s (stuck in phase '${phase}'); ${this.notReady()} from now on.`,
          ),
      });
      if (restart) await this.memory.restore(engine);
      if (this.currentState !== 'starting') return new ReplacerError('disposed', 'The background replacer was disposed while starting.');
      this.currentState = 'ready';
      this.events.ready(info);
      return info;
    } catch (err) {
      const error = toReplacerError(err, { code: 'engine-failed', context: 'The background engine could not start' });
      // A restart that was itself cut off by a newer one leaves the state to the newer one.
      if (this.currentState === 'starting' && engine === this.current) this.fail(error);
      return error;
    }
  }

  /**
   * Replaces a crashed or hung engine worker with a new one: frames are covered (see
   * options.whileNotReady) while it starts, then the options, background and plate are
   * restored. More than MAX_RESTARTS within a minute fails the engine for good (frames stay covered).
   * @param crashed the worker that failed; ignored when it was already replaced
   * @param why what happened, for the error message
   */
  private restart(crashed: EngineLink, why: string): void {
    if (crashed !== this.current || this.currentState === 'disposed' || this.currentState === 'failed') return;
    const now = performance.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.restarts.length >= MAX_RESTARTS) {
      crashed.terminate(new ReplacerError('engine-failed', `The background engine stopped (${why}).`));
      this.fail(
        new ReplacerError(
          'engine-failed',
          `The background engine failed ${MAX_RESTARTS + 1} times within a minute (last: ${why}); ${this.notReady()} from now on — reload the page to try again.`,
        ),
      );
      return;
    }
    this.restarts.push(now);
    const error = new ReplacerError('engine-failed', `The background engine ${why}; restarting it — ${this.notReady()} meanwhile.`);
    this.currentState = 'starting';
    crashed.terminate(error);
    this.events.restarting();
    this.events.error(error);
    this.current = this.spawn();
    // Control calls queued before the crash settle first (their engine calls were cut off);
    // later ones wait for the new engine.
    this.started = this.control.then(() => this.start(true));
    this.control = this.started;
  }

  /**
   * An uncaught error in an engine worker. While the first engine starts, the worker is
   * unusable (often its script failed to load): fail (frames stay covered). Afterwards the
   * worker's state is unknown: replace it (see {@link restart}). A hung or closed worker
   * raises no event; the watchdog catches it (src/element/watchdog.ts).
   */
  private onWorkerError(engine: EngineLink, event: Event): void {
    const detail = event instanceof ErrorEvent && event.message ? event.message : 'the worker script failed to load';
    if (engine !== this.current) return;
    if (this.currentState === 'starting' && this.restarts.length === 0) {
      this.fail(new ReplacerError('engine-failed', `The background engine could not start: ${detail}; ${this.notReady()} from now on.`));
    } else if (this.currentState === 'ready' || this.currentState === 'starting') {
      this.restart(engine, `crashed (${detail})`);
    }
  }

  /** The engine is unusable: frames are covered from now on (options.whileNotReady); report why. */
  private fail(error: ReplacerError): void {
    if (this.currentState === 'disposed' || this.currentState === 'failed') return;
    this.currentState = 'failed';
    this.failure = error;
    this.current.cut(error);
    this.events.failed();
    this.events.error(error);
  }

  /** What the output shows while the engine is not ready, for the messages that say so (options.whileNotReady). */
  private notReady(): string {
    return notReadyNote(this.currentOptions.whileNotReady);
  }

  /**
   * Runs `task` after the control calls queued before it.
   * @param context put before the message of an error that is not a ReplacerError (code 'engine-failed')
   */
  private enqueue<T>(task: () => Promise<T>, context = 'The background engine refused the change'): Promise<T> {
    const run = this.control.then(task).catch((err: unknown) => {
      throw toReplacerError(err, { code: 'engine-failed', context });
    });
    // The caller receives `run` and its rejection; the chain only keeps the order.
    this.control = run.catch(() => undefined);
    return run;
  }
}
