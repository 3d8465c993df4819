// What the bench command (scripts/bench.ts) and the bench page (test/bench/bench.ts) say to
// each other: the routes the page fetches frames and images from and posts outputs to, what
// a job sets up, what a run of frames reports, and the page's `window.bench`.
import type { Options } from '../../../src/options';
import type { FrameStats, RefineStats } from '../../../src/types/frame';
import type { ProcessResult } from '../../../src/worker/protocol';

/** Same-origin routes served by scripts/lib/bench/server.ts. */
export const BENCH_ROUTES = {
  base: '/__bench/',
  /** Twilio's browser build (processors, pipeline workers, TFLite wasm and model): its `assetsPath`. */
  twilioAssets: '/__bench/twilio/',
  frame: (sequence: string, index: number) => `/__bench/frame/${encodeURIComponent(sequence)}/${index}`,
  image: (name: string) => `/__bench/image/${encodeURIComponent(name)}`,
  output: (sequence: string, index: number, what: string) => `/__bench/output/${encodeURIComponent(sequence)}/${index}/${encodeURIComponent(what)}`,
} as const;

/** The systems the page can set up. */
export type SystemKind = 'ours' | 'twilio-blur' | 'twilio-image' | 'twilio-alpha' | 'tasks-vision';

/** One job's system. */
export interface SetupSpec {
  kind: SystemKind;
  /** `ours`: engine options (the page adds `targetFps: 0` unless they set it). */
  options?: Partial<Options>;
  /** `ours` image mode and `twilio-image`: the served image name of the new background. */
  background?: string | null;
  /** `ours`: start the engine worker, then wait for `bench.probeInstalled()` before initialising it. */
  waitForProbe?: boolean;
}

/** What the page reports once a system is set up. */
export interface SetupInfo {
  /** WebGPU adapter ("vendor architecture description"), or '' where the system does not use WebGPU. */
  adapter: string;
  /** `ours`: the backend that runs; others: a description of the runtime. */
  backend: string;
  /** `twilio-*`: whether Twilio's TFLite runs its SIMD build; null otherwise. */
  twilioSimd: boolean | null;
  /** Whether the adapter offers 'timestamp-query' (ours only; null otherwise). */
  timestampQuery: boolean | null;
}

/** What to capture of each frame and post to BENCH_ROUTES.output. */
export type Capture =
  /** `ours`: the alpha matte read-back (8-bit grey, frame size) as 'pha'. */
  | 'pha'
  /** `twilio-alpha`: the composites over black ('black') and white ('white') and the input frame as the canvas draws it ('input'), RGBA. */
  | 'composites'
  /** `tasks-vision`: the confidence mask, Float32 at the model's size, as 'mask'. */
  | 'mask';

/** A run over frames of a sequence, in order. */
export interface RunSpec {
  sequence: string;
  indices: number[];
  /** Plate image names: before frame i, the plate `plates[i]` is set (ours only; untimed). */
  plates?: Record<number, string>;
  capture?: Capture | null;
  /**
   * `ours`: ask the engine for the pha read-back without posting it: the engine reads its refine
   * accounting back only when a read-back is asked for (none in the steady state).
   */
  refineStats?: boolean;
  /** After the last frame, check the system's output (Twilio: that a frame was drawn; its very first output is not one). */
  verify?: boolean;
}

/** One frame's record. */
export interface FrameRecord {
  index: number;
  /** Wall time of the system's call on the page's main thread, ms: from the call to its result. */
  ms: number;
  /** `ours`: the engine's own timings (ProcessResult.stats, with `stages` when the engine measures them). */
  stats?: FrameStats & { stages?: Record<string, number> };
  /** `ours`: refine accounting (ProcessResult.refine) when the engine read it back (see RunSpec.refineStats). */
  refine?: RefineStats | null;
  /** `ours`: how the frame reached the GPU and left it (ProcessResult.importPath, outputPath). */
  importPath?: ProcessResult['importPath'];
  outputPath?: ProcessResult['outputPath'];
  /** `ours`: the adaptive-quality level the frame was processed at (ProcessResult.quality). */
  quality?: ProcessResult['quality'];
}

/** `window.bench`: the page's side. */
export interface BenchPage {
  /**
   * Sets up the page's system (one per page).
   * @throws Error when a system is already set up or it cannot start
   */
  setup(spec: SetupSpec): Promise<SetupInfo>;
  /** Says that the command's probe is in the engine worker (see SetupSpec.waitForProbe). */
  probeInstalled(): void;
  /** Fetches frames of a sequence into memory (outside any timing). @throws Error when a frame cannot be fetched */
  load(sequence: string, indices: number[]): Promise<void>;
  /** Drops the frames held in memory. */
  unload(): void;
  /**
   * Runs loaded frames through the system, in order, one at a time.
   * @returns one record per frame
   * @throws Error when a frame is not loaded, no system is set up, or the system fails
   */
  run(spec: RunSpec): Promise<FrameRecord[]>;
  /** Releases the system. */
  dispose(): Promise<void>;
}

declare global {
  interface Window {
    bench: BenchPage;
  }
}
