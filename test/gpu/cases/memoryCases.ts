// Browser-side cases for the background memory (shaders/background_memory.wgsl) and the prior
// overrule (shaders/prior_overrule.wgsl), each run through its pass wrapper and its TypeScript
// reference (src/gpu/reference/{backgroundMemory,priorOverrule}.ts) on the same input: random
// sequences compared pixel by pixel, and synthetic sequences with an exact answer. Registered as
// window.memoryCases (test/gpu/harness.ts imports this module); driven by
// test/gpu/{backgroundMemory,priorOverrule}.spec.ts.
import { createBackgroundMarginPass, marginStep } from '../../../src/gpu/passes/backgroundMargin';
import { createBackgroundMemoryPass, MEMORY_COUNTERS_BYTES } from '../../../src/gpu/passes/backgroundMemory';
import { PLATE_STATS_BYTES } from '../../../src/gpu/passes/plateStats';
import { createPriorOverrulePass } from '../../../src/gpu/passes/priorOverrule';
import { backgroundMarginReference, backgroundMemoryReference, emptyMemoryState, type MemoryState } from '../../../src/gpu/reference/backgroundMemory';
import { createImage, type FloatImage } from '../../../src/gpu/reference/image';
import { priorOverruleReference } from '../../../src/gpu/reference/priorOverrule';
import { memoryVerdict } from '../../../src/pipeline/stages/backgroundMemory';
import { gpu, image, quantize16f, quantize8, read, readU32, rng, submit, U, upload } from './util';

type Vec3 = [number, number, number];
const clamp01 = (v: number): number => Math.min(Math.max(v, 0), 1);
const q8 = (v: number): number => Math.round(clamp01(v) * 255) / 255;

/** One frame of a memory sequence: the frame (rgba8 values), this frame's alpha, the plate statistics, and whether the memory starts again. */
interface SequenceFrame {
  frame: FloatImage;
  alpha: FloatImage;
  stats: readonly number[];
  /** true: forget first; 'seed': start again from `seed`. */
  reset?: boolean | 'seed';
  /** [H,W,4] the captured plate the memory starts from when reset is 'seed'. */
  seed?: FloatImage;
}

/** What one update left, as the GPU textures hold it (or the reference, quantised the same way). */
interface MemoryFrameResult {
  /** [H,W,4] (μ.rgb, v) and [H,W,4] (n, age, 0, 1), rgba16float values. */
  colour: FloatImage;
  count: FloatImage;
  /** [H,W,4] rgba8unorm values. */
  plate: FloatImage;
  view: FloatImage;
  /** [observed, observed and known before, observed known and differing, known after]. */
  counters: number[];
}

/** Gain 1: fewer than 16 background blocks. */
const NO_STATS = [0, 0, 0, 0, 0, 0, 0, 0] as const;

/** Statistics whose plate gain is exactly g on every channel (count 100 ≥ 16). */
function statsForGain(g: number): number[] {
  const i = Math.round(g * 100000);
  return [i, i, i, 100000, 100000, 100000, 0, 100];
}


/**
 * Runs the memory's passes over a sequence as the stage does: the background-margin pass's row
 * maxima of alpha, then the update with ping-pong rgba16float state (starting empty), the
 * counters cleared by the encoder before each update; reads every output back after each frame.
 */
async function runMemoryGpu(frames: readonly SequenceFrame[], margin: number): Promise<MemoryFrameResult[]> {
  const device = await gpu();
  const { width: W, height: H } = frames[0]!.frame;
  const tex = (format: GPUTextureFormat): GPUTexture =>
    device.createTexture({ size: [W, H], format, usage: U.TEXTURE_BINDING | U.STORAGE_BINDING | U.COPY_SRC | U.COPY_DST });
  const colour = [tex('rgba16float'), tex('rgba16float')] as const;
  const count = [tex('rgba16float'), tex('rgba16float')] as const;
  const memPlate = tex('rgba8unorm');
  const memView = tex('rgba8unorm');
  const counters = device.createBuffer({ size: MEMORY_COUNTERS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const stats = device.createBuffer({ size: PLATE_STATS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  // Garbage in the counters: each frame's clearBuffer must reset them.
  device.queue.writeBuffer(counters, 0, new Uint32Array([7, 7, 7, 7]));
  const rowMax = tex('r32float');
  const blank = tex('rgba8unorm');
  const marginPass = createBackgroundMarginPass(device);
  const pass = createBackgroundMemoryPass(device);
  const out: MemoryFrameResult[] = [];
  let from = 0;
  try {
    for (const f of frames) {
      const to = 1 - from;
      const frame = upload(device, f.frame, 'rgba8unorm');
      const alpha = upload(device, f.alpha, 'r32float');
      const seed = f.seed ? upload(device, f.seed, 'rgba8unorm') : blank;
      device.queue.writeBuffer(stats, 0, Uint32Array.from(f.stats));
      marginPass.setParams(margin);
      pass.setParams(margin, f.reset ?? false);
      const m = marginPass.bind({ alpha, rowMax });
      const b = pass.bind({ frame, rowMax, colourIn: colour[from]!, countIn: count[from]!, stats, colourOut: colour[to]!, countOut: count[to]!, memPlate, memView, counters, seed });
      await submit(device, (e) => {
        e.clearBuffer(counters);
        marginPass.encode(e, m);
        pass.encode(e, b);
      });
      out.push({
        colour: await read(device, colour[to]!, 4),
        count: await read(device, count[to]!, 4),
        plate: await read(device, memPlate, 4),
        view: await read(device, memView, 4),
        counters: await readU32(device, counters, 4),
      });
      frame.destroy();
      alpha.destroy();
      if (seed !== blank) seed.destroy();
      from = to;
    }
  } finally {
    pass.dispose();
    marginPass.dispose();
    for (const t of [...colour, ...count, memPlate, memView, rowMax, blank]) t.destroy();
    counters.destroy();
    stats.destroy();
  }
  return out;
}

/**
 * The reference over the same sequence, the state rounded to half floats between frames as the
 * rgba16float textures do, plate and view to 8 bits.
 */
function runMemoryReference(frames: readonly SequenceFrame[], margin: number): MemoryFrameResult[] {
  const { width: W, height: H } = frames[0]!.frame;
  let state: MemoryState = emptyMemoryState(W, H);
  return frames.map((f) => {
    const r = backgroundMemoryReference(f.frame, f.alpha, state, f.stats, { margin, reset: f.reset ?? false }, f.seed ?? null);
    state = { colour: quantize16f(r.state.colour), count: quantize16f(r.state.count) };
    return { colour: state.colour, count: state.count, plate: quantize8(r.plate), view: quantize8(r.view), counters: [...r.counters] };
  });
}

/** GPU vs reference over a sequence (see sequence()). */
export interface SequenceComparison {
  width: number;
  height: number;
  frames: number;
  /**
   * Pixels whose discrete state differs at some frame (n, age or known), which a decision taken
   * on the other side of a threshold explains; they are left out of the differences below.
   */
  mismatched: number;
  /** Per frame: pixels mismatched that frame, and both sides' counters. */
  perFrame: { mismatched: number; gpu: number[]; reference: number[] }[];
  /** Largest differences over the other pixels and every frame. */
  maxDiff: { mu: number; v: number; count: number; plateRgb: number; plateA: number; view: number };
  /** Where the largest μ difference was (for the failure message). */
  worstMu: { frame: number; x: number; y: number; c: number; gpu: number; ref: number } | null;
  /** The reference's totals over the sequence: observations, known-and-differing, known pixels at the end. */
  totals: { observed: number; differing: number; knownAtEnd: number };
}

/** The largest absolute difference of channel c between two images at pixel p. */
const diffAt = (a: FloatImage, b: FloatImage, p: number, c: number): number => Math.abs(a.data[p * a.channels + c]! - b.data[p * b.channels + c]!);

/** A moving person over a static, textured background with noise (see sequence()). */
function movingPersonSequence(seed: number, W: number, H: number, frames: number, stats: readonly number[]): SequenceFrame[] {
  const rand = rng(seed);
  const g = [0, 1, 2].map((c) => (stats[7]! >= 16 ? stats[c]! / stats[3 + c]! : 1));
  const background = image(W, H, 3, (x, y) => [0, 1, 2].map((c) => 0.15 + 0.5 * (0.5 + 0.5 * Math.sin((x + 3 * c) / 2.7 + (y * (c + 1)) / 3.9)) + 0.1 * rand()));
  const person: Vec3 = [0.85, 0.3, 0.2];
  const out: SequenceFrame[] = [];
  for (let t = 0; t < frames; t++) {
    // The person: a disk of radius 4.5 with a 2-pixel soft edge, moving right and down.
    const cx = 5 + 1.1 * t;
    const cy = 6 + 0.4 * t;
    const alpha = image(W, H, 1, (x, y) => [clamp01(0.5 - (Math.hypot(x + 0.5 - cx, y + 0.5 - cy) - 4.5) / 2)]);
    // A lamp switched on at frame 9 (a lasting change: known pixels that differ), and a few
    // pixels of sensor glitches per frame (outliers).
    const lamp = (x: number, y: number): boolean => t >= 9 && x >= W - 6 && y < 5;
    const glitch = new Set(Array.from({ length: 3 }, () => Math.floor(rand() * W * H)));
    const frame = image(W, H, 4, (x, y) => {
      const a = alpha.data[y * W + x]!;
      const p = y * W + x;
      return [0, 1, 2].map((c) => {
        const bg = glitch.has(p) ? rand() : clamp01((lamp(x, y) ? 0.35 : 0) + background.data[p * 3 + c]! * g[c]! + (2 * rand() - 1) * (3 / 255));
        return q8(a * person[c]! + (1 - a) * bg);
      });
    });
    out.push({ frame, alpha, stats });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Synthetic sequences with an exact answer.

/** The synthetic memory sequences (see traceScene()). */
export type MemoryScene = 'converge' | 'underPerson' | 'alphaThreshold' | 'passerBy' | 'gainRamp' | 'slowRamp' | 'shift' | 'seeded';

/** One watched pixel at one frame, on one side. */
export interface PixelState {
  n: number;
  age: number;
  mu: number[];
  v: number;
  /** Plate rgb and a (8-bit values). */
  plate: number[];
  /** The frame's colour there (rgba8 values). */
  frame: number[];
}

/** A synthetic sequence run on the GPU and through the reference. */
export interface MemoryTrace {
  width: number;
  height: number;
  margin: number;
  /** The watched pixels, by name. */
  watch: Record<string, [number, number]>;
  /** Per frame. */
  frames: {
    gpu: { counters: number[]; verdict: ReturnType<typeof memoryVerdict>; n: number[]; known: number[]; pixels: Record<string, PixelState> };
    reference: { counters: number[]; n: number[]; known: number[]; pixels: Record<string, PixelState> };
  }[];
}

interface SceneDefinition {
  frames: SequenceFrame[];
  margin: number;
  watch: Record<string, [number, number]>;
}

/** A static random texture of 8-bit colours in lo..hi. */
function texture(rand: () => number, W: number, H: number, lo: number, hi: number): FloatImage {
  return quantize8(image(W, H, 4, () => [0, 1, 2].map(() => lo + (hi - lo) * rand())));
}

function traceScene(name: MemoryScene): SceneDefinition {
  const rand = rng(11);
  const zeroAlpha = (W: number, H: number): FloatImage => createImage(W, H, 1);
  switch (name) {
    case 'converge': {
      // 20×12, a static texture, alpha 0 except on frames t ≡ 1 (mod 3), when a person block
      // (alpha 1) covers x < 8. With margin 2 (samples at ±1, ±2) pixels x ≥ 10 are observed
      // every frame, x < 10 on the other frames only.
      const W = 20;
      const H = 12;
      const bg = texture(rand, W, H, 0.1, 0.9);
      const frames = Array.from({ length: 16 }, (_, t) => ({
        frame: bg,
        alpha: image(W, H, 1, (x) => [t % 3 === 1 && x < 8 ? 1 : 0]),
        stats: [...NO_STATS],
      }));
      return { frames, margin: 2, watch: { always: [15, 5], covered: [3, 5], margin: [9, 5] } };
    }
    case 'underPerson': {
      // 24×16, a static texture; a person (alpha 1) on x 10..15, y 4..11 with soft edge columns
      // x = 9 (0.5), 8 (0.15), 16 (0.3), 17 (0.101), all frames. Margin 4: samples at ±2, ±4.
      const W = 24;
      const H = 16;
      const bg = texture(rand, W, H, 0.1, 0.9);
      const edge: Record<number, number> = { 8: 0.15, 9: 0.5, 16: 0.3, 17: 0.101 };
      const alpha = image(W, H, 1, (x, y) => [y >= 4 && y < 12 ? (x >= 10 && x < 16 ? 1 : (edge[x] ?? 0)) : 0]);
      const frames = Array.from({ length: 12 }, () => ({ frame: bg, alpha, stats: [...NO_STATS] }));
      return {
        frames,
        margin: 4,
        watch: {
          inside: [12, 8], // alpha 1
          edge: [9, 8], // alpha 0.5
          nearEdge: [7, 8], // alpha 0, the sample at x = 9 has 0.5
          marginLeft: [4, 8], // alpha 0, the sample at x = 8 has 0.15
          marginRight: [21, 8], // alpha 0, the sample at x = 17 has 0.101
          clearLeft: [2, 8], // alpha 0 at every sample (x 0..6)
          clearRight: [22, 8], // alpha 0 at every sample (x 18..23)
        },
      };
    }
    case 'alphaThreshold': {
      // 12×8, one frame, margin 1 (samples at ±1, ±2): alpha exactly 0.1 (as r32float holds it)
      // at (3, 2) and 0.0999 at (9, 5). Pixel (1, 2) has the 0.1 sample at x + 2, pixel (11, 5) the
      // 0.0999 one at x − 2.
      const W = 12;
      const H = 8;
      const alpha = zeroAlpha(W, H);
      alpha.data[2 * W + 3] = 0.1;
      alpha.data[5 * W + 9] = 0.0999;
      return { frames: [{ frame: texture(rand, W, H, 0.1, 0.9), alpha, stats: [...NO_STATS] }], margin: 1, watch: { atThreshold: [1, 2], belowThreshold: [11, 5] } };
    }
    case 'passerBy': {
      // 16×8. Left half: background seen from the start (alpha 0). Right half: under the person
      // (alpha 1) for frames 0..63, then background. Frames 64..66: a passer-by (alpha 0: not
      // segmented) of another colour over x 2..5 and x 10..13, y 2..5. Background again from 67.
      const W = 16;
      const H = 8;
      const bg = texture(rand, W, H, 0.2, 0.45);
      const passer: Vec3 = [0.95, 0.9, 0.85];
      const inPasser = (x: number, y: number): boolean => y >= 2 && y < 6 && ((x >= 2 && x < 6) || (x >= 10 && x < 14));
      const passing = quantize8(image(W, H, 4, (x, y) => (inPasser(x, y) ? passer : [0, 1, 2].map((c) => bg.data[(y * W + x) * 4 + c]!))));
      const frames = Array.from({ length: 72 }, (_, t) => ({
        frame: t >= 64 && t < 67 ? passing : bg,
        alpha: image(W, H, 1, (x) => [t < 64 && x >= 8 ? 1 : 0]),
        stats: [...NO_STATS],
      }));
      return { frames, margin: 2, watch: { known: [3, 3], unknown: [12, 3] } };
    }
    case 'gainRamp':
    case 'slowRamp': {
      // 8×8, alpha 0, a static texture of colours 0.25..0.4 under an exposure ramp: ×1.005^t with
      // statistics giving that gain (gainRamp), ×1.003^t with none (slowRamp, gain 1). 40 frames.
      const W = 8;
      const H = 8;
      const base = image(W, H, 4, () => [0, 1, 2].map(() => 0.25 + 0.15 * rand()));
      const withGain = name === 'gainRamp';
      const frames = Array.from({ length: 40 }, (_, t) => {
        const g = withGain ? 1.005 ** t : 1.003 ** t;
        return {
          frame: image(W, H, 4, (x, y) => [0, 1, 2].map((c) => q8(base.data[(y * W + x) * 4 + c]! * g))),
          alpha: zeroAlpha(W, H),
          stats: withGain ? statsForGain(g) : [...NO_STATS],
        };
      });
      return { frames, margin: 2, watch: { a: [2, 3], b: [6, 5] } };
    }
    case 'shift': {
      // 24×16, a high-contrast random texture, a person (alpha 1) on x 2..5, y 4..9. Frames 0..9:
      // still; frame 10: the camera moved, the frame shows the texture 5 pixels to the right;
      // frame 11: the same with reset.
      const W = 24;
      const H = 16;
      const wide = texture(rand, W + 5, H, 0, 1);
      const view = (dx: number): FloatImage => image(W, H, 4, (x, y) => [0, 1, 2].map((c) => wide.data[(y * (W + 5) + x + dx) * 4 + c]!));
      const alpha = image(W, H, 1, (x, y) => [x >= 2 && x < 6 && y >= 4 && y < 10 ? 1 : 0]);
      const still = view(0);
      const moved = view(5);
      const frames: SequenceFrame[] = Array.from({ length: 12 }, (_, t) => ({ frame: t < 10 ? still : moved, alpha, stats: [...NO_STATS], reset: t === 11 }));
      return { frames, margin: 2, watch: { a: [12, 8], b: [20, 2] } };
    }
    case 'seeded': {
      // 24×12, a textured background; the captured plate is that background and knows x < 20
      // (a = 1), not x ≥ 20 (a = 0). A person (alpha 1) on x 2..5, y 3..8 all along. Frame 0
      // starts the memory from the plate. Over 36 frames the light on x 8..11 rises by 0.003 a
      // frame (drift); from frame 2 an object of colour 0.9 sits on x 14..15, y 2..3 (a lasting
      // change). Margin 2.
      const W = 24;
      const H = 12;
      const bg = texture(rand, W, H, 0.2, 0.6);
      const seed = image(W, H, 4, (x, y) => [0, 1, 2].map((c) => bg.data[(y * W + x) * 4 + c]!).concat(x < 20 ? 1 : 0));
      const alpha = image(W, H, 1, (x, y) => [x >= 2 && x < 6 && y >= 3 && y < 9 ? 1 : 0]);
      const frames: SequenceFrame[] = Array.from({ length: 36 }, (_, t) => ({
        frame: image(W, H, 4, (x, y) => {
          const b = [0, 1, 2].map((c) => bg.data[(y * W + x) * 4 + c]!);
          if (alpha.data[y * W + x]! === 1) return [0.95, 0.2, 0.1].map(q8);
          if (t >= 2 && x >= 14 && x < 16 && y >= 2 && y < 4) return [0.9, 0.9, 0.9].map(q8);
          return x >= 8 && x < 12 ? b.map((v) => q8(v + 0.003 * t)) : b;
        }),
        alpha,
        stats: [...NO_STATS],
        ...(t === 0 ? { reset: 'seed' as const, seed } : {}),
      }));
      return { frames, margin: 2, watch: { person: [3, 5], drift: [9, 6], object: [14, 2], unknown: [22, 6], still: [17, 9] } };
    }
  }
}

function pixelState(r: MemoryFrameResult, frame: FloatImage, [x, y]: [number, number]): PixelState {
  const p = y * r.colour.width + x;
  const ch = (img: FloatImage, c: number): number => img.data[p * img.channels + c]!;
  return {
    n: ch(r.count, 0),
    age: ch(r.count, 1),
    mu: [0, 1, 2].map((c) => ch(r.colour, c)),
    v: ch(r.colour, 3),
    plate: [0, 1, 2, 3].map((c) => ch(r.plate, c)),
    frame: [0, 1, 2].map((c) => ch(frame, c)),
  };
}

const channel = (img: FloatImage, c: number): number[] => Array.from({ length: img.width * img.height }, (_, p) => img.data[p * img.channels + c]!);

export const memoryCases = {
  /**
   * A 23×17 sequence of `frames` frames: a textured background with ±3/255 noise, a person disk
   * (alpha 1, 2-pixel soft edge) moving across it, a lamp switched on at frame 9 and three
   * glitched pixels a frame; margin 2. GPU vs reference (state rounded to half between frames).
   * @param gain false: statistics of zeros (gain 1); true: [1040, 1000, 960, 1000, 1000, 1000, 0, 100]
   *   (gain 1.04, 1, 0.96; the background is drawn with it)
   * @param size another frame size and margin (default 23×17, margin 2)
   */
  async sequence(seed: number, frames: number, gain: boolean, size: { width: number; height: number; margin: number } = { width: 23, height: 17, margin: 2 }): Promise<SequenceComparison> {
    const { width: W, height: H, margin } = size;
    const stats = gain ? [1040, 1000, 960, 1000, 1000, 1000, 0, 100] : [...NO_STATS];
    const seq = movingPersonSequence(seed, W, H, frames, stats);
    const gpuOut = await runMemoryGpu(seq, margin);
    const refOut = runMemoryReference(seq, margin);
    const mismatchedEver = new Uint8Array(W * H);
    const perFrame: SequenceComparison['perFrame'] = [];
    for (let t = 0; t < frames; t++) {
      const [g, r] = [gpuOut[t]!, refOut[t]!];
      let mismatched = 0;
      for (let p = 0; p < W * H; p++) {
        if (diffAt(g.count, r.count, p, 0) !== 0 || diffAt(g.count, r.count, p, 1) !== 0 || diffAt(g.plate, r.plate, p, 3) !== 0) {
          mismatched++;
          mismatchedEver[p] = 1;
        }
      }
      perFrame.push({ mismatched, gpu: g.counters, reference: r.counters });
    }
    const maxDiff = { mu: 0, v: 0, count: 0, plateRgb: 0, plateA: 0, view: 0 };
    let worstMu: SequenceComparison['worstMu'] = null;
    for (let t = 0; t < frames; t++) {
      const [g, r] = [gpuOut[t]!, refOut[t]!];
      for (let p = 0; p < W * H; p++) {
        if (mismatchedEver[p]) continue;
        for (let c = 0; c < 3; c++) {
          const d = diffAt(g.colour, r.colour, p, c);
          if (!(d <= maxDiff.mu)) {
            maxDiff.mu = Number.isNaN(d) ? Infinity : d;
            worstMu = { frame: t, x: p % W, y: Math.floor(p / W), c, gpu: g.colour.data[p * 4 + c]!, ref: r.colour.data[p * 4 + c]! };
          }
          maxDiff.plateRgb = Math.max(maxDiff.plateRgb, diffAt(g.plate, r.plate, p, c));
        }
        maxDiff.v = Math.max(maxDiff.v, diffAt(g.colour, r.colour, p, 3));
        for (let c = 0; c < 4; c++) {
          maxDiff.count = Math.max(maxDiff.count, diffAt(g.count, r.count, p, c));
          maxDiff.view = Math.max(maxDiff.view, diffAt(g.view, r.view, p, c));
        }
        maxDiff.plateA = Math.max(maxDiff.plateA, diffAt(g.plate, r.plate, p, 3));
      }
    }
    return {
      width: W,
      height: H,
      frames,
      mismatched: mismatchedEver.reduce((s, v) => s + v, 0),
      perFrame,
      maxDiff,
      worstMu,
      totals: {
        observed: refOut.reduce((s, r) => s + r.counters[0]!, 0),
        differing: refOut.reduce((s, r) => s + r.counters[2]!, 0),
        knownAtEnd: refOut[frames - 1]!.counters[3]!,
      },
    };
  },

  /**
   * The background-margin pass on a 29×19 random alpha (a quarter of it 0, values exactly 0.1
   * and just below it among the rest) vs backgroundMarginReference, for the margin given.
   * @returns the largest difference of the row maxima (r32float: exact) and how many differ
   */
  async margin(seed: number, margin: number): Promise<{ maxDiff: number; differing: number; step: number }> {
    const device = await gpu();
    const rand = rng(seed);
    const alpha = image(29, 19, 1, () => {
      const r = rand();
      return [r < 0.25 ? 0 : r < 0.35 ? Math.fround(0.1) : r < 0.45 ? 0.0999 : rand()];
    });
    const input = upload(device, alpha, 'r32float');
    const rowMax = device.createTexture({ size: [29, 19], format: 'r32float', usage: U.STORAGE_BINDING | U.TEXTURE_BINDING | U.COPY_SRC });
    const pass = createBackgroundMarginPass(device);
    try {
      pass.setParams(margin);
      const b = pass.bind({ alpha: input, rowMax });
      await submit(device, (e) => pass.encode(e, b));
      const got = await read(device, rowMax, 1);
      const want = backgroundMarginReference(alpha, marginStep(margin));
      let maxDiff = 0;
      let differing = 0;
      for (let p = 0; p < got.data.length; p++) {
        const d = Math.abs(got.data[p]! - Math.fround(want.data[p]!));
        maxDiff = Math.max(maxDiff, d);
        if (d > 0) differing++;
      }
      return { maxDiff, differing, step: marginStep(margin) };
    } finally {
      pass.dispose();
      input.destroy();
      rowMax.destroy();
    }
  },

  /**
   * One update of a moving-person frame (see sequence()) with the counters and the view switched
   * off, over counters holding [7, 7, 7, 7] and a view holding 0.5 grey: both must be left as they
   * were, and the state and plate must equal those of the same update with both on.
   * @returns the counters and the view's distinct values after the quiet update, and the largest
   *   difference of the state and plate from the full update
   */
  async quietUpdate(seed: number): Promise<{ counters: number[]; viewValues: number[]; maxDiff: number }> {
    const device = await gpu();
    const f = movingPersonSequence(seed, 23, 17, 1, [...NO_STATS])[0]!;
    const W = 23;
    const H = 17;
    const tex = (format: GPUTextureFormat): GPUTexture => device.createTexture({ size: [W, H], format, usage: U.TEXTURE_BINDING | U.STORAGE_BINDING | U.COPY_SRC | U.COPY_DST });
    const made: GPUTexture[] = [];
    const frame = upload(device, f.frame, 'rgba8unorm');
    const alpha = upload(device, f.alpha, 'r32float');
    const rowMax = tex('r32float');
    const empty = [tex('rgba16float'), tex('rgba16float')];
    made.push(frame, alpha, rowMax, ...empty);
    const counters = device.createBuffer({ size: MEMORY_COUNTERS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const stats = device.createBuffer({ size: PLATE_STATS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    const marginPass = createBackgroundMarginPass(device);
    const pass = createBackgroundMemoryPass(device);
    try {
      const outputs = async (quiet: boolean): Promise<{ colour: FloatImage; count: FloatImage; plate: FloatImage; view: FloatImage; counters: number[] }> => {
        const [colourOut, countOut, memPlate, memView] = [tex('rgba16float'), tex('rgba16float'), tex('rgba8unorm'), tex('rgba8unorm')];
        made.push(colourOut, countOut, memPlate, memView);
        device.queue.writeTexture({ texture: memView }, new Uint8Array(W * H * 4).fill(128), { bytesPerRow: W * 4 }, [W, H]);
        device.queue.writeBuffer(counters, 0, new Uint32Array([7, 7, 7, 7]));
        marginPass.setParams(2);
        pass.setParams(2, false, { counters: !quiet, view: !quiet });
        const m = marginPass.bind({ alpha, rowMax });
        const b = pass.bind({ frame, rowMax, colourIn: empty[0]!, countIn: empty[1]!, stats, colourOut, countOut, memPlate, memView, counters, seed: frame });
        await submit(device, (e) => {
          marginPass.encode(e, m);
          pass.encode(e, b);
        });
        return { colour: await read(device, colourOut, 4), count: await read(device, countOut, 4), plate: await read(device, memPlate, 4), view: await read(device, memView, 4), counters: await readU32(device, counters, 4) };
      };
      const full = await outputs(false);
      const quiet = await outputs(true);
      let maxDiff = 0;
      for (const k of ['colour', 'count', 'plate'] as const) {
        for (let p = 0; p < full[k].data.length; p++) maxDiff = Math.max(maxDiff, Math.abs(full[k].data[p]! - quiet[k].data[p]!));
      }
      return { counters: quiet.counters, viewValues: [...new Set(quiet.view.data)], maxDiff };
    } finally {
      pass.dispose();
      marginPass.dispose();
      for (const t of made) t.destroy();
      counters.destroy();
      stats.destroy();
    }
  },

  /** A synthetic sequence with an exact answer (see traceScene), run on the GPU and through the reference. */
  async trace(name: MemoryScene): Promise<MemoryTrace> {
    const s = traceScene(name);
    const { width: W, height: H } = s.frames[0]!.frame;
    const gpuOut = await runMemoryGpu(s.frames, s.margin);
    const refOut = runMemoryReference(s.frames, s.margin);
    const pixels = (r: MemoryFrameResult, frame: FloatImage): Record<string, PixelState> =>
      Object.fromEntries(Object.entries(s.watch).map(([k, xy]) => [k, pixelState(r, frame, xy)]));
    return {
      width: W,
      height: H,
      margin: s.margin,
      watch: s.watch,
      frames: s.frames.map((f, t) => {
        const [g, r] = [gpuOut[t]!, refOut[t]!];
        return {
          gpu: { counters: g.counters, verdict: memoryVerdict(g.counters, W * H), n: channel(g.count, 0), known: channel(g.plate, 3), pixels: pixels(g, f.frame) },
          reference: { counters: r.counters, n: channel(r.count, 0), known: channel(r.plate, 3), pixels: pixels(r, f.frame) },
        };
      }),
    };
  },

  /**
   * Prior overrule on a 46×34 scene (12×9 blocks, the last column and row 2 pixels): the memory
   * knows x < 36 (a = 1) and not x ≥ 36 (a = 0); the plate is 0.1..0.5, the frame plate·gain +
   * ±2/255 noise except on a person disk (alpha ≥ 0.5: colours 0.7..1) and at five outlier
   * pixels (plate·gain + 0.4). Prior: 1 on a chair (blocks 1..2 × 1..2, frame = plate, two outliers
   * in its ring), on a clutter block (5, 1) (frame = plate, three outliers in its ring), the
   * person's alpha (2-pixel soft edge) on it, 0.05..0.3 elsewhere.
   * @returns GPU vs reference (r32float prior), the reference's overruled blocks, and the GPU's
   * largest prior on the chair, and how many person (alpha ≥ 0.5) / unknown-area / clutter pixels changed
   */
  async priorOverrule(
    seed: number,
    gain: boolean,
  ): Promise<{ maxDiff: number; differing: number; count: number; blocks: number; chairMax: number; chairPixels: number; personChanged: number; personPixels: number; unknownChanged: number; clutterChanged: number }> {
    const device = await gpu();
    const rand = rng(seed);
    const W = 46;
    const H = 34;
    const KNOWN_X = 36;
    const g: Vec3 = gain ? [1.04, 1, 0.96] : [1, 1, 1];
    const stats = gain ? [1040, 1000, 960, 1000, 1000, 1000, 0, 100] : [...NO_STATS];
    const inChair = (x: number, y: number): boolean => x >= 4 && x < 12 && y >= 4 && y < 12;
    const inClutter = (x: number, y: number): boolean => x >= 20 && x < 24 && y >= 4 && y < 8;
    const outliers = new Set(['1,1', '14,14', '17,1', '26,2', '18,10']);
    const personAlpha = (x: number, y: number): number => clamp01(0.5 - (Math.hypot(x + 0.5 - 18, y + 0.5 - 25) - 5) / 2);
    const plate = quantize8(image(W, H, 4, (x, y) => [...[0, 1, 2].map((c) => 0.1 + 0.3 * (0.5 + 0.5 * Math.sin((x + 4 * c) / 3.1 + y / 2.3)) + 0.1 * rand()), x < KNOWN_X ? 1 : 0]));
    const frame = quantize8(
      image(W, H, 4, (x, y) => {
        const p = y * W + x;
        const b = [0, 1, 2].map((c) => Math.min(g[c]! * plate.data[p * 4 + c]!, 1));
        if (outliers.has(`${x},${y}`)) return b.map((v) => v + 0.4);
        if (personAlpha(x, y) >= 0.5) return [0, 1, 2].map((c) => 0.7 + 0.25 * rand() + 0.05 * c);
        return b.map((v) => v + (2 * rand() - 1) * (2 / 255));
      }),
    );
    const prior = image(W, H, 1, (x, y) => [inChair(x, y) || inClutter(x, y) ? 1 : Math.max(personAlpha(x, y), 0.05 + 0.25 * rand())]);
    const out = upload(device, prior, 'r32float', U.STORAGE_BINDING);
    const statsBuffer = device.createBuffer({ size: PLATE_STATS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(statsBuffer, 0, Uint32Array.from(stats));
    const frameTex = upload(device, frame, 'rgba8unorm');
    const plateTex = upload(device, plate, 'rgba8unorm');
    const pass = createPriorOverrulePass(device);
    const b = pass.bind({ frame: frameTex, plate: plateTex, stats: statsBuffer, prior: out });
    await submit(device, (e) => pass.encode(e, b));
    const actual = await read(device, out, 1);
    for (const t of [out, frameTex, plateTex]) t.destroy();
    statsBuffer.destroy();
    const ref = priorOverruleReference(frame, plate, prior, stats);
    let maxDiff = 0;
    let differing = 0;
    let chairMax = 0;
    let chairPixels = 0;
    let personChanged = 0;
    let personPixels = 0;
    let unknownChanged = 0;
    let clutterChanged = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = y * W + x;
        const [a, e, before] = [actual.data[p]!, ref.prior.data[p]!, prior.data[p]!];
        const d = Math.abs(a - e);
        if (d > 0 || Number.isNaN(d)) differing++;
        if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
        if (inChair(x, y)) {
          chairPixels++;
          chairMax = Math.max(chairMax, a);
        }
        if (personAlpha(x, y) >= 0.5) {
          personPixels++;
          if (a !== before) personChanged++;
        }
        if (x >= KNOWN_X && a !== before) unknownChanged++;
        if (inClutter(x, y) && a !== before) clutterChanged++;
      }
    }
    return { maxDiff, differing, count: W * H, blocks: ref.blocks, chairMax, chairPixels, personChanged, personPixels, unknownChanged, clutterChanged };
  },
};

declare global {
  interface Window {
    memoryCases: typeof memoryCases;
  }
}
window.memoryCases = memoryCases;
