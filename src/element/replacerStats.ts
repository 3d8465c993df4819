/**
 * What a BackgroundReplacer tells its page: the counters and last-frame figures of
 * `replacer.stats`, and the events it dispatches (`stats`, `error`, `ready`, `ended`,
 * `platecountdown`, `platestale`).
 */
import type { ReplacerError } from '../errors';
import type { DepthStats, FrameStats, MemoryStats, PlateFit, QualityLevel, RefineStats, Renderer } from '../types/frame';
import type { EngineInfo, ProcessResult } from '../worker/protocol';
import type { ReplacerEventMap, ReplacerStats } from './replacerTypes';
import { FpsMeter } from './fpsMeter';

/**
 * How a frame reached the output — processed, passed through untouched, or covered while the
 * matte was not ready (options.whileNotReady) — or that it was dropped (engine busy).
 */
export type FrameOutcome = 'processed' | 'passedThrough' | 'covered' | 'dropped';

/** Keeps the replacer's stats and dispatches its events on `target`. */
export class ReplacerReporter {
  private readonly fps = new FpsMeter();
  private counts = { dropped: 0, processed: 0, passedThrough: 0, covered: 0 };
  private last: FrameStats | null = null;
  private info: EngineInfo | null = null;
  /** From EngineInfo, then from the frames' outputPath (the engine may switch to canvas2d mid-stream). */
  private renderer: Renderer | null = null;
  private refine: RefineStats | null = null;
  private quality: QualityLevel | null = null;
  private depth: DepthStats | null = null;
  private memory: MemoryStats | null = null;
  private plate = false;
  /** Increases with every plate change, so results measured against an older plate are ignored. */
  private plateGeneration = 0;
  private plateFit: PlateFit | null = null;

  /**
   * @param target where the events are dispatched (the replacer)
   * @param isReady whether the engine is ready now, for `stats.ready`
   */
  constructor(
    private readonly target: EventTarget,
    private readonly isReady: () => boolean,
  ) {}

  /** A snapshot of the stats now (see ReplacerStats). */
  get stats(): ReplacerStats {
    return {
      fps: this.fps.fps(),
      ...this.counts,
      last: this.last,
      ready: this.isReady(),
      adapter: this.info?.adapter ?? null,
      backend: this.info?.backend ?? null,
      renderer: this.renderer,
      plate: this.plate,
      plateFit: this.plateFit,
      memory: this.memory,
      refine: this.refine,
      quality: this.quality,
      depth: this.depth,
    };
  }

  /** The plate generation now: pass it back to {@link processed} with the frame's result. */
  get plateAge(): number {
    return this.plateGeneration;
  }

  /** A new pipeline starts: its counters, last timings, depth and background memory start from nothing. */
  pipelineStarted(): void {
    this.counts = { dropped: 0, processed: 0, passedThrough: 0, covered: 0 };
    this.last = null;
    this.depth = null;
    this.memory = null;
  }

  /** Counts one input frame by its outcome (output frames also count towards fps) and dispatches `stats`. */
  count(outcome: FrameOutcome): void {
    this.counts[outcome]++;
    if (outcome !== 'dropped') this.fps.tick();
    this.emit('stats', this.stats);
  }

  /**
   * Takes the figures of a processed frame (before it is counted); dispatches `platestale`
   * when the plate stopped fitting.
   * @param plateAge {@link plateAge} when the frame was sent: a fit measured against an older plate is ignored
   */
  processed(result: ProcessResult, plateAge: number): void {
    this.last = result.stats;
    this.refine = result.refine ?? null;
    this.quality = result.quality ?? null;
    this.depth = result.depth ?? null;
    this.memory = result.memory ?? null;
    this.renderer = result.outputPath === 'canvas2d' ? 'canvas2d' : 'webgpu';
    if (this.plate && plateAge === this.plateGeneration && result.plateFit) {
      const wasStale = this.plateFit?.stale ?? false;
      this.plateFit = result.plateFit;
      if (result.plateFit.stale && !wasStale) this.emit('platestale', result.plateFit);
    }
  }

  /** The engine took a new plate, or cleared it (`present` false): its fit is unknown again. */
  plateChanged(present: boolean): void {
    this.plate = present;
    this.plateGeneration++;
    this.plateFit = null;
  }

  /** The engine is ready (again), as `info` says: dispatches `ready`. */
  ready(info: EngineInfo): void {
    this.info = info;
    this.renderer = info.renderer;
    this.emit('ready', info);
  }

  /** Dispatches `error`. */
  error(error: ReplacerError): void {
    this.emit('error', error);
  }

  /** The input ended (the output ends too): dispatches `ended`. */
  ended(): void {
    this.emit('ended', null);
  }

  /** Dispatches `platecountdown` with the whole seconds left (0: collection starts). */
  countdown(secondsLeft: number): void {
    this.emit('platecountdown', secondsLeft);
  }

  private emit<K extends keyof ReplacerEventMap>(type: K, detail: ReplacerEventMap[K]['detail']): void {
    this.target.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
