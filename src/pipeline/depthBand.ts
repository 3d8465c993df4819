/**
 * Depth as the rough segmentation: the subject is the nearest large connected region of a
 * depth image, cut out by a depth band (Virtual Stage, Microsoft / Plain Concepts, 2020,
 * used the Azure Kinect's depth the same way, as a segmentation that does not care how alike
 * the person's and the background's colours are). Pure TypeScript; runs in the worker and
 * in Node. Also {@link visualiseDepth}, the `depth` output's image of registered depth.
 *
 * Method, on a 2×-downsampled grid (each cell holds the nearest valid depth of its 2×2 block):
 * 1. Histogram of valid cell depths in `binMm` bins. Candidate near depths are the bins,
 *    near to far, holding at least `minBinFraction` of the valid cells (lone specks are not
 *    candidates) and no farther than `maxNearMm`.
 * 2. For a candidate `near`, the cells in [near, near + bandDepthMm] are labelled into
 *    4-connected components (iterative flood fill), neighbours joining only across depth
 *    steps of at most `maxStepMm` (a person in front of another stays apart). Among the components of at least
 *    `minAreaFraction` of the valid cells whose nearest cell is within `maxNearMm`, the one
 *    with the smallest mean depth is the subject; the first candidate that has one wins.
 *    Bands whose histogram count is below the minimum area are skipped without labelling.
 * 3. The band is moved to start at the subject's own nearest depth (a small object nearer
 *    than the subject may have opened it) and relabelled: the subject is the component
 *    holding the first pass's component (all of it lies in the new band).
 * 4. Clean-up of the subject's cells: holes it encloses (regions of other cells touching
 *    neither the frame border nor the rest of the scene, such as pixels with a wrong depth
 *    on the body) up to `maxHoleFraction` of its area are filled, then a closing
 *    (`closeRadius` cells) smooths notches and an opening (`openRadius`) drops specks. Holes
 *    are filled by enclosure rather than by a wide closing, which would also bridge the
 *    real background seen between an arm and the body, where depth is unambiguous.
 * 5. Back at full resolution a pixel is subject when it has depth and its cell is in the
 *    subject: inside the region (a cell whose four neighbours are also subject) always, on
 *    the region's boundary only when its own depth is in the band, so edges are per pixel.
 *
 * Handled: invalid depth (0) anywhere, e.g. the IR "shadows" beside the body, which also cut
 * the body off from the background; small near objects and noise; objects behind the band;
 * a second, farther person, also where the two overlap in the image (a depth step larger
 * than maxStepMm parts them); enclosed holes, of any depth or none, up to maxHoleFraction of
 * the subject.
 * Not handled: anything in the band that touches the subject without a depth step joins it —
 * above all the floor around the feet (the band bounds it to bandDepthMm behind the
 * subject's nearest point; no floor plane is fitted), or a desk the subject leans on; a
 * large enclosed gap (hands on hips) needs its background to have depth, else it is only
 * cleared at full resolution where the pixels have no depth; an empty room whose floor or
 * furniture is nearer than `maxNearMm` and large becomes the "subject". The colour model's
 * confidence, fused with this prior by shaders/fuse_depth.wgsl, is what corrects those.
 */
import { InputError, InvalidOptionError } from '../errors';

/** Tuning of {@link segmentDepth}. Depths in millimetres, radii in grid cells (2 depth pixels). */
export interface DepthBandOptions {
  /** Depth of the band behind its near edge: a person's depth extent with some slack (mm, > 0). */
  bandDepthMm: number;
  /** Histogram bin width for the candidate near depths (mm, ≥ 1). */
  binMm: number;
  /**
   * Neighbouring cells join one region only when their depths differ by at most this (mm,
   * > 0): a person in front of another, or of a chair, stays apart from it.
   */
  maxStepMm: number;
  /** Smallest subject, as a share of the valid-depth cells (0..1). */
  minAreaFraction: number;
  /** Candidate bins hold at least this share of the valid-depth cells (0..1): thinner bins are noise. */
  minBinFraction: number;
  /** The subject's nearest point is at most this far (mm): a far wall is not a subject. */
  maxNearMm: number;
  /** Enclosed holes up to this share of the subject's cells are filled (0..1). */
  maxHoleFraction: number;
  /** Closing radius (cells, integer ≥ 0): bridges gaps up to 2·radius cells across. */
  closeRadius: number;
  /** Opening radius (cells, integer ≥ 0): drops specks thinner than 2·radius + 1 cells. */
  openRadius: number;
  /** At most this many bands are labelled (integer ≥ 1): bounds the time on noisy scenes. */
  maxCandidates: number;
}

/**
 * Defaults for a seated or standing speaker 0.5–2.5 m from an Azure Kinect (NFOV range
 * 0.5–3.86 m): a 0.9 m band holds a person with an arm stretched out; 2 % of a fully valid
 * NFOV unbinned image (640×576) is about 7 400 pixels, less than head and shoulders at
 * 2.5 m (about 90×100 pixels with fx ≈ 504); 150 mm steps pass along a body's surface at
 * 2-pixel spacing but not between two people or a person and the chair behind.
 */
export const DEFAULT_DEPTH_BAND_OPTIONS: Readonly<DepthBandOptions> = Object.freeze({
  bandDepthMm: 900,
  binMm: 50,
  maxStepMm: 150,
  minAreaFraction: 0.02,
  minBinFraction: 0.001,
  maxNearMm: 2500,
  maxHoleFraction: 0.02,
  closeRadius: 1,
  openRadius: 1,
  maxCandidates: 24,
});

/** The subject found by {@link segmentDepth}. */
export interface DepthBand {
  /** [H,W] 1 = subject, 0 = not (always 0 where depth is invalid), row-major. */
  mask: Uint8Array;
  /** Near edge of the band: the subject's nearest depth (mm). */
  nearMm: number;
  /** Far edge of the band: nearMm + bandDepthMm (mm). */
  farMm: number;
  /** Subject pixels in `mask`. */
  area: number;
}

function resolveOptions(options: Partial<DepthBandOptions>): DepthBandOptions {
  const o = { ...DEFAULT_DEPTH_BAND_OPTIONS, ...options };
  const check = (name: keyof DepthBandOptions, ok: (v: number) => boolean, what: string): void => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new InvalidOptionError(name, `expected ${what}, got ${JSON.stringify(v)}`);
  };
  check('bandDepthMm', (v) => v > 0, 'a depth in mm > 0');
  check('binMm', (v) => v >= 1, 'a bin width in mm ≥ 1');
  check('maxStepMm', (v) => v > 0, 'a depth step in mm > 0');
  check('minAreaFraction', (v) => v >= 0 && v <= 1, 'a share in 0..1');
  check('minBinFraction', (v) => v >= 0 && v <= 1, 'a share in 0..1');
  check('maxNearMm', (v) => v > 0, 'a depth in mm > 0');
  check('maxHoleFraction', (v) => v >= 0 && v <= 1, 'a share in 0..1');
  check('closeRadius', (v) => Number.isInteger(v) && v >= 0, 'a whole number of cells ≥ 0');
  check('openRadius', (v) => Number.isInteger(v) && v >= 0, 'a whole number of cells ≥ 0');
  check('maxCandidates', (v) => Number.isInteger(v) && v >= 1, 'a whole number ≥ 1');
  return o;
}

/** Connected components of the cells with depth in [lo, hi], labelled 1.. in `labels`. */
interface Components {
  count: number[];
  sum: number[];
  min: number[];
  /** One cell of each component. */
  seed: number[];
}

/**
 * 4-connected labelling by iterative flood fill: neighbours join when both are in the band and
 * their depths differ by at most `maxStep`. `labels` (0 = not in band) and `queue` are
 * workspaces of the grid's size.
 */
function label(grid: Uint16Array, gw: number, gh: number, lo: number, hi: number, maxStep: number, labels: Int32Array, queue: Int32Array): Components {
  labels.fill(0);
  const out: Components = { count: [0], sum: [0], min: [0], seed: [0] };
  const n = gw * gh;
  for (let start = 0; start < n; start++) {
    const d0 = grid[start]!;
    if (labels[start] !== 0 || d0 === 0 || d0 < lo || d0 > hi) continue;
    const id = out.count.length;
    let count = 0;
    let sum = 0;
    let min = d0;
    let head = 0;
    let tail = 0;
    labels[start] = id;
    queue[tail++] = start;
    while (head < tail) {
      const i = queue[head++]!;
      const d = grid[i]!;
      count++;
      sum += d;
      if (d < min) min = d;
      const y = (i / gw) | 0;
      const x = i - y * gw;
      // Left, right, up, down: in-band cells not yet labelled, across a small enough step.
      for (let k = 0; k < 4; k++) {
        if ((k === 0 && x === 0) || (k === 1 && x === gw - 1) || (k === 2 && y === 0) || (k === 3 && y === gh - 1)) continue;
        const j = k === 0 ? i - 1 : k === 1 ? i + 1 : k === 2 ? i - gw : i + gw;
        const dj = grid[j]!;
        if (labels[j] !== 0 || dj === 0 || dj < lo || dj > hi || Math.abs(dj - d) > maxStep) continue;
        labels[j] = id;
        queue[tail++] = j;
      }
    }
    out.count.push(count);
    out.sum.push(sum);
    out.min.push(min);
    out.seed.push(start);
  }
  return out;
}

/**
 * A binary image packed 32 cells per word along rows (bit k of word j of a row is cell
 * 32·j + k; bits past the row's end are 0), for the morphology.
 */
interface Bits {
  words: Uint32Array;
  /** Words per row. */
  stride: number;
  width: number;
  height: number;
  /** The valid bits of a row's last word. */
  last: number;
}

function packBits(mask: Uint8Array, width: number, height: number): Bits {
  const stride = Math.ceil(width / 32);
  const words = new Uint32Array(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (mask[y * width + x] === 1) words[y * stride + (x >> 5)]! |= 1 << (x & 31);
  }
  const rest = width & 31;
  return { words, stride, width, height, last: rest === 0 ? 0xffffffff : (2 ** rest - 1) >>> 0 };
}

function unpackBits(bits: Bits, mask: Uint8Array): void {
  const { words, stride, width, height } = bits;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) mask[y * width + x] = (words[y * stride + (x >> 5)]! >>> (x & 31)) & 1;
  }
}

/** Flips every valid bit (cells outside the image stay 0). */
function invertBits(bits: Bits): void {
  const { words, stride, last } = bits;
  for (let i = 0; i < words.length; i++) words[i] = ~words[i]! & ((i + 1) % stride === 0 ? last : 0xffffffff);
}

/** One 3×3 dilation step (cells outside the image are unset), in place; `tmp` has words.length entries. */
function dilate3(bits: Bits, tmp: Uint32Array): void {
  const { words, stride, height, last } = bits;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let j = 0; j < stride; j++) {
      const w = words[row + j]!;
      const prev = j > 0 ? words[row + j - 1]! : 0;
      const next = j < stride - 1 ? words[row + j + 1]! : 0;
      const h = w | (w << 1) | (prev >>> 31) | (w >>> 1) | (next << 31);
      tmp[row + j] = j === stride - 1 ? h & last : h;
    }
  }
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let j = 0; j < stride; j++) {
      const up = y > 0 ? tmp[row - stride + j]! : 0;
      const down = y < height - 1 ? tmp[row + stride + j]! : 0;
      words[row + j] = tmp[row + j]! | up | down;
    }
  }
}

/**
 * Square binary dilation (`erode` false: a cell is set when any cell of its (2r+1)² window
 * is) or erosion (`erode` true: when no in-image cell of the window is unset; cells outside
 * the image do not count, so a region touching the border is not eaten from it), as r
 * 3×3 steps on bit-packed rows; erosion is the dilation of the complement, complemented.
 */
function morph(bits: Bits, tmp: Uint32Array, r: number, erode: boolean): void {
  if (r === 0) return;
  if (erode) invertBits(bits);
  for (let k = 0; k < r; k++) dilate3(bits, tmp);
  if (erode) invertBits(bits);
}

/**
 * Sets the cells of `region` that form 4-connected areas of unset cells touching no grid
 * border (holes), each of at most maxFraction × the region's cells. `labels` and `queue`
 * are workspaces of the grid's size.
 */
function fillHoles(region: Uint8Array, labels: Int32Array, queue: Int32Array, gw: number, gh: number, maxFraction: number): void {
  const n = gw * gh;
  let area = 0;
  for (let i = 0; i < n; i++) area += region[i]!;
  const maxHole = Math.floor(maxFraction * area);
  if (maxHole === 0) return;
  labels.fill(0);
  // Flood from each unset cell, once: the queue ends holding exactly that area's cells.
  const flood = (start: number): { size: number; border: boolean } => {
    let head = 0;
    let tail = 0;
    let border = false;
    labels[start] = 1;
    queue[tail++] = start;
    while (head < tail) {
      const i = queue[head++]!;
      const y = (i / gw) | 0;
      const x = i - y * gw;
      if (x === 0 || x === gw - 1 || y === 0 || y === gh - 1) border = true;
      if (x > 0 && region[i - 1] === 0 && labels[i - 1] === 0) (labels[i - 1] = 1), (queue[tail++] = i - 1);
      if (x < gw - 1 && region[i + 1] === 0 && labels[i + 1] === 0) (labels[i + 1] = 1), (queue[tail++] = i + 1);
      if (y > 0 && region[i - gw] === 0 && labels[i - gw] === 0) (labels[i - gw] = 1), (queue[tail++] = i - gw);
      if (y < gh - 1 && region[i + gw] === 0 && labels[i + gw] === 0) (labels[i + gw] = 1), (queue[tail++] = i + gw);
    }
    return { size: tail, border };
  };
  for (let start = 0; start < n; start++) {
    if (region[start] === 1 || labels[start] !== 0) continue;
    const { size, border } = flood(start);
    if (!border && size <= maxHole) for (let k = 0; k < size; k++) region[queue[k]!] = 1;
  }
}

/**
 * Finds the subject in a depth image as the nearest large connected region within a depth
 * band, cleans it with morphology and returns it at full resolution (method and limits:
 * see the module comment).
 * @param depth [height, width] uint16 millimetres in the depth camera's image, row-major, 0 = invalid
 * @param width depth image width in pixels (e.g. 640 for NFOV unbinned)
 * @param height depth image height in pixels (e.g. 576)
 * @param options overrides of {@link DEFAULT_DEPTH_BAND_OPTIONS}
 * @returns the subject mask and band, or null when there is no valid depth or no region
 *   large and near enough
 * @throws InputError 'corrupt-input' when the size is not positive whole numbers or
 *   depth.length ≠ width·height
 * @throws InvalidOptionError for an option out of range
 */
export function segmentDepth(depth: Uint16Array, width: number, height: number, options: Partial<DepthBandOptions> = {}): DepthBand | null {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InputError('corrupt-input', `The depth image size must be positive whole numbers, got ${width}×${height}.`);
  }
  if (depth.length !== width * height) {
    throw new InputError('corrupt-input', `The depth image holds ${depth.length} samples, ${width}×${height} needs ${width * height}.`);
  }
  const o = resolveOptions(options);
  const gw = Math.ceil(width / 2);
  const gh = Math.ceil(height / 2);
  const n = gw * gh;

  // 2× grid: nearest valid depth of each 2×2 block (0 = none). (d − 1) & 0xffff maps invalid
  // (0) to 0xffff and keeps the order of valid depths, so the minimum skips invalid samples.
  const grid = new Uint16Array(n);
  for (let gy = 0; gy < gh; gy++) {
    const row0 = 2 * gy * width;
    const row1 = Math.min(2 * gy + 1, height - 1) * width;
    for (let gx = 0; gx < gw; gx++) {
      const x0 = 2 * gx;
      const x1 = Math.min(x0 + 1, width - 1);
      const a = (depth[row0 + x0]! - 1) & 0xffff;
      const b = (depth[row0 + x1]! - 1) & 0xffff;
      const c = (depth[row1 + x0]! - 1) & 0xffff;
      const d = (depth[row1 + x1]! - 1) & 0xffff;
      const ab = a < b ? a : b;
      const cd = c < d ? c : d;
      const m = ab < cd ? ab : cd;
      grid[gy * gw + gx] = m === 0xffff ? 0 : m + 1;
    }
  }

  const bins = Math.floor(65535 / o.binMm) + 1;
  const hist = new Uint32Array(bins);
  let validCells = 0;
  for (let i = 0; i < n; i++) {
    const d = grid[i]!;
    if (d === 0) continue;
    hist[Math.floor(d / o.binMm)]!++;
    validCells++;
  }
  if (validCells === 0) return null;
  // cumulative[b] = cells in bins < b.
  const cumulative = new Float64Array(bins + 1);
  for (let b = 0; b < bins; b++) cumulative[b + 1] = cumulative[b]! + hist[b]!;

  const minArea = Math.max(1, Math.ceil(o.minAreaFraction * validCells));
  const minBin = Math.max(1, Math.ceil(o.minBinFraction * validCells));
  const labels = new Int32Array(n);
  const queue = new Int32Array(n);
  let chosen = 0;
  let comps: Components | null = null;
  let bandNear = 0;
  let labelled = 0;
  for (let b = 0; b < bins && labelled < o.maxCandidates; b++) {
    const near = b * o.binMm;
    if (near > o.maxNearMm) break;
    if (hist[b]! < minBin) continue;
    const far = near + o.bandDepthMm;
    const lastBin = Math.min(bins - 1, Math.floor(far / o.binMm));
    if (cumulative[lastBin + 1]! - cumulative[b]! < minArea) continue;
    comps = label(grid, gw, gh, near, far, o.maxStepMm, labels, queue);
    bandNear = near;
    labelled++;
    let bestMean = Infinity;
    for (let id = 1; id < comps.count.length; id++) {
      const count = comps.count[id]!;
      if (count < minArea || comps.min[id]! > o.maxNearMm) continue;
      const mean = comps.sum[id]! / count;
      if (mean < bestMean) {
        bestMean = mean;
        chosen = id;
      }
    }
    if (chosen !== 0) break;
  }
  if (chosen === 0 || comps === null) return null;

  // Move the band to the subject's own nearest depth and relabel (the subject can only grow).
  const nearMm = comps.min[chosen]!;
  const farMm = nearMm + o.bandDepthMm;
  const seed = comps.seed[chosen]!;
  if (nearMm > bandNear) {
    label(grid, gw, gh, nearMm, farMm, o.maxStepMm, labels, queue);
    chosen = labels[seed]!;
  }

  // Clean-up on the subject's bounding box plus a margin wide enough that the morphology
  // cannot tell it from the whole grid (the margin is empty, so it also counts as "outside"
  // for the hole filling).
  let bx0 = gw;
  let by0 = gh;
  let bx1 = -1;
  let by1 = -1;
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0, i = gy * gw; gx < gw; gx++, i++) {
      if (labels[i] !== chosen) continue;
      if (gx < bx0) bx0 = gx;
      if (gx > bx1) bx1 = gx;
      if (gy < by0) by0 = gy;
      by1 = gy;
    }
  }
  const margin = 2 * (o.closeRadius + o.openRadius) + 2;
  const cx0 = Math.max(0, bx0 - margin);
  const cy0 = Math.max(0, by0 - margin);
  const cw = Math.min(gw, bx1 + margin + 1) - cx0;
  const ch = Math.min(gh, by1 + margin + 1) - cy0;
  const cn = cw * ch;
  const region = new Uint8Array(cn);
  for (let y = 0; y < ch; y++) {
    for (let x = 0, i = (cy0 + y) * gw + cx0; x < cw; x++, i++) region[y * cw + x] = labels[i] === chosen ? 1 : 0;
  }
  fillHoles(region, labels.subarray(0, cn), queue, cw, ch, o.maxHoleFraction);
  const bits = packBits(region, cw, ch);
  const words = new Uint32Array(bits.words.length);
  morph(bits, words, o.closeRadius, false);
  morph(bits, words, o.closeRadius, true);
  morph(bits, words, o.openRadius, true);
  morph(bits, words, o.openRadius, false);
  unpackBits(bits, region);

  // Cell state: 0 = not subject, 1 = boundary (per-pixel band test), 2 = interior. Cells on
  // the image border count their missing neighbours as subject.
  const state = new Uint8Array(cn);
  for (let y = 0; y < ch; y++) {
    for (let x = 0, i = y * cw; x < cw; x++, i++) {
      if (region[i] === 0) {
        state[i] = 0;
        continue;
      }
      const inside =
        (x === 0 ? cx0 === 0 : region[i - 1] === 1) &&
        (x === cw - 1 ? cx0 + cw === gw : region[i + 1] === 1) &&
        (y === 0 ? cy0 === 0 : region[i - cw] === 1) &&
        (y === ch - 1 ? cy0 + ch === gh : region[i + cw] === 1);
      state[i] = inside ? 2 : 1;
    }
  }

  const mask = new Uint8Array(width * height);
  let area = 0;
  const xEnd = Math.min(2 * (cx0 + cw), width);
  for (let y = 2 * cy0; y < Math.min(2 * (cy0 + ch), height); y++) {
    const row = y * width;
    const sRow = ((y >> 1) - cy0) * cw - cx0;
    for (let x = 2 * cx0; x < xEnd; x++) {
      const st = state[sRow + (x >> 1)]!;
      if (st === 0) continue;
      const d = depth[row + x]!;
      if (d !== 0 && (st === 2 || (d >= nearMm && d <= farMm))) {
        mask[row + x] = 1;
        area++;
      }
    }
  }
  if (area === 0) return null;
  return { mask, nearMm, farMm, area };
}

/** Depths drawn by {@link visualiseDepth}: brightest at DEPTH_VIEW_NEAR_MM, dimmest at DEPTH_VIEW_FAR_MM (mm). */
export const DEPTH_VIEW_NEAR_MM = 300;
export const DEPTH_VIEW_FAR_MM = 5000;

/**
 * Registered depth as an image for the `depth` output: a grey ramp, near = bright (255 at
 * ≤ 0.3 m) to far = dim (40 at ≥ 5 m), linear in depth between; black where there is no
 * depth, so "far" and "no depth" stay distinguishable. Opaque.
 * @param depthMm [height, width] millimetres at colour resolution, row-major; ≤ 0 or NaN = no depth
 * @returns [height, width, 4] RGBA bytes
 * @throws InputError 'corrupt-input' when depthMm.length ≠ width·height
 */
export function visualiseDepth(depthMm: Float32Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0 || depthMm.length !== width * height) {
    throw new InputError('corrupt-input', `The depth image holds ${depthMm.length} samples, ${width}×${height} needs ${width * height}.`);
  }
  const out = new Uint8Array(width * height * 4);
  const scale = (255 - 40) / (DEPTH_VIEW_FAR_MM - DEPTH_VIEW_NEAR_MM);
  for (let i = 0; i < depthMm.length; i++) {
    const d = depthMm[i]!;
    let v = 0;
    if (d > 0) v = Math.round(255 - (Math.min(Math.max(d, DEPTH_VIEW_NEAR_MM), DEPTH_VIEW_FAR_MM) - DEPTH_VIEW_NEAR_MM) * scale);
    out[4 * i] = v;
    out[4 * i + 1] = v;
    out[4 * i + 2] = v;
    out[4 * i + 3] = 255;
  }
  return out;
}
