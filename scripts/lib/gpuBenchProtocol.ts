// What the GPU bench commands and the GPU harness page (test/gpu/harness.html) say to each
// other: the results of the timing cases the commands call on the page,
// window.segmentCases.benchBackend (test/gpu/cases/segmentCases.ts, for scripts/bench-backends.ts)
// and window.refineCases.benchRefine (test/gpu/cases/refineCases.ts, for scripts/bench-refine.ts
// and the refine column of scripts/bench.ts).

/** Per-frame worker timings (ms) of one backend at one size, from FrameStats. */
export interface BackendBench {
  backend: string;
  adapter: string;
  width: number;
  height: number;
  outputPath: string;
  frames: { import: number; segment: number; gpu: number; total: number }[];
}

/** Result of benchRefine. */
export interface BenchResult {
  adapter: string;
  /** Whether GPU timestamps were used (else gpuMs is empty). */
  timestamps: boolean;
  /** Rounds measured (each: one sparse and one full refine). */
  iterations: number;
  tiles: { sampling: number; full: number; budget: number };
  times: Record<'sampling' | 'full', { gpuMs: number[]; wallMs: number[] }>;
}
