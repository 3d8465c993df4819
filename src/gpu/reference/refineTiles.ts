import type { RefineParams } from '../params/refine';
import { at, createImage, sampleBilinear, type FloatImage } from './image';
import { plateGain } from './plateStats';

/**
 * Reference of shaders/refine_tiles.wgsl, per pixel, both branches (known-background alpha
 * with a plate, colour guided filter of the prior without), and the foreground estimate.
 * The arithmetic follows the shader step by step in float64 with the shader's f32 constants.
 * The plate branch takes discrete decisions (nearest plate neighbour, candidate tests, the
 * best candidate, the background test); where one of them is within FRAGILE_MARGIN of
 * flipping, f32 rounding on the GPU may take the other side, so the pixel is marked fragile
 * and a comparison should leave it out (the result is still computed here).
 */

/** Tile side in pixels. */
export const REFINE_TILE = 8;
/** Guided-filter radius. */
export const GUIDED_RADIUS = 4;
/** A decision closer than this to its threshold marks the pixel fragile. */
export const FRAGILE_MARGIN = 1e-6;
/** Two choices whose colours or alphas differ by less than this give the same result for a comparison. */
const SAME = 1e-3;

const f32 = Math.fround;
const MIN_SEPARATION = f32(0.1);
const CANDIDATE_CONTRAST = f32(0.1);
const AMBIGUOUS_DISTANCE = f32(0.08);
const PRIOR_WEIGHT = f32(0.04);
const CONFIDENT = f32(0.95);
const NOISE_TOLERANCE = f32(0.02);
const SPREAD_WEIGHT = f32(0.25);
const NOISE_FLOOR = f32(0.05);
const NOISE_RANGE = f32(0.9);
const D = f32(0.7071);
const DIRECTIONS: readonly [number, number][] = [
  [1, 0], [D, D], [0, 1], [-D, D], [-1, 0], [-D, -D], [0, -1], [D, -D],
];
const RADII = [3, 7, 15] as const;
/** Share of a tile's not-confident-foreground pixels the plate must know for the tile to take it. */
const KNOWN_SHARE = f32(0.1);

/** Inputs of the refiner as the textures hold them (values already quantised to their formats). */
export interface RefineInputs {
  /** [H,W,≥3] frame colour (rgba8unorm values). */
  frame: FloatImage;
  /** [H,W,1] upsampled prior (r32float). */
  prior: FloatImage;
  /**
   * [H,W,≥3] plate (rgba8unorm values), or null: the no-plate branch. With a fourth channel,
   * a < 0.5 marks a pixel the plate does not know (the background memory's unknown pixels).
   */
  plate: FloatImage | null;
  /** [h,w,≥3] push-pull filled foreground / background colours at 1/4 resolution (rgba16float values). */
  fgFill: FloatImage;
  bgFill: FloatImage;
  /** Plate statistics: [ΣI.r, ΣI.g, ΣI.b, ΣB.r, ΣB.g, ΣB.b, Σ|I−B|, count]. */
  stats: ArrayLike<number>;
}

type Vec3 = [number, number, number];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const len = (a: Vec3): number => Math.sqrt(dot(a, a));
const clamp01 = (v: number): number => Math.min(Math.max(v, 0), 1);
const rgb = (img: FloatImage, x: number, y: number): Vec3 => [at(img, x, y, 0), at(img, x, y, 1), at(img, x, y, 2)];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/**
 * Guided-filter coefficients (a, b) of the window centred at (cx, cy) over `source` (the prior,
 * or the raw plate matte), edges replicated as the shader's clamped loads.
 */
function guidedCoef(inputs: RefineInputs, cx: number, cy: number, epsilon: number, source: (x: number, y: number) => number): [number, number, number, number] {
  const R = GUIDED_RADIUS;
  const n = (2 * R + 1) * (2 * R + 1);
  const sumI: Vec3 = [0, 0, 0];
  const sumIP: Vec3 = [0, 0, 0];
  let sumP = 0;
  const sumII = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let dy = -R; dy <= R; dy++) {
    for (let dx = -R; dx <= R; dx++) {
      const i = rgb(inputs.frame, cx + dx, cy + dy);
      const p = source(cx + dx, cy + dy);
      for (let c = 0; c < 3; c++) {
        sumI[c]! += i[c]!;
        sumIP[c]! += i[c]! * p;
        for (let d = 0; d < 3; d++) sumII[c * 3 + d]! += i[c]! * i[d]!;
      }
      sumP += p;
    }
  }
  const meanI: Vec3 = [sumI[0] / n, sumI[1] / n, sumI[2] / n];
  const meanP = sumP / n;
  const cov: Vec3 = [sumIP[0] / n - meanI[0] * meanP, sumIP[1] / n - meanI[1] * meanP, sumIP[2] / n - meanI[2] * meanP];
  const e = f32(epsilon);
  // Columns of the symmetric Σ + ε·1.
  const col = (c: number): Vec3 => [0, 1, 2].map((d) => sumII[c * 3 + d]! / n - meanI[c]! * meanI[d]! + (c === d ? e : 0)) as Vec3;
  const a0 = col(0);
  const a1 = col(1);
  const a2 = col(2);
  // inverse3: rows b×c, c×a, a×b over det; a = Σ⁻¹ cov.
  const r0 = cross(a1, a2);
  const r1 = cross(a2, a0);
  const r2 = cross(a0, a1);
  const det = dot(a0, r0);
  const a: Vec3 = [dot(r0, cov) / det, dot(r1, cov) / det, dot(r2, cov) / det];
  return [a[0], a[1], a[2], meanP - dot(a, meanI)];
}

/** One refined pixel. */
export interface RefinedPixel {
  alpha: number;
  /** Foreground colour F (unquantised, clamped to 0..1). */
  fgr: Vec3;
  /** A discrete decision was within FRAGILE_MARGIN of its threshold (plate branch only). */
  fragile: boolean;
}

/** Per-image state shared by the pixels of one refine. */
interface Context {
  inputs: RefineInputs;
  params: RefineParams;
  gain: Vec3;
  /** Guided-filter coefficients by window centre, cached ((W + 2R) × (H + 2R) centres): of the prior, and of the plate tiles' source. */
  coef: Map<number, [number, number, number, number]>;
  coefPlate: Map<number, [number, number, number, number]>;
  /** Raw plate mattes by pixel, cached. */
  matte: Map<number, { alpha: number; f: Vec3; b: Vec3; fragile: boolean }>;
}

function makeContext(inputs: RefineInputs, params: RefineParams): Context {
  const { frame, prior, plate, fgFill, bgFill } = inputs;
  if (prior.width !== frame.width || prior.height !== frame.height) throw new RangeError('prior and frame sizes differ');
  if (plate && (plate.width !== frame.width || plate.height !== frame.height)) throw new RangeError('plate and frame sizes differ');
  if (fgFill.width !== bgFill.width || fgFill.height !== bgFill.height) throw new RangeError('fill sizes differ');
  return { inputs, params, gain: plateGain(inputs.stats), coef: new Map(), coefPlate: new Map(), matte: new Map() };
}

/** Whether the plate knows pixel (x, y) (clamped): no fourth channel, or a ≥ 0.5. */
function knows(plate: FloatImage, x: number, y: number): boolean {
  return plate.channels < 4 || at(plate, x, y, 3) >= 0.5;
}

/** Whether tile (tx, ty) has a pixel whose prior is below 0.95 (clamped like the shader). */
function tileHasOpenPixel(inputs: RefineInputs, tx: number, ty: number): boolean {
  const { prior } = inputs;
  for (let ly = 0; ly < REFINE_TILE; ly++) {
    for (let lx = 0; lx < REFINE_TILE; lx++) {
      if (at(prior, Math.min(tx * REFINE_TILE + lx, prior.width - 1), Math.min(ty * REFINE_TILE + ly, prior.height - 1), 0) < CONFIDENT) return true;
    }
  }
  return false;
}

/**
 * Whether tile (tx, ty) takes the plate, as the shader decides it: the plate knows at least
 * KNOWN_SHARE of the tile's pixels whose prior is below 0.95 (pixels past the frame's edge
 * count as the edge pixel, like the shader's clamped loads). Always false without a plate.
 */
export function tileUsesPlate(inputs: RefineInputs, tx: number, ty: number): boolean {
  const { plate, prior } = inputs;
  if (!plate) return false;
  let open = 0;
  let known = 0;
  for (let ly = 0; ly < REFINE_TILE; ly++) {
    for (let lx = 0; lx < REFINE_TILE; lx++) {
      const x = Math.min(tx * REFINE_TILE + lx, prior.width - 1);
      const y = Math.min(ty * REFINE_TILE + ly, prior.height - 1);
      if (at(prior, x, y, 0) < CONFIDENT) {
        open++;
        if (knows(plate, x, y)) known++;
      }
    }
  }
  return known >= f32(KNOWN_SHARE * open);
}

/** The raw plate matte at one pixel (before the guided filter), as shaders/refine_tiles.wgsl plateMatte. */
function plateMatteOf(ctx: Context, x: number, y: number): { alpha: number; f: Vec3; b: Vec3; fragile: boolean } {
  const { inputs, params } = ctx;
  const { frame, prior } = inputs;
  const plate = inputs.plate!;
  const W = frame.width;
  const H = frame.height;
  const i = rgb(frame, x, y);
  const p = at(prior, x, y, 0);
  const u = f32(f32(x + 0.5) / W);
  const v = f32(f32(y + 0.5) / H);
  const sample = (img: FloatImage): Vec3 => [0, 1, 2].map((c) => sampleBilinear(img, u, v, c)) as Vec3;
  let fgNear = sample(inputs.fgFill);
  let b = sample(inputs.bgFill);
  let alpha = p;
  let fragile = false;
  const near = (value: number, threshold: number): void => {
    if (Math.abs(value - threshold) < FRAGILE_MARGIN) fragile = true;
  };
  const g = ctx.gain;
  const plateAt = (qx: number, qy: number): Vec3 => {
    const c = rgb(plate, qx, qy);
    return [Math.min(g[0] * c[0], 1), Math.min(g[1] * c[1], 1), Math.min(g[2] * c[2], 1)];
  };
  const centre = plateAt(x, y);
  let best = 1e9;
  let spread = 0;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      // A plate texel the plate does not know is no candidate.
      if (!knows(plate, x + dx, y + dy)) continue;
      const candidate = plateAt(x + dx, y + dy); // at() clamps like the shader
      spread = Math.max(spread, len(sub(candidate, centre)));
      const d = dot(sub(i, candidate), sub(i, candidate));
      const differs = candidate.some((c, k) => Math.abs(c - b[k]!) > SAME);
      if (d < best) {
        if (best - d < FRAGILE_MARGIN && differs) fragile = true;
        best = d;
        b = candidate;
      } else if (d !== best && d - best < FRAGILE_MARGIN && differs) {
        fragile = true;
      }
    }
  }
  let bestF = fgNear;
  let bestA = 0;
  let bestResidual = 1e9;
  let nearestFg = 1e9;
  for (let k = 0; k < 26; k++) {
    let f = fgNear;
    if (k === 25) {
      near(Math.sqrt(best), CANDIDATE_CONTRAST);
      if (Math.sqrt(best) < CANDIDATE_CONTRAST) continue;
      f = i;
    } else if (k < 24) {
      const dir = DIRECTIONS[k % 8]!;
      const r = RADII[Math.floor(k / 8)]!;
      const qx = Math.min(Math.max(x + Math.round(f32(dir[0] * r)), 0), W - 1);
      const qy = Math.min(Math.max(y + Math.round(f32(dir[1] * r)), 0), H - 1);
      const pq = at(prior, qx, qy, 0);
      near(pq, CONFIDENT);
      if (pq < CONFIDENT) continue;
      f = rgb(frame, qx, qy);
      if (knows(plate, qx, qy)) {
        const contrast = len(sub(f, plateAt(qx, qy)));
        near(contrast, CANDIDATE_CONTRAST);
        if (contrast < CANDIDATE_CONTRAST) continue;
      }
      nearestFg = Math.min(nearestFg, len(sub(f, i)));
    }
    const fb = sub(f, b);
    const fb2 = dot(fb, fb);
    near(fb2, MIN_SEPARATION * MIN_SEPARATION);
    if (fb2 < MIN_SEPARATION * MIN_SEPARATION) continue;
    const a = clamp01(dot(sub(i, b), fb) / fb2);
    const r = sub(i, [a * f[0] + (1 - a) * b[0], a * f[1] + (1 - a) * b[1], a * f[2] + (1 - a) * b[2]]);
    const residual = dot(r, r) + PRIOR_WEIGHT * (a - p) * (a - p);
    const same = Math.abs(a - bestA) <= SAME && f.every((c, k2) => Math.abs(c - bestF[k2]!) <= SAME);
    // An exact tie (e.g. every candidate with a clamped to 0 leaves the same residual) goes to the first on both sides.
    if (residual !== bestResidual && Math.abs(residual - bestResidual) < FRAGILE_MARGIN && !same) fragile = true;
    if (residual < bestResidual) {
      bestResidual = residual;
      bestA = a;
      bestF = f;
    }
  }
  fgNear = bestF;
  const fb = sub(bestF, b);
  const fb2 = dot(fb, fb);
  const tolerance = NOISE_TOLERANCE + SPREAD_WEIGHT * spread;
  near(Math.sqrt(best), tolerance);
  const excess = Math.max(0, Math.sqrt(best) - tolerance);
  const a = excess > 0 ? bestA : 0;
  const cleaned = clamp01((a - NOISE_FLOOR) / NOISE_RANGE);
  const tau = f32(params.tau);
  const w = fb2 / (fb2 + tau * tau);
  if (excess > 0 && bestResidual < 1e9) {
    alpha = w * cleaned + (1 - w) * p;
  } else if (excess > 0) {
    // Stands out from the plate, but no candidate differs enough from it: the prior decides.
    alpha = p;
  } else {
    // Looks like the plate: the prior decides where nearby foreground looks alike, else background.
    near(nearestFg, AMBIGUOUS_DISTANCE);
    alpha = nearestFg < AMBIGUOUS_DISTANCE ? p : 0;
  }
  return { alpha, f: fgNear, b, fragile };
}

/** One pixel of a tile that takes the plate (`usePlate`, see tileUsesPlate) or not. */
function pixelOf(ctx: Context, x: number, y: number, usePlate: boolean): RefinedPixel {
  const { inputs, params } = ctx;
  const { frame } = inputs;
  const W = frame.width;
  const H = frame.height;
  const i = rgb(frame, x, y);
  const u = f32(f32(x + 0.5) / W);
  const v = f32(f32(y + 0.5) / H);
  const sample = (img: FloatImage): Vec3 => [0, 1, 2].map((c) => sampleBilinear(img, u, v, c)) as Vec3;
  let fgNear = sample(inputs.fgFill);
  let b = sample(inputs.bgFill);
  let fragile = false;
  // Guided filter of the prior (no plate) or of the raw plate matte where the plate knows the pixel (with one).
  const plate = usePlate ? inputs.plate : null;
  const source =
    plate && params.filterPlate
      ? (qx: number, qy: number): number => (knows(plate, qx, qy) ? rawMatte(ctx, qx, qy).alpha : at(inputs.prior, qx, qy, 0))
      : (qx: number, qy: number): number => at(inputs.prior, qx, qy, 0);
  const cache = plate && params.filterPlate ? ctx.coefPlate : ctx.coef;
  const R = GUIDED_RADIUS;
  const n = (2 * R + 1) * (2 * R + 1);
  const sum = [0, 0, 0, 0];
  for (let dy = -R; dy <= R; dy++) {
    for (let dx = -R; dx <= R; dx++) {
      const cx = x + dx;
      const cy = y + dy;
      const key = (cy + R) * (W + 2 * R) + cx + R;
      let c = cache.get(key);
      if (!c) {
        c = guidedCoef(inputs, cx, cy, params.epsilon, source);
        cache.set(key, c);
      }
      for (let k = 0; k < 4; k++) sum[k]! += c[k]!;
    }
  }
  let alpha = clamp01((sum[0]! / n) * i[0] + (sum[1]! / n) * i[1] + (sum[2]! / n) * i[2] + sum[3]! / n);
  const known = plate !== null && knows(plate, x, y);
  if (known && !params.filterPlate) {
    const m = rawMatte(ctx, x, y);
    return finish(i, m.alpha, m.b, m.f, m.fragile, params);
  }
  if (known) {
    const m = rawMatte(ctx, x, y);
    fgNear = m.f;
    b = m.b;
    // The filter reads raw mattes up to 2R away: the output is fragile if any of them is.
    for (let qy = Math.max(0, y - 2 * R); qy <= Math.min(H - 1, y + 2 * R) && !fragile; qy++) {
      for (let qx = Math.max(0, x - 2 * R); qx <= Math.min(W - 1, x + 2 * R); qx++) {
        if (knows(plate, qx, qy) && rawMatte(ctx, qx, qy).fragile) {
          fragile = true;
          break;
        }
      }
    }
  }
  return finish(i, alpha, b, fgNear, fragile, params);
}

/** The foreground estimate F = (α(I − (1 − α)B) + λFn) / (α² + λ) for a pixel's final alpha. */
function finish(i: Vec3, alpha: number, b: Vec3, fgNear: Vec3, fragile: boolean, params: RefineParams): RefinedPixel {
  const lambda = f32(params.lambda);
  const den = alpha * alpha + lambda;
  const fgr = [0, 1, 2].map((c) => clamp01((alpha * (i[c]! - (1 - alpha) * b[c]!) + lambda * fgNear[c]!) / den)) as Vec3;
  return { alpha, fgr, fragile };
}

/** The raw plate matte at (x, y), clamped to the frame like the shader's loads, cached. */
function rawMatte(ctx: Context, x: number, y: number): { alpha: number; f: Vec3; b: Vec3; fragile: boolean } {
  const W = ctx.inputs.frame.width;
  const H = ctx.inputs.frame.height;
  const cx = Math.min(Math.max(x, 0), W - 1);
  const cy = Math.min(Math.max(y, 0), H - 1);
  const key = cy * W + cx;
  let m = ctx.matte.get(key);
  if (!m) {
    m = plateMatteOf(ctx, cx, cy);
    ctx.matte.set(key, m);
  }
  return m;
}

/** Refines one pixel (x, y) of the frame. */
export function refinePixelReference(inputs: RefineInputs, x: number, y: number, params: RefineParams): RefinedPixel {
  return pixelOf(makeContext(inputs, params), x, y, tileUsesPlate(inputs, Math.floor(x / REFINE_TILE), Math.floor(y / REFINE_TILE)));
}

/** The refine outputs as the GPU textures hold them. */
export interface RefineOutputs {
  /** [H,W,1]: the refined alpha on the listed tiles, the prior elsewhere (the pipeline copies the prior in first). */
  alpha: FloatImage;
  /** [H,W,4]: (F quantised to 8 bits, 1) on the listed tiles, 0 elsewhere (cleared). */
  fgr: FloatImage;
  /** [H,W]: 1 where a refined pixel is fragile (see FRAGILE_MARGIN). */
  fragile: Uint8Array;
  /** How many of the listed tiles took the plate and have a pixel below 0.95 prior (TileBuffers.plateTiles). */
  plateTiles: number;
}

/**
 * Runs the refiner on the listed tiles.
 * @param tiles tile coordinates [x, y] (tiles of REFINE_TILE pixels), or 'all'
 */
export function refineTilesReference(inputs: RefineInputs, tiles: Iterable<readonly [number, number]> | 'all', params: RefineParams): RefineOutputs {
  const ctx = makeContext(inputs, params);
  const { width: W, height: H } = inputs.frame;
  const alpha = createImage(W, H, 1);
  alpha.data.set(inputs.prior.data);
  const fgr = createImage(W, H, 4);
  const fragile = new Uint8Array(W * H);
  const list: Iterable<readonly [number, number]> =
    tiles === 'all'
      ? Array.from({ length: Math.ceil(W / REFINE_TILE) * Math.ceil(H / REFINE_TILE) }, (_, k) => [k % Math.ceil(W / REFINE_TILE), Math.floor(k / Math.ceil(W / REFINE_TILE))] as const)
      : tiles;
  let plateTiles = 0;
  for (const [tx, ty] of list) {
    const usePlate = tileUsesPlate(inputs, tx, ty);
    if (usePlate && tileHasOpenPixel(inputs, tx, ty)) plateTiles++;
    for (let y = ty * REFINE_TILE; y < Math.min((ty + 1) * REFINE_TILE, H); y++) {
      for (let x = tx * REFINE_TILE; x < Math.min((tx + 1) * REFINE_TILE, W); x++) {
        const r = pixelOf(ctx, x, y, usePlate);
        const k = y * W + x;
        alpha.data[k] = r.alpha;
        for (let c = 0; c < 3; c++) fgr.data[k * 4 + c] = Math.round(r.fgr[c]! * 255) / 255;
        fgr.data[k * 4 + 3] = 1;
        fragile[k] = r.fragile ? 1 : 0;
      }
    }
  }
  return { alpha, fgr, fragile, plateTiles };
}
