// Browser-side cases for the plate-matting stages: plate statistics, coarse stage, push-pull
// fill and temporal smoothing, each run on the GPU and through its TypeScript reference on the
// same input (the plate statistics and coarse stage also with a plate the background memory knows
// in part). Registered as window.stageCases (test/gpu/harness.ts imports this module);
// driven by test/gpu/{plateStats,coarse,pushPull,temporal}.spec.ts.
import { createCoarsePass } from '../../../src/gpu/passes/coarse';
import { createPlateStatsPass, PLATE_STATS_BYTES } from '../../../src/gpu/passes/plateStats';
import { createPushPullPass } from '../../../src/gpu/passes/pushPull';
import { createTemporalPass, TEMPORAL_SEARCH, TEMPORAL_SIGMA, TEMPORAL_SIGMA_EDGE, TEMPORAL_SIGMA_PIXEL } from '../../../src/gpu/passes/temporal';
import { coarseReference } from '../../../src/gpu/reference/coarse';
import { createImage, sampleBilinear, type FloatImage } from '../../../src/gpu/reference/image';
import { plateGain as plateGainReference, plateStatsReference } from '../../../src/gpu/reference/plateStats';
import { pushPullReference } from '../../../src/gpu/reference/pushPull';
import { temporalReference } from '../../../src/gpu/reference/temporal';
import { compare, gpu, output, quantize16f, quantize8, randomImage, read, readBufferBytes, rng, submit, U, upload, type Comparison } from './util';

/** A synthetic plate-matting input: a textured plate, a frame = plate·gain + noise with a person in it, and its prior. */
interface Scene {
  frame: FloatImage;
  plate: FloatImage;
  prior: FloatImage;
}

const clamp01 = (v: number): number => Math.min(Math.max(v, 0), 1);

/**
 * A false-positive region of the prior on 45×34 scenes: prior 1 over plain background, whole
 * blocks (coarse texels x 9..10, y 1..2), away from the person.
 */
const GHOST = { x0: 36, x1: 44, y0: 4, y1: 12 };
const inGhost = (x: number, y: number): boolean => x >= GHOST.x0 && x < GHOST.x1 && y >= GHOST.y0 && y < GHOST.y1;
/** A white region of the plate (bottom left, background), where plate·gain exceeds 1 and the frame saturates. */
const inBright = (x: number, y: number): boolean => x < 10 && y >= 20;

/**
 * Plate: a smooth random colour field plus a little texture (rgba8). Person: an ellipse with
 * random colours where the prior is 1, a 2-pixel ramp at its border, prior 0 elsewhere, except
 * in GHOST where it is 1 without a person. Frame: the person over plate·gain + noise of
 * ±noise, clamped to 0..1 (rgba8; saturated where the plate is bright).
 */
function scene(seed: number, W: number, H: number, gain: [number, number, number], noise: number): Scene {
  const rand = rng(seed);
  const field = randomImage(5, 4, 4, rand);
  const plate = createImage(W, H, 4);
  const frame = createImage(W, H, 4);
  const prior = createImage(W, H, 1);
  const person = randomImage(W, H, 3, rand);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // Signed distance-like measure in pixels from the ellipse's border (negative inside).
      const ex = (x + 0.5 - W * 0.5) / (W * 0.26);
      const ey = (y + 0.5 - H * 0.55) / (H * 0.36);
      const sd = (Math.hypot(ex, ey) - 1) * Math.min(W * 0.26, H * 0.36);
      const p = clamp01(0.5 - sd / 2);
      prior.data[y * W + x] = inGhost(x, y) ? 1 : p;
      for (let c = 0; c < 3; c++) {
        const b = inBright(x, y)
          ? 0.99 + 0.01 * rand()
          : clamp01(0.12 + 0.65 * sampleBilinear(field, (x + 0.5) / W, (y + 0.5) / H, c) + 0.04 * (rand() - 0.5));
        const bq = Math.round(b * 255) / 255;
        plate.data[(y * W + x) * 4 + c] = bq;
        const background = clamp01(bq * gain[c]! + noise * (2 * rand() - 1));
        frame.data[(y * W + x) * 4 + c] = p * person.data[(y * W + x) * 3 + c]! + (1 - p) * background;
      }
      plate.data[(y * W + x) * 4 + 3] = 1;
      frame.data[(y * W + x) * 4 + 3] = 1;
    }
  }
  return { frame: quantize8(frame), plate: quantize8(plate), prior };
}


function statsBuffer(device: GPUDevice, values?: ArrayLike<number>): GPUBuffer {
  const buffer = device.createBuffer({ size: PLATE_STATS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  if (values) device.queue.writeBuffer(buffer, 0, new Uint32Array(Array.from(values)));
  return buffer;
}

/** Number of texels whose channel `c` is above `threshold`. */
function countAbove(img: FloatImage, c: number, threshold: number): number {
  let n = 0;
  for (let p = 0; p < img.width * img.height; p++) if (img.data[p * img.channels + c]! > threshold) n++;
  return n;
}

/**
 * The scene's plate as the background memory would give it when it knows only part of the
 * background: a = 0 on x ≥ 32 (coarse blocks 8..11, GHOST included) and at four single texels
 * elsewhere (in blocks (1, 7), (3, 0), (5, 4) on the person, (0, 2)), a = 1 elsewhere; rgb kept.
 */
function partlyKnown(plate: FloatImage): FloatImage {
  const out: FloatImage = { ...plate, data: plate.data.slice() };
  const single = new Set(['5,30', '13,2', '20,18', '1,9']);
  for (let y = 0; y < plate.height; y++) {
    for (let x = 0; x < plate.width; x++) if (x >= 32 || single.has(`${x},${y}`)) out.data[(y * plate.width + x) * 4 + 3] = 0;
  }
  return out;
}

/** Blocks of 4×4 (clipped) of a W×H image with a plate texel whose a < 0.5, by block index (row-major, ceil(W/4) wide). */
function unknownBlocks(plate: FloatImage): Set<number> {
  const cw = Math.ceil(plate.width / 4);
  const blocks = new Set<number>();
  for (let y = 0; y < plate.height; y++) {
    for (let x = 0; x < plate.width; x++) if (plate.data[(y * plate.width + x) * 4 + 3]! < 0.5) blocks.add((y >> 2) * cw + (x >> 2));
  }
  return blocks;
}

/** compare() on the texels (of `channels` each) whose index passes `include`. */
function compareWhere(actual: FloatImage, expected: FloatImage, include: (texel: number) => boolean): Comparison {
  const pick = (img: FloatImage): FloatImage => {
    const data = Array.from(img.data).filter((_, i) => include(Math.floor(i / img.channels)));
    return { width: data.length / img.channels, height: 1, channels: img.channels, data: Float32Array.from(data) };
  };
  return compare(pick(actual), pick(expected));
}

/** The coarse pass on the GPU: err, fgSeed and bgSeed read back (1/4 resolution). */
async function runCoarse(device: GPUDevice, frame: FloatImage, plate: FloatImage, prior: FloatImage, values: ArrayLike<number>, hasPlate: boolean): Promise<{ err: FloatImage; fgSeed: FloatImage; bgSeed: FloatImage }> {
  const cw = Math.ceil(frame.width / 4);
  const ch = Math.ceil(frame.height / 4);
  const err = output(device, cw, ch, 'r32float', U.STORAGE_BINDING);
  const fgSeed = output(device, cw, ch, 'rgba16float', U.STORAGE_BINDING);
  const bgSeed = output(device, cw, ch, 'rgba16float', U.STORAGE_BINDING);
  const pass = createCoarsePass(device);
  pass.setHasPlate(hasPlate);
  const b = pass.bind({
    frame: upload(device, frame, 'rgba8unorm'),
    plate: upload(device, plate, 'rgba8unorm'),
    prior: upload(device, prior, 'r32float'),
    stats: statsBuffer(device, values),
    err,
    fgSeed,
    bgSeed,
  });
  await submit(device, (e) => pass.encode(e, b));
  return { err: await read(device, err, 1), fgSeed: await read(device, fgSeed, 4), bgSeed: await read(device, bgSeed, 4) };
}

/**
 * Runs the temporal pass once on uploaded copies of `images` (frames rgba8unorm, alphas r32float,
 * same size) and reads its r32float output back.
 */
async function runTemporal(device: GPUDevice, images: { frame: FloatImage; framePrev: FloatImage; alpha: FloatImage; alphaPrev: FloatImage }, strength: number, history: boolean, compensate = true): Promise<FloatImage> {
  const { width, height } = images.alpha;
  const alphaOut = output(device, width, height, 'r32float', U.STORAGE_BINDING);
  const pass = createTemporalPass(device);
  pass.setParams(strength, history, compensate);
  const b = pass.bind({
    frame: upload(device, images.frame, 'rgba8unorm'),
    framePrev: upload(device, images.framePrev, 'rgba8unorm'),
    alpha: upload(device, images.alpha, 'r32float'),
    alphaPrev: upload(device, images.alphaPrev, 'r32float'),
    alphaOut,
  });
  await submit(device, (e) => pass.encode(e, b));
  pass.dispose();
  return read(device, alphaOut, 1);
}

export const stageCases = {
  /**
   * Plate statistics of a scene (45×34: clipped edge blocks, 2×2 workgroups), GPU vs reference.
   * @param allForeground when true, one pixel of every 4×4 block has prior exactly 0.02 (not background), so count = 0
   */
  async plateStats(seed: number, allForeground: boolean): Promise<{ gpu: number[]; reference: number[] }> {
    const device = await gpu();
    const W = 45;
    const H = 34;
    const s = scene(seed, W, H, [1.08, 0.96, 1.03], 3 / 255);
    if (allForeground) {
      s.prior.data.fill(0);
      for (let y = 0; y < H; y += 4) for (let x = 0; x < W; x += 4) s.prior.data[Math.min(y + ((x >> 2) % 4), H - 1) * W + x] = 0.02;
    }
    const stats = statsBuffer(device, [1, 2, 3, 4, 5, 6, 7, 8]); // garbage: encode must clear it
    const pass = createPlateStatsPass(device);
    const b = pass.bind({ frame: upload(device, s.frame, 'rgba8unorm'), plate: upload(device, s.plate, 'rgba8unorm'), prior: upload(device, s.prior, 'r32float'), stats });
    await submit(device, (e) => pass.encode(e, b));
    const result = new Uint32Array(await readBufferBytes(device, stats, PLATE_STATS_BYTES));
    return { gpu: Array.from(result), reference: Array.from(plateStatsReference(s.frame, s.plate, s.prior)) };
  },

  /**
   * Coarse stage on a scene (45×34 → 12×9), GPU vs reference.
   * @param hasPlate whether the plate branch runs
   * @param stats 'reference': the buffer holds plateStatsReference of the scene; 'none': zeros (gain 1)
   * @returns comparisons per output (seeds against the reference rounded to half), the GPU's
   * seed block counts (also within GHOST), its smallest err within GHOST and the gain the reference used
   */
  async coarse(
    seed: number,
    hasPlate: boolean,
    stats: 'reference' | 'none',
  ): Promise<{
    err: Comparison;
    fgSeed: Comparison;
    bgSeed: Comparison;
    fgBlocks: number;
    bgBlocks: number;
    ghostFgBlocks: number;
    ghostErrMin: number;
    gain: number[];
    blocks: number;
  }> {
    const device = await gpu();
    const W = 45;
    const H = 34;
    const s = scene(seed, W, H, [1.1, 0.93, 1.04], 2 / 255);
    const plate = hasPlate ? s.plate : s.frame; // as the pipeline binds the frame without a plate
    const values = stats === 'reference' ? plateStatsReference(s.frame, s.plate, s.prior) : new Uint32Array(8);
    const cw = Math.ceil(W / 4);
    const { err: e, fgSeed: fg, bgSeed: bg } = await runCoarse(device, s.frame, plate, s.prior, values, hasPlate);
    const ref = coarseReference(s.frame, plate, s.prior, values, hasPlate);
    let ghostFgBlocks = 0;
    let ghostErrMin = Infinity;
    for (let j = GHOST.y0 / 4; j < GHOST.y1 / 4; j++) {
      for (let i = GHOST.x0 / 4; i < GHOST.x1 / 4; i++) {
        if (fg.data[(j * cw + i) * 4 + 3]! > 0.5) ghostFgBlocks++;
        ghostErrMin = Math.min(ghostErrMin, e.data[j * cw + i]!);
      }
    }
    return {
      err: compare(e, ref.err),
      fgSeed: compare(fg, quantize16f(ref.fgSeed)),
      bgSeed: compare(bg, quantize16f(ref.bgSeed)),
      fgBlocks: countAbove(fg, 3, 0.5),
      bgBlocks: countAbove(bg, 3, 0.5),
      ghostFgBlocks,
      ghostErrMin,
      gain: plateGainReference(values),
      blocks: cw * Math.ceil(H / 4),
    };
  },

  /**
   * Plate statistics of a scene (45×34) with a plate known in part (partlyKnown): GPU vs
   * reference, and the reference's count with the whole plate known.
   */
  async plateStatsPartial(seed: number): Promise<{ gpu: number[]; reference: number[]; knownEverywhereCount: number; unknownBlocks: number }> {
    const device = await gpu();
    const W = 45;
    const H = 34;
    const s = scene(seed, W, H, [1.08, 0.96, 1.03], 3 / 255);
    const plate = partlyKnown(s.plate);
    const stats = statsBuffer(device, [1, 2, 3, 4, 5, 6, 7, 8]); // garbage: encode must clear it
    const pass = createPlateStatsPass(device);
    const b = pass.bind({ frame: upload(device, s.frame, 'rgba8unorm'), plate: upload(device, plate, 'rgba8unorm'), prior: upload(device, s.prior, 'r32float'), stats });
    await submit(device, (e) => pass.encode(e, b));
    const result = new Uint32Array(await readBufferBytes(device, stats, PLATE_STATS_BYTES));
    return {
      gpu: Array.from(result),
      reference: Array.from(plateStatsReference(s.frame, plate, s.prior)),
      knownEverywhereCount: plateStatsReference(s.frame, s.plate, s.prior)[7]!,
      unknownBlocks: unknownBlocks(plate).size,
    };
  },

  /**
   * Coarse stage on a scene (45×34 → 12×9) with a plate known in part (partlyKnown), GPU vs
   * reference; and the GPU's blocks with an unknown texel vs the reference without a plate,
   * the others vs the reference with the whole plate known (same statistics).
   * @param stats 'reference': plateStatsReference of the scene with the partly-known plate; 'none': zeros
   */
  async coarsePartial(
    seed: number,
    stats: 'reference' | 'none',
  ): Promise<{
    err: Comparison;
    fgSeed: Comparison;
    bgSeed: Comparison;
    unknown: { blocks: number; err: Comparison; fgSeed: Comparison; bgSeed: Comparison };
    known: { blocks: number; err: Comparison; fgSeed: Comparison; bgSeed: Comparison };
    ghostFgBlocks: number;
    gain: number[];
  }> {
    const device = await gpu();
    const W = 45;
    const H = 34;
    const s = scene(seed, W, H, [1.1, 0.93, 1.04], 2 / 255);
    const plate = partlyKnown(s.plate);
    const values = stats === 'reference' ? plateStatsReference(s.frame, plate, s.prior) : new Uint32Array(8);
    const cw = Math.ceil(W / 4);
    const ch = Math.ceil(H / 4);
    const { err: e, fgSeed: fg, bgSeed: bg } = await runCoarse(device, s.frame, plate, s.prior, values, true);
    const ref = coarseReference(s.frame, plate, s.prior, values, true);
    const without = coarseReference(s.frame, plate, s.prior, values, false);
    const whole = coarseReference(s.frame, s.plate, s.prior, values, true);
    const unknown = unknownBlocks(plate);
    const part = (expected: typeof ref, include: (k: number) => boolean) => ({
      blocks: [...Array(cw * ch).keys()].filter(include).length,
      err: compareWhere(e, expected.err, include),
      fgSeed: compareWhere(fg, quantize16f(expected.fgSeed), include),
      bgSeed: compareWhere(bg, quantize16f(expected.bgSeed), include),
    });
    let ghostFgBlocks = 0;
    for (let j = GHOST.y0 / 4; j < GHOST.y1 / 4; j++) for (let i = GHOST.x0 / 4; i < GHOST.x1 / 4; i++) if (fg.data[(j * cw + i) * 4 + 3]! > 0.5) ghostFgBlocks++;
    return {
      err: compare(e, ref.err),
      fgSeed: compare(fg, quantize16f(ref.fgSeed)),
      bgSeed: compare(bg, quantize16f(ref.bgSeed)),
      unknown: part(without, (k) => unknown.has(k)),
      known: part(whole, (k) => !unknown.has(k)),
      ghostFgBlocks,
      gain: plateGainReference(values),
    };
  },

  /**
   * Push-pull fill of a sparse seed at W×H: a few texels with w = 1 and known colours, a few
   * with w = 0.5 (premultiplied), the rest empty (or all empty with `empty`).
   * @returns the comparison with the reference, the largest |filled − seed colour| over the
   * w = 1 texels, and the range of the filled values (0 when trivially constant)
   */
  async pushPull(seed: number, W: number, H: number, empty: boolean): Promise<{ filled: Comparison; seedColourDiff: number; seeds: number; range: number; meanGreyDiff: number }> {
    const device = await gpu();
    const rand = rng(seed);
    const seedImg = createImage(W, H, 4);
    const full: number[] = [];
    if (!empty) {
      for (let k = 0; k < 8; k++) {
        const p = Math.floor(rand() * W * H);
        const w = k < 5 ? 1 : 0.5;
        for (let c = 0; c < 3; c++) seedImg.data[p * 4 + c] = (0.05 + 0.9 * rand()) * w;
        seedImg.data[p * 4 + 3] = w;
        if (w === 1) full.push(p);
      }
    }
    const q = quantize16f(seedImg);
    const filled = output(device, W, H, 'rgba16float', U.STORAGE_BINDING);
    const pass = createPushPullPass(device, 'test fill');
    const b = pass.bind({ seed: upload(device, q, 'rgba16float'), filled });
    await submit(device, (e) => pass.encode(e, b));
    const actual = await read(device, filled, 4);
    pass.dispose();
    const seeds = full.filter((p) => q.data[p * 4 + 3] === 1).length;
    let seedColourDiff = 0;
    for (const p of full) {
      if (q.data[p * 4 + 3] !== 1) continue; // overwritten by a later w = 0.5 sample
      for (let c = 0; c < 3; c++) seedColourDiff = Math.max(seedColourDiff, Math.abs(actual.data[p * 4 + c]! - q.data[p * 4 + c]!));
    }
    let lo = Infinity;
    let hi = -Infinity;
    let grey = 0;
    for (let i = 0; i < actual.data.length; i++) {
      if (i % 4 === 3) continue;
      lo = Math.min(lo, actual.data[i]!);
      hi = Math.max(hi, actual.data[i]!);
      grey += Math.abs(actual.data[i]! - 0.5);
    }
    return { filled: compare(actual, quantize16f(pushPullReference(q))), seedColourDiff, seeds, range: hi - lo, meanGreyDiff: grey / (W * H * 3) };
  },

  /**
   * Temporal smoothing on 19×13. The previous frame equals the frame (`still`), or equals it
   * up to ±2/255 on the left half and is unrelated on the right half (motion).
   * @returns comparisons of the GPU output with the reference, with α (identity) and with the
   * full blend α + s·(α_prev − α)
   */
  async temporal(seed: number, strength: number, history: boolean, still: boolean, compensate = true): Promise<{ reference: Comparison; identity: Comparison; blend: Comparison }> {
    const device = await gpu();
    const rand = rng(seed);
    const W = 19;
    const H = 13;
    const frame = quantize8(randomImage(W, H, 4, rand));
    const prev = createImage(W, H, 4);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < 4; c++) {
          const i = (y * W + x) * 4 + c;
          prev.data[i] = still ? frame.data[i]! : x < W / 2 ? clamp01(frame.data[i]! + (Math.round(rand() * 4) - 2) / 255) : rand();
        }
      }
    }
    const framePrev = quantize8(prev);
    const alpha = randomImage(W, H, 1, rand);
    const alphaPrev = randomImage(W, H, 1, rand);
    const actual = await runTemporal(device, { frame, framePrev, alpha, alphaPrev }, strength, history, compensate);
    const blend = createImage(W, H, 1);
    blend.data.forEach((_, i) => (blend.data[i] = alpha.data[i]! + strength * (alphaPrev.data[i]! - alpha.data[i]!)));
    const params = compensate
      ? { strength, sigma: TEMPORAL_SIGMA, sigmaEdge: TEMPORAL_SIGMA_EDGE, history, search: TEMPORAL_SEARCH }
      : { strength, sigma: TEMPORAL_SIGMA_PIXEL, history };
    return {
      reference: compare(actual, temporalReference(frame, framePrev, alpha, alphaPrev, params)),
      identity: compare(actual, alpha),
      blend: compare(actual, blend),
    };
  },

  /**
   * Temporal smoothing on 19×13 where the frame moved by `shift` px since the previous one:
   * I_prev(x + shift.x, y + shift.y) = I_t(x, y) (random 8-bit colours).
   * @returns comparisons, over the pixels at least 2 px from the border (where the shifted block
   * lies inside both frames), of the GPU output with the reference, with the blend along the
   * motion α + s·(α_prev(p + shift) − α), with the blend in place α + s·(α_prev(p) − α) and with α
   */
  async temporalShift(seed: number, strength: number, shift: [number, number]): Promise<{ reference: Comparison; alongMotion: Comparison; inPlace: Comparison; identity: Comparison }> {
    const device = await gpu();
    const rand = rng(seed);
    const W = 19;
    const H = 13;
    const frame = quantize8(randomImage(W, H, 4, rand));
    const framePrev = createImage(W, H, 4);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const sx = Math.min(Math.max(x - shift[0], 0), W - 1);
        const sy = Math.min(Math.max(y - shift[1], 0), H - 1);
        for (let c = 0; c < 4; c++) framePrev.data[(y * W + x) * 4 + c] = frame.data[(sy * W + sx) * 4 + c]!;
      }
    }
    const alpha = randomImage(W, H, 1, rand);
    const alphaPrev = randomImage(W, H, 1, rand);
    const actual = await runTemporal(device, { frame, framePrev, alpha, alphaPrev }, strength, true);
    const inner = (image: FloatImage): FloatImage => {
      const out = createImage(W - 4, H - 4, 1);
      for (let y = 2; y < H - 2; y++) for (let x = 2; x < W - 2; x++) out.data[(y - 2) * (W - 4) + x - 2] = image.data[y * W + x]!;
      return out;
    };
    const blend = (dx: number, dy: number): FloatImage => {
      const out = createImage(W, H, 1);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const i = y * W + x;
          const prev = alphaPrev.data[Math.min(Math.max(y + dy, 0), H - 1) * W + Math.min(Math.max(x + dx, 0), W - 1)]!;
          out.data[i] = alpha.data[i]! + strength * (prev - alpha.data[i]!);
        }
      }
      return out;
    };
    const reference = temporalReference(frame, framePrev, alpha, alphaPrev, { strength, sigma: TEMPORAL_SIGMA, sigmaEdge: TEMPORAL_SIGMA_EDGE, history: true, search: TEMPORAL_SEARCH });
    return {
      reference: compare(actual, reference),
      alongMotion: compare(inner(actual), inner(blend(shift[0], shift[1]))),
      inPlace: compare(inner(actual), inner(blend(0, 0))),
      identity: compare(inner(actual), inner(alpha)),
    };
  },
};

declare global {
  interface Window {
    stageCases: typeof stageCases;
  }
}
window.stageCases = stageCases;
