// What the soak command (scripts/soak.ts, scripts/lib/soakRun.ts) and the soak page
// (test/soak/soak.ts) say to each other: the run asked for, the state after the warm-up and at
// the end, and the page's `window.soak`.
import type { FrameStats } from '../../src/types/frame';

/** What the command asks for. */
export interface SoakConfig {
  /** Clip size in pixels. */
  width: number;
  height: number;
  /** Processed frames (`stats.processed`) after which the run ends. */
  frames: number;
  /** Processed frames of the warm-up (which also runs every scenario step once). */
  warmup: number;
  /** Processed frames over which fps is measured, at the baseline, after the warm-up and after the run. */
  fpsWindow: number;
  /** Delivered frames (processed + passed through) between two scenario steps after the warm-up. */
  step: number;
  /** Clone one input frame and never close it (negative control). */
  injectLeak: boolean;
}

/** Engine times of a frame, ms (see FrameStats). */
export type EngineMs = Pick<FrameStats, 'import' | 'segment' | 'gpu' | 'total'>;

/** Frame counts of the replacer (`stats`). */
export interface FrameCounts {
  processed: number;
  passedThrough: number;
  /** Frames covered (whileNotReady) while the engine was not ready. */
  covered: number;
  dropped: number;
}

/** How often each scenario action completed. */
export interface ScenarioCounts {
  modes: Record<'blur-light' | 'blur-medium' | 'blur-strong' | 'image' | 'video' | 'color' | 'off', number>;
  views: Record<'com' | 'pha' | 'fgr' | 'err', number>;
  /** Images as ImageBitmap and Blob, videos as a file (the app's built-in loop) and a MediaStream, and cleared. */
  backgrounds: { bitmap: number; blob: number; videoFile: number; videoStream: number; cleared: number };
  capturePlate: number;
  clearPlate: number;
}

/** The state after the warm-up, paused and drained. */
export interface SoakStart extends FrameCounts {
  adapter: string | null;
  backend: string | null;
}

/** The whole run, once stopped and drained. */
export interface SoakEnd extends FrameCounts {
  /**
   * Processed frames per second of wall time at the baseline (scenario off), over `fpsWindow`
   * frames right after the warm-up and right after the run's `frames` frames.
   */
  fps: { start: number; end: number };
  /** Median engine times of a frame (stats.last: import, segment, gpu, total; ms) over the same windows. */
  engineMs: { start: EngineMs; end: EngineMs };
  /** The adaptive-quality level (0 best) at the end of each window, or null without one. */
  quality: { start: number | null; end: number | null };
  scenario: ScenarioCounts;
  /** Clip frames written into the input track. */
  written: number;
  /** `error` events of the replacer and failed scenario actions, as "what: message". */
  errors: string[];
}

/** `window.soak`: the page's side of the soak. */
export interface SoakPage {
  /**
   * Creates the replacer (default options), processes the clip, waits for the engine, runs
   * the warm-up, returns to the baseline (default options, no background image, no plate),
   * then pauses the clip and waits for the pipeline to drain.
   * @throws the replacer's start error, or a failed baseline reset
   */
  start(config: SoakConfig): Promise<SoakStart>;
  /** Resumes the clip after start(), measures fps at the baseline, then starts the scenario. */
  resume(): Promise<void>;
  /**
   * Waits for `frames` processed frames, returns to the baseline, measures fps, pauses the
   * clip, waits for the pipeline to drain, stops it (replacer.stop(), the clip's track ended)
   * and waits again.
   */
  finish(): Promise<SoakEnd>;
  /** Disposes of the replacer. */
  dispose(): Promise<void>;
  /** Frame counts so far. */
  progress(): FrameCounts;
}

declare global {
  interface Window {
    soak: SoakPage;
  }
}
