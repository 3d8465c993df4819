import * as Comlink from 'comlink';
import { ReplacerError } from '../errors';
import type { EngineWorkerApi } from '../worker/engine.worker';

/** How long a liveness probe may take before the worker counts as dead or hung. */
export const PING_TIMEOUT_MS = 3_000;

/**
 * One engine worker and the calls in flight to it. The page replaces a crashed worker with a
 * new EngineWorker; the old one's calls are rejected with the reason (see {@link cut}).
 *
 * Page freezes (a background tab frozen by the browser, see the Page Lifecycle API) do not
 * count against call timeouts: a timer that fires after a `resume` later than the call's
 * start is re-armed once instead of failing the call.
 */
export class EngineWorker {
  readonly remote: Comlink.Remote<EngineWorkerApi>;
  private readonly worker: Worker;
  private lifelineCut: ReplacerError | null = null;
  /** Rejecters of the calls in flight, for {@link cut}. */
  private readonly inFlight = new Set<(reason: ReplacerError) => void>();

  /**
   * Starts the worker script.
   * @param onError an uncaught error in the worker (ErrorEvent) or its script failing to load (Event)
   * @param onMessageError a message from the worker that could not be deserialised
   */
  constructor(onError: (event: Event) => void, onMessageError: () => void) {
    this.worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
    this.worker.addEventListener('error', onError);
    this.worker.addEventListener('messageerror', onMessageError);
    this.remote = Comlink.wrap<EngineWorkerApi>(this.worker);
  }

  /** Set once the worker was cut off (crashed, replaced or disposed): the reason. */
  get cutReason(): ReplacerError | null {
    return this.lifelineCut;
  }

  /**
   * Races a call to this worker against its loss and an optional timeout.
   * @param timeoutMs rejects with ReplacerError 'engine-failed' after this long (page freezes excluded)
   * @param onLate receives a result that arrives after the race was lost, to release it
   * @throws the call's own error, the cut reason, or the timeout error (all as rejections)
   */
  guard<T>(call: Promise<T>, timeoutMs?: number, onLate?: (late: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (action: () => void): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(abandon);
        action();
        return true;
      };
      const abandon = (reason: ReplacerError): void => void settle(() => reject(reason));
      if (timeoutMs !== undefined) {
        const startedAt = performance.now();
        let rearmed = false;
        const onTimeout = (): void => {
          if (!rearmed && lastResumeAt > startedAt) {
            rearmed = true;
            timer = setTimeout(onTimeout, timeoutMs);
            return;
          }
          abandon(new ReplacerError('engine-failed', `The background engine did not answer in ${timeoutMs} ms.`));
        };
        timer = setTimeout(onTimeout, timeoutMs);
      }
      if (this.lifelineCut) abandon(this.lifelineCut);
      else this.inFlight.add(abandon);
      call.then(
        (value) => {
          if (!settle(() => resolve(value))) onLate?.(value);
        },
        // A late rejection of an abandoned call: why it was abandoned was already reported.
        (err: unknown) => void settle(() => reject(err)),
      );
    });
  }

  /** True when the worker answers a ping within {@link PING_TIMEOUT_MS}. */
  async alive(): Promise<boolean> {
    if (this.lifelineCut) return false;
    try {
      await this.guard(this.remote.ping(), PING_TIMEOUT_MS);
      return true;
    } catch {
      // Any failure of the probe means the same: no answer.
      return false;
    }
  }

  /** Rejects every call in flight and every later one with `reason`. Idempotent (the first reason stays). */
  cut(reason: ReplacerError): void {
    this.lifelineCut ??= reason;
    for (const abandon of [...this.inFlight]) abandon(reason);
  }

  /** Cuts the worker off with `reason` and terminates it (its GPU device and model go with it). */
  terminate(reason: ReplacerError): void {
    this.cut(reason);
    this.remote[Comlink.releaseProxy]();
    this.worker.terminate();
  }
}

/** When the page last resumed from a freeze (performance.now() ms; -1: never). */
let lastResumeAt = -1;
globalThis.document?.addEventListener('resume', () => {
  lastResumeAt = performance.now();
});
