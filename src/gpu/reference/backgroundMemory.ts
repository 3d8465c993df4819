import { at, createImage, type FloatImage } from './image';
import { plateGain } from './plateStats';

/** The update rule's constants, as in shaders/background_memory.wgsl. */
export const MEMORY_RULE = {
  /** Alpha below which a pixel (and its margin) is confidently background. */
  alphaBackground: 0.1,
  /** Match tolerance: d ≤ t0 + 3√v. */
  t0: 0.04,
  /** Noise v of a new estimate, and its range. */
  v0: 3e-4,
  vMin: 1e-5,
  vMax: 0.01,
  /** Averaging horizon (frames), count cap, count for known, count lost per differing observation. */
  nAverage: 30,
  nCap: 60,
  nKnown: 6,
  missStep: 2,
  /** Float16 holds whole frame counts exactly up to 2048. */
  ageCap: 2048,
  unknownTint: [0.45, 0.1, 0.5],
} as const;

/** The memory's state: colour [H,W,4] (μ.rgb, v) and counts [H,W,4] (n, age, 0, 1), both rgba16float on the GPU. */
export interface MemoryState {
  colour: FloatImage;
  count: FloatImage;
}

/** An empty memory (nothing known) of width×height. */
export function emptyMemoryState(width: number, height: number): MemoryState {
  return { colour: createImage(width, height, 4), count: createImage(width, height, 4) };
}

/** What one update gives: the next state, the memory as a plate, the `mem` view, and the counters. */
export interface MemoryUpdate {
  state: MemoryState;
  /** [H,W,4] rgb μ clamped to 0..1, a = 1 where known. */
  plate: FloatImage;
  /** [H,W,4] the debug view. */
  view: FloatImage;
  /** [observed, observed and known before, observed known and differing, known after]. */
  counters: [number, number, number, number];
  /** Per pixel: 1 where it was observed (confident background) this frame. */
  observed: Uint8Array;
}

/**
 * Reference of shaders/background_memory.wgsl: one update of the background memory (see the
 * shader's header for the rule). Float64 arithmetic except the gain (float32, as plateGain);
 * the caller quantises the state to what rgba16float holds between frames when it mirrors the GPU.
 * @param frame [H,W,≥3] in 0..1; @param alpha [H,W,1] this frame's alpha in 0..1
 * @param state the state before (same size)
 * @param stats the 8 u32 plate statistics of this frame against the memory (gain g)
 * @param params margin (pixels, ≥ 1) and reset: true forgets the state first; 'seed' starts
 *   again from `seed` (known where a ≥ 0.5: μ = its rgb, v = v0, n = nCap, age 0; empty elsewhere)
 * @param seed [H,W,4] the captured plate in 0..1, read when reset is 'seed'
 * @throws RangeError when the sizes differ, or reset is 'seed' without a seed
 */
export function backgroundMemoryReference(
  frame: FloatImage,
  alpha: FloatImage,
  state: MemoryState,
  stats: ArrayLike<number>,
  params: { margin: number; reset: boolean | 'seed' },
  seed: FloatImage | null = null,
): MemoryUpdate {
  const { width: W, height: H } = frame;
  if (params.reset === 'seed' && !seed) throw new RangeError('a seeded reset needs a seed plate');
  for (const img of [alpha, state.colour, state.count, ...(params.reset === 'seed' ? [seed!] : [])]) {
    if (img.width !== W || img.height !== H) throw new RangeError(`memory inputs must be ${W}×${H}, got ${img.width}×${img.height}`);
  }
  const R = MEMORY_RULE;
  const g = plateGain(stats);
  const half = Math.max(Math.trunc(Math.max(1, Math.round(params.margin)) / 2), 1);
  const next = emptyMemoryState(W, H);
  const plate = createImage(W, H, 4);
  const view = createImage(W, H, 4);
  const observed = new Uint8Array(W * H);
  const counters: [number, number, number, number] = [0, 0, 0, 0];
  const background = (x: number, y: number): boolean => {
    for (let ky = -2; ky <= 2; ky++) {
      for (let kx = -2; kx <= 2; kx++) {
        // Against the threshold as float32 holds it, as the shader compares the r32float alpha.
        if (at(alpha, x + kx * half, y + ky * half, 0) >= Math.fround(R.alphaBackground)) return false;
      }
    }
    return true;
  };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const i = [0, 1, 2].map((c) => frame.data[p * frame.channels + c]!);
      let mu = params.reset ? [0, 0, 0] : [0, 1, 2].map((c) => state.colour.data[p * 4 + c]!);
      let v = params.reset ? 0 : state.colour.data[p * 4 + 3]!;
      let n = params.reset ? 0 : state.count.data[p * 4]!;
      let age = params.reset ? 0 : state.count.data[p * 4 + 1]!;
      if (params.reset === 'seed' && seed!.data[p * 4 + 3]! >= 0.5) [mu, v, n] = [[0, 1, 2].map((c) => seed!.data[p * 4 + c]!), R.v0, R.nCap];
      const knownBefore = n >= R.nKnown;
      if (background(x, y)) {
        observed[p] = 1;
        const s = i.map((value, c) => Math.min(value / g[c]!, 1));
        counters[0]++;
        if (knownBefore) counters[1]++;
        // Empty, or emptied by this differing observation: a new estimate from s.
        let fresh = n < 0.5;
        if (!fresh) {
          const d = Math.hypot(s[0]! - mu[0]!, s[1]! - mu[1]!, s[2]! - mu[2]!);
          if (d <= R.t0 + 3 * Math.sqrt(v)) {
            const w = 1 / Math.min(n + 1, R.nAverage);
            mu = mu.map((m, c) => m + w * (s[c]! - m));
            v = Math.min(Math.max(v + w * (d * d - v), R.vMin), R.vMax);
            n = Math.min(n + 1, R.nCap);
            age = 0;
          } else {
            if (knownBefore) counters[2]++;
            n = Math.max(n - R.missStep, 0);
            age = Math.min(age + 1, R.ageCap);
            fresh = n < 0.5;
          }
        }
        if (fresh) [mu, v, n, age] = [s, R.v0, 1, 0];
      } else {
        age = Math.min(age + 1, R.ageCap);
      }
      const known = n >= R.nKnown;
      if (known) counters[3]++;
      const shown = mu.map((m) => Math.min(Math.max(m, 0), 1));
      next.colour.data.set([...mu, v], p * 4);
      next.count.data.set([n, age, 0, 1], p * 4);
      plate.data.set([...shown, known ? 1 : 0], p * 4);
      view.data.set(known ? [...shown, 1] : [...i.map((value, c) => 0.25 * value + 0.75 * R.unknownTint[c]!), 1], p * 4);
    }
  }
  return { state: next, plate, view, counters, observed };
}

/**
 * Reference of shaders/background_margin.wgsl: per pixel the largest alpha at the 5 samples
 * x + k·step, k = −2..2, along its row, clamped to the frame (the first half of the memory's
 * margin test; backgroundMemoryReference tests the 25 samples directly).
 * @param alpha [H,W,1] in 0..1; @param step pixels between samples, ≥ 1
 * @returns [H,W,1] in 0..1
 */
export function backgroundMarginReference(alpha: FloatImage, step: number): FloatImage {
  const { width: W, height: H } = alpha;
  const out = createImage(W, H, 1);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let m = 0;
      for (let k = -2; k <= 2; k++) m = Math.max(m, at(alpha, x + k * step, y, 0));
      out.data[y * W + x] = m;
    }
  }
  return out;
}
