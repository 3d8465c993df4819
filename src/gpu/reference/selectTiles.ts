import type { RefineMode } from '../../options';
import type { FloatImage } from './image';

/**
 * Reference of shaders/select_tiles.wgsl (tile selection for the sparse refiner).
 * A tile is 8×8 full-resolution pixels = 2×2 texels of the 1/4-resolution error map; its
 * error is the maximum over those texels that lie inside the map. Comparisons are made in
 * float32, as the shader makes them (the error map is r32float, the threshold an f32 uniform).
 */

/** Histogram bins of the sampling mode. */
export const TILE_BINS = 256;
/** Tiles with an error at or below this are never selected in `sampling` (f32, as in the shader). */
export const TILE_MIN_ERR = Math.fround(1 / 255);

/** Selection parameters, as given to createSelectTilesPass().setParams. */
export interface TileSelectionParams {
  mode: RefineMode;
  /** sampling: at most this many tiles. */
  budget: number;
  /** thresholding: tiles with err > threshold. */
  threshold: number;
}

/** What the selection picks. Tiles are indices y·tilesX + x. */
export interface TileSelection {
  tilesX: number;
  tilesY: number;
  /** Per-tile error (f32), row-major. */
  errors: Float32Array;
  /** Histogram bin of each tile (meaningful where err > TILE_MIN_ERR). */
  bins: Uint16Array;
  /**
   * The selection, sorted: for `sampling` with ties in the cut bin, the first ties in raster
   * (row-major) order, as the GPU ranks them.
   */
  selected: number[];
  /** Tiles every valid selection contains (sampling: the bins above the cut; otherwise = selected). */
  required: number[];
  /** Tiles in the cut bin, of which exactly `tieBudget` are selected (sampling only; else empty). */
  ties: number[];
  /** Bin of the cut: tiles in higher bins are all selected (sampling only; 256 otherwise, 0 when everything fits). */
  cutBin: number;
  /** How many of `ties` are selected. */
  tieBudget: number;
  /** Number of selected tiles = the indirect dispatch count. */
  count: number;
}

/** The shader's binOf: min(u32(clamp(e, 0, 1) · 256), 255) (exact in f32: 256 is a power of two). */
export function tileBin(e: number): number {
  const c = Math.min(Math.max(Math.fround(e), 0), 1);
  return Math.min(Math.floor(c * TILE_BINS), TILE_BINS - 1);
}

/**
 * Tile errors: the max over each tile's 2×2 texels inside the error map (0 when none is).
 * @param err [h,w,≥1] error map at 1/4 resolution (channel 0)
 */
export function tileErrors(err: FloatImage, tilesX: number, tilesY: number): Float32Array {
  const out = new Float32Array(tilesX * tilesY);
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      let e = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const qx = tx * 2 + dx;
          const qy = ty * 2 + dy;
          if (qx < err.width && qy < err.height) e = Math.max(e, Math.fround(err.data[(qy * err.width + qx) * err.channels]!));
        }
      }
      out[ty * tilesX + tx] = e;
    }
  }
  return out;
}

/**
 * The tiles the GPU selection picks for an error map.
 * @param err [h,w,≥1] 1/4-resolution error map
 * @param tilesX tiles across: ceil(frame width / 8) (createTileBuffers)
 * @param tilesY tiles down: ceil(frame height / 8)
 */
export function selectTilesReference(err: FloatImage, tilesX: number, tilesY: number, params: TileSelectionParams): TileSelection {
  const errors = tileErrors(err, tilesX, tilesY);
  return selectFromErrors(errors, tilesX, tilesY, params);
}

/** selectTilesReference from per-tile errors (row-major, tilesX·tilesY). */
export function selectFromErrors(errorsIn: ArrayLike<number>, tilesX: number, tilesY: number, params: TileSelectionParams): TileSelection {
  const n = tilesX * tilesY;
  if (errorsIn.length !== n) throw new RangeError(`expected ${n} tile errors, got ${errorsIn.length}`);
  const errors = Float32Array.from(errorsIn);
  const bins = new Uint16Array(n);
  for (let t = 0; t < n; t++) bins[t] = tileBin(errors[t]!);
  const base = { tilesX, tilesY, errors, bins };
  if (params.mode === 'full' || params.mode === 'thresholding') {
    const threshold = Math.fround(params.threshold);
    const selected: number[] = [];
    for (let t = 0; t < n; t++) if (params.mode === 'full' || errors[t]! > threshold) selected.push(t);
    return { ...base, selected, required: selected, ties: [], cutBin: TILE_BINS, tieBudget: 0, count: selected.length };
  }
  // sampling: histogram of the tiles with an error, then the cut from the top bin down.
  const budget = params.budget >>> 0;
  const histogram = new Array<number>(TILE_BINS).fill(0);
  for (let t = 0; t < n; t++) if (errors[t]! > TILE_MIN_ERR) histogram[bins[t]!]!++;
  let cutBin = 0;
  let tieBudget = histogram[0]!;
  let above = 0;
  for (let b = TILE_BINS - 1; b >= 0; b--) {
    const count = histogram[b]!;
    if (above + count > budget) {
      cutBin = b;
      tieBudget = budget - above;
      break;
    }
    above += count;
  }
  const required: number[] = [];
  const ties: number[] = [];
  for (let t = 0; t < n; t++) {
    if (!(errors[t]! > TILE_MIN_ERR)) continue;
    if (bins[t]! > cutBin) required.push(t);
    else if (bins[t] === cutBin) ties.push(t);
  }
  const selected = [...required, ...ties.slice(0, tieBudget)].sort((a, b) => a - b);
  return { ...base, selected, required, ties, cutBin, tieBudget, count: required.length + Math.min(tieBudget, ties.length) };
}

/** Packs a tile index into the shader's list entry x | y << 16. */
export function packTile(index: number, tilesX: number): number {
  return ((index % tilesX) | (Math.floor(index / tilesX) << 16)) >>> 0;
}

/** Unpacks a list entry x | y << 16 into a tile index y·tilesX + x. */
export function unpackTile(packed: number, tilesX: number): number {
  return (packed >>> 16) * tilesX + (packed & 0xffff);
}

/**
 * Whether `list` (tile indices, any order) is a selection the GPU may produce for `ref`:
 * no duplicates, every required tile, exactly `count` tiles, the others from the cut bin.
 * @returns null when valid, else why not
 */
export function checkSelection(list: readonly number[], ref: TileSelection): string | null {
  const set = new Set(list);
  if (set.size !== list.length) return `duplicates in the list (${list.length} entries, ${set.size} distinct)`;
  if (list.length !== ref.count) return `expected ${ref.count} tiles, got ${list.length}`;
  for (const t of list) if (t < 0 || t >= ref.tilesX * ref.tilesY) return `tile index ${t} out of range`;
  for (const t of ref.required) if (!set.has(t)) return `required tile ${t} (err ${ref.errors[t]}) missing`;
  const ties = new Set(ref.ties);
  const required = new Set(ref.required);
  for (const t of list) {
    if (!required.has(t) && !ties.has(t)) return `tile ${t} (err ${ref.errors[t]}, bin ${ref.bins[t]}) is neither required nor in the cut bin ${ref.cutBin}`;
  }
  return null;
}
