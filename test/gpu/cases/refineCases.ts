// Browser-side cases for the sparse refiner: tile selection (shaders/select_tiles.wgsl) and the
// tile refine (shaders/refine_tiles.wgsl), run through their real pass wrappers, against
// src/gpu/reference/{selectTiles,refineTiles}.ts and against synthetic scenes with an exact
// answer; plus the refine timing used by scripts/bench-refine.ts. Registered as
// window.refineCases (test/gpu/harness.ts imports this module); driven by
// test/gpu/{selectTiles,refineTiles}.spec.ts.
import { createCoarsePass } from '../../../src/gpu/passes/coarse';
import { createPlateStatsPass, PLATE_STATS_BYTES } from '../../../src/gpu/passes/plateStats';
import { createPushPullPass } from '../../../src/gpu/passes/pushPull';
import { createRefineTilesPass } from '../../../src/gpu/passes/refineTiles';
import { DEFAULT_REFINE_PARAMS, type RefineParams } from '../../../src/gpu/params/refine';
import { createSelectTilesPass, createTileBuffers, TILE_SIZE, type TileBuffers } from '../../../src/gpu/passes/selectTiles';
import { createImage, type FloatImage } from '../../../src/gpu/reference/image';
import { refineTilesReference, type RefineInputs, type RefineOutputs } from '../../../src/gpu/reference/refineTiles';
import { checkSelection, selectTilesReference, unpackTile, type TileSelectionParams } from '../../../src/gpu/reference/selectTiles';
import type { BenchResult } from '../../../scripts/lib/gpuBenchProtocol';
import { createGpuTimer, gpu, image, quantize16f, quantize8, read, readU32, rng, submit, timedSubmit, U, upload } from './util';

type Vec3 = [number, number, number];
const clamp01 = (v: number): number => Math.min(Math.max(v, 0), 1);


/** The selection's list (the first `count` entries, unpacked to tile indices), dispatch arguments [x, y, z] and count. */
async function readSelection(device: GPUDevice, buffers: TileBuffers): Promise<{ tiles: number[]; packed: number[]; dispatch: number[]; count: number }> {
  const words = await readU32(device, buffers.dispatch, 4);
  const dispatch = words.slice(0, 3);
  const count = words[3]!;
  const n = Math.min(count, buffers.tilesX * buffers.tilesY);
  const packed = n > 0 ? await readU32(device, buffers.tiles, n) : [];
  return { tiles: packed.map((p) => unpackTile(p, buffers.tilesX)), packed, dispatch, count };
}

function statsBuffer(device: GPUDevice, stats: ArrayLike<number>): GPUBuffer {
  const buffer = device.createBuffer({ label: 'test stats', size: PLATE_STATS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  device.queue.writeBuffer(buffer, 0, Uint32Array.from(stats as ArrayLike<number>));
  return buffer;
}

/** Statistics that make the refiner's plate gain exactly `gain` (count 100 ≥ 16). */
function statsForGain(gain: Vec3): number[] {
  return [Math.round(gain[0] * 100000), Math.round(gain[1] * 100000), Math.round(gain[2] * 100000), 100000, 100000, 100000, 0, 100];
}


/** GPU textures of a refine input set (plate: the frame without one, as the pipeline does). */
function uploadInputs(device: GPUDevice, inputs: RefineInputs) {
  const frame = upload(device, inputs.frame, 'rgba8unorm');
  return {
    frame,
    prior: upload(device, inputs.prior, 'r32float'),
    plate: inputs.plate ? upload(device, inputs.plate, 'rgba8unorm') : frame,
    fgFill: upload(device, inputs.fgFill, 'rgba16float'),
    bgFill: upload(device, inputs.bgFill, 'rgba16float'),
    stats: statsBuffer(device, inputs.stats),
  };
}

/** Refine outputs, alpha preset to the prior and fgr to `fgrInit` (its a should be 0). */
function refineOutputs(device: GPUDevice, W: number, H: number, fgrInit: Vec3) {
  const alpha = device.createTexture({ size: [W, H], format: 'r32float', usage: U.STORAGE_BINDING | U.TEXTURE_BINDING | U.COPY_DST | U.COPY_SRC });
  const fgr = device.createTexture({ size: [W, H], format: 'rgba8unorm', usage: U.STORAGE_BINDING | U.TEXTURE_BINDING | U.COPY_DST | U.COPY_SRC });
  const bytes = new Uint8Array(W * H * 4);
  for (let k = 0; k < W * H; k++) bytes.set([...fgrInit.map((v) => Math.round(v * 255)), 0], k * 4);
  device.queue.writeTexture({ texture: fgr }, bytes, { bytesPerRow: W * 4 }, [W, H]);
  return { alpha, fgr };
}

// ---------------------------------------------------------------------------------------------
// Random scenes for GPU vs reference and sparse vs full.

/**
 * A plate-matting scene of W×H: a textured plate, a person disk with two colours and a soft
 * edge, a camouflage patch (foreground = plate colour), the right half of the background
 * captured one pixel off; prior = true alpha perturbed (confident pixels at 1); push-pull fills
 * at 1/4 resolution; a plate gain; and a 1/4-resolution error map with repeated values.
 */
function randomScene(seed: number, W: number, H: number, hasPlate: boolean): { inputs: RefineInputs; err: FloatImage } {
  const rand = rng(seed);
  const gain: Vec3 = hasPlate ? [1.04, 1, 0.96] : [1, 1, 1];
  const base: Vec3 = [0.2 + 0.3 * rand(), 0.2 + 0.3 * rand(), 0.2 + 0.3 * rand()];
  const plate = quantize8(
    image(W, H, 4, (x, y) => [0, 1, 2].map((c) => clamp01(base[c]! + (0.3 * (c === 0 ? x : y)) / W + 0.08 * Math.sin((x + 2 * c) / 2.3 + y / 3.1) + 0.03 * (rand() - 0.5)))),
  );
  const c1: Vec3 = [0.6 + 0.4 * rand(), 0.1 * rand(), 0.2 * rand()];
  const c2: Vec3 = [0.1 * rand(), 0.5 + 0.5 * rand(), 0.3 * rand()];
  const cx = W * 0.45;
  const cy = H * 0.5;
  const radius = Math.min(W, H) * 0.32;
  const trueAlpha = (x: number, y: number): number => clamp01(0.5 - (Math.hypot(x + 0.5 - cx, y + 0.5 - cy) - radius) / 2.5);
  const platePx = (x: number, y: number): number[] => {
    const sx = x >= W / 2 ? Math.min(x + 1, W - 1) : x; // the right half captured one pixel off
    return [0, 1, 2].map((c) => Math.min(gain[c]! * plate.data[(y * W + sx) * 4 + c]!, 1));
  };
  const frame = quantize8(
    image(W, H, 4, (x, y) => {
      const a = trueAlpha(x, y);
      const camouflage = y < H * 0.3 && x < cx;
      const fg = camouflage ? platePx(x, y) : x < cx ? c1 : c2;
      const bg = platePx(x, y);
      return [0, 1, 2].map((c) => clamp01(a * (fg[c]! + 0.04 * (rand() - 0.5)) + (1 - a) * bg[c]! + (rand() - 0.5) * (3 / 255)));
    }),
  );
  const prior = image(W, H, 1, (x, y) => {
    const a = trueAlpha(x, y);
    if (a >= 0.999) return [rand() < 0.85 ? 1 : 0.9];
    return [clamp01(a + 0.3 * (rand() - 0.5))];
  });
  const cw = Math.ceil(W / 4);
  const ch = Math.ceil(H / 4);
  const fgFill = quantize16f(image(cw, ch, 4, (x) => [0, 1, 2].map((c) => clamp01((x * 4 < cx ? c1 : c2)[c]! + 0.06 * (rand() - 0.5)))));
  const bgFill = quantize16f(image(cw, ch, 4, (x, y) => platePx(Math.min(x * 4 + 1, W - 1), Math.min(y * 4 + 1, H - 1)).map((v) => clamp01(v + 0.04 * (rand() - 0.5)))));
  const levels = [0, 0.5 / 255, 1 / 255, 0.05, 0.3, 0.3, 0.3, 0.6, 0.6, 0.9];
  const err = image(cw, ch, 1, () => [levels[Math.floor(rand() * levels.length)]!]);
  return { inputs: { frame, prior, plate: hasPlate ? plate : null, fgFill, bgFill, stats: statsForGain(gain) }, err };
}

/** Where GPU and reference differ most (channel-wise) over the non-fragile pixels. */
interface Diff {
  max: number;
  at: { x: number; y: number; c: number; gpu: number; ref: number } | null;
}

function maxDiff(W: number, channels: number, gpuData: Float32Array, refData: Float32Array, include: (k: number) => boolean): Diff {
  let max = 0;
  let at: Diff['at'] = null;
  for (let i = 0; i < gpuData.length; i++) {
    const k = Math.floor(i / channels);
    if (!include(k)) continue;
    const d = Math.abs(gpuData[i]! - refData[i]!);
    if (!(d <= max)) {
      max = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
      at = { x: k % W, y: Math.floor(k / W), c: i % channels, gpu: gpuData[i]!, ref: refData[i]! };
    }
  }
  return { max, at };
}

/** Result of refineSparse. */
export interface SparseResult {
  tilesX: number;
  tilesY: number;
  /** The full selection's list and dispatch. */
  full: { tiles: number[]; dispatch: number[] };
  /** The sparse selection's list and dispatch, and whether the reference accepts it (null = yes). */
  sparse: { tiles: number[]; dispatch: number[]; invalid: string | null; refCount: number };
  /** Sparse vs full refine on the selected tiles. */
  sparseVsFull: { alpha: Diff; fgr: Diff; pixels: number; unmarked: number };
  /** Pixels outside the selected tiles whose alpha is not the prior, or whose fgr is not the preset. */
  touched: { alpha: number; fgr: number; pixels: number };
  /**
   * Full refine vs the TS reference on every tile, fragile pixels left out; and how many
   * fragile pixels differ by more than the tolerances (2e-3 alpha, 1/255 + 1e-3 fgr).
   */
  reference: { alpha: Diff; fgr: Diff; fragile: number; fragileDiffer: number; pixels: number };
}

/** Result of refinePartial. */
export interface PartialResult {
  tiles: number;
  /** Tiles refined with the plate: TileBuffers.plateTiles after the GPU refine, and the reference's count. */
  plateTiles: { gpu: number; reference: number };
  /** Plate texels with a < 0.5. */
  unknownTexels: number;
  /** Full refine vs the TS reference, fragile pixels left out (as SparseResult.reference). */
  reference: SparseResult['reference'];
}

/**
 * GPU alpha and fgr against refineTilesReference: max differences over the stable pixels, the
 * fragile pixel count, and how many fragile pixels differ beyond 2e-3 (alpha) or one 8-bit step (fgr).
 */
function referenceComparison(W: number, H: number, alpha: FloatImage, fgr: FloatImage, ref: RefineOutputs, stable: (k: number) => boolean) {
  return {
    alpha: maxDiff(W, 1, alpha.data, ref.alpha.data, stable),
    fgr: maxDiff(W, 4, fgr.data, ref.fgr.data, stable),
    fragile: ref.fragile.reduce((s, v) => s + v, 0),
    fragileDiffer: Array.from(ref.fragile).filter(
      (f, k) => f === 1 && (Math.abs(alpha.data[k]! - ref.alpha.data[k]!) > 2e-3 || [0, 1, 2].some((c) => Math.abs(fgr.data[k * 4 + c]! - ref.fgr.data[k * 4 + c]!) > 1 / 255 + 1e-3)),
    ).length,
    pixels: W * H,
  };
}

const cases = {
  /**
   * Runs the real selection pass on an error map for each parameter set in turn (one pass,
   * one bind, as the pipeline does) and returns each list and dispatch.
   */
  async selectTiles(o: { errWidth: number; errHeight: number; err: number[]; frameWidth: number; frameHeight: number; runs: TileSelectionParams[] }) {
    const device = await gpu();
    const errImg = createImage(o.errWidth, o.errHeight, 1);
    errImg.data.set(o.err);
    const err = upload(device, errImg, 'r32float');
    const buffers = createTileBuffers(device, o.frameWidth, o.frameHeight);
    const pass = createSelectTilesPass(device);
    const bound = pass.bind({ err, buffers });
    const out: { tiles: number[]; packed: number[]; dispatch: number[]; tilesX: number; tilesY: number }[] = [];
    try {
      for (const run of o.runs) {
        pass.setParams(run.mode, run.budget, run.threshold, buffers);
        await submit(device, (e) => pass.encode(e, bound));
        out.push({ ...(await readSelection(device, buffers)), tilesX: buffers.tilesX, tilesY: buffers.tilesY });
      }
    } finally {
      pass.dispose();
      for (const b of [buffers.tiles, buffers.dispatch]) b.destroy();
      err.destroy();
    }
    return out;
  },

  /**
   * A random scene: selection `full` → refine every tile (A); `selection` → refine only those
   * tiles into prior-initialised alpha and preset fgr (B). Compares B with A on the selected
   * tiles, checks B elsewhere is untouched, and A against the TS reference.
   */
  async refineSparse(o: { seed: number; width: number; height: number; hasPlate: boolean; selection: TileSelectionParams }): Promise<SparseResult> {
    const device = await gpu();
    const { width: W, height: H } = o;
    const params: RefineParams = DEFAULT_REFINE_PARAMS;
    const { inputs, err } = randomScene(o.seed, W, H, o.hasPlate);
    const t = uploadInputs(device, inputs);
    const errTex = upload(device, err, 'r32float');
    const preset: Vec3 = [0.2, 0.4, 0.6];
    const tilesFull = createTileBuffers(device, W, H);
    const tilesSparse = createTileBuffers(device, W, H);
    // One selection pass per list: bind() replaces the pass's tile-error buffer, and the params are per pass.
    const selFull = createSelectTilesPass(device);
    const selSparse = createSelectTilesPass(device);
    selFull.setParams('full', 0, 0, tilesFull);
    selSparse.setParams(o.selection.mode, o.selection.budget, o.selection.threshold, tilesSparse);
    const bFull = selFull.bind({ err: errTex, buffers: tilesFull });
    const bSparse = selSparse.bind({ err: errTex, buffers: tilesSparse });
    const refine = createRefineTilesPass(device);
    refine.setParams(o.hasPlate, params);
    const A = refineOutputs(device, W, H, preset);
    const B = refineOutputs(device, W, H, preset);
    const io = { ...t, prior: t.prior };
    const rA = refine.bind({ ...io, buffers: tilesFull, alpha: A.alpha, fgr: A.fgr });
    const rB = refine.bind({ ...io, buffers: tilesSparse, alpha: B.alpha, fgr: B.fgr });
    await submit(device, (e) => {
      e.copyTextureToTexture({ texture: t.prior }, { texture: A.alpha }, [W, H]);
      e.copyTextureToTexture({ texture: t.prior }, { texture: B.alpha }, [W, H]);
      selFull.encode(e, bFull);
      selSparse.encode(e, bSparse);
      refine.encode(e, rA);
      refine.encode(e, rB);
    });
    const full = await readSelection(device, tilesFull);
    const sparse = await readSelection(device, tilesSparse);
    const [alphaA, fgrA, alphaB, fgrB] = [await read(device, A.alpha, 1), await read(device, A.fgr, 4), await read(device, B.alpha, 1), await read(device, B.fgr, 4)];

    const tilesX = tilesFull.tilesX;
    const tileOf = (k: number): number => Math.floor(Math.floor(k / W) / TILE_SIZE) * tilesX + Math.floor((k % W) / TILE_SIZE);
    const selected = new Set(sparse.tiles);
    const inSel = (k: number): boolean => selected.has(tileOf(k));
    let unmarked = 0;
    let touchedAlpha = 0;
    let touchedFgr = 0;
    let selPixels = 0;
    const presetBytes = preset.map((v) => Math.round(v * 255) / 255);
    for (let k = 0; k < W * H; k++) {
      if (inSel(k)) {
        selPixels++;
        if (fgrB.data[k * 4 + 3] !== 1) unmarked++;
      } else {
        if (alphaB.data[k] !== inputs.prior.data[k]) touchedAlpha++;
        if ([0, 1, 2].some((c) => Math.abs(fgrB.data[k * 4 + c]! - presetBytes[c]!) > 1e-6) || fgrB.data[k * 4 + 3] !== 0) touchedFgr++;
      }
    }
    const ref = refineTilesReference(inputs, 'all', params);
    const stable = (k: number): boolean => ref.fragile[k] === 0;
    const refSel = selectTilesReference(err, tilesSparse.tilesX, tilesSparse.tilesY, o.selection);
    const result: SparseResult = {
      tilesX,
      tilesY: tilesFull.tilesY,
      full: { tiles: full.tiles, dispatch: full.dispatch },
      sparse: { tiles: sparse.tiles, dispatch: sparse.dispatch, invalid: checkSelection(sparse.tiles, refSel), refCount: refSel.count },
      sparseVsFull: {
        alpha: maxDiff(W, 1, alphaB.data, alphaA.data, inSel),
        fgr: maxDiff(W, 4, fgrB.data, fgrA.data, inSel),
        pixels: selPixels,
        unmarked,
      },
      touched: { alpha: touchedAlpha, fgr: touchedFgr, pixels: W * H - selPixels },
      reference: referenceComparison(W, H, alphaA, fgrA, ref, stable),
    };
    selFull.dispose();
    selSparse.dispose();
    refine.dispose();
    for (const tex of [t.frame, t.prior, t.plate, t.fgFill, t.bgFill, errTex, A.alpha, A.fgr, B.alpha, B.fgr]) tex.destroy();
    for (const b of [t.stats, tilesFull.tiles, tilesFull.dispatch, tilesSparse.tiles, tilesSparse.dispatch]) b.destroy();
    return result;
  },

  /** A synthetic known-background scene with an exact answer, refined on every tile. */
  async refineKnown(name: KnownScene): Promise<KnownResult> {
    const device = await gpu();
    const s = knownScene(name);
    const { width: W, height: H } = s.inputs.frame;
    const t = uploadInputs(device, s.inputs);
    const buffers = createTileBuffers(device, W, H);
    const errTex = upload(device, createImage(Math.ceil(W / 4), Math.ceil(H / 4), 1), 'r32float');
    const select = createSelectTilesPass(device);
    select.setParams('full', 0, 0, buffers);
    const sb = select.bind({ err: errTex, buffers });
    const refine = createRefineTilesPass(device);
    // The known-background rule is checked on the raw matte (the guided filter is checked against the reference elsewhere).
    const known = { ...DEFAULT_REFINE_PARAMS, filterPlate: false };
    refine.setParams(s.inputs.plate !== null, known);
    const out = refineOutputs(device, W, H, [0, 0, 0]);
    const rb = refine.bind({ ...t, buffers, alpha: out.alpha, fgr: out.fgr });
    await submit(device, (e) => {
      e.copyTextureToTexture({ texture: t.prior }, { texture: out.alpha }, [W, H]);
      select.encode(e, sb);
      refine.encode(e, rb);
    });
    const alpha = await read(device, out.alpha, 1);
    const fgr = await read(device, out.fgr, 4);
    const ref = refineTilesReference(s.inputs, 'all', known);
    select.dispose();
    refine.dispose();
    for (const tex of [t.frame, t.prior, t.plate, t.fgFill, t.bgFill, errTex, out.alpha, out.fgr]) tex.destroy();
    for (const b of [t.stats, buffers.tiles, buffers.dispatch]) b.destroy();
    return {
      width: W,
      height: H,
      alpha: [...alpha.data],
      fgr: [...fgr.data],
      refAlpha: [...ref.alpha.data],
      refFragile: ref.fragile.reduce((a, v) => a + v, 0),
      checks: s.checks,
      fgrChecks: s.fgrChecks,
    };
  },

  /**
   * A random scene (as refineSparse) refined on every tile with a plate the background memory
   * knows only in part, every tile known, or no plate:
   *   'partial': a = 0 (and rgb 0, as the memory leaves what it never saw) on x ≥ 0.6·W and on 3 %
   *     of the other texels at random, a = 1 elsewhere: tiles on the left take the plate, tiles
   *     on the right and the one straddling the edge do not;
   *   'known': a = 1 everywhere (a captured plate); 'none': no plate (hasPlate false).
   */
  async refinePartial(o: { seed: number; width: number; height: number; plate: 'partial' | 'known' | 'none'; filterPlate: boolean }): Promise<PartialResult> {
    const device = await gpu();
    const { width: W, height: H } = o;
    const params: RefineParams = { ...DEFAULT_REFINE_PARAMS, filterPlate: o.filterPlate };
    const { inputs } = randomScene(o.seed, W, H, o.plate !== 'none');
    let unknownTexels = 0;
    if (o.plate === 'partial') {
      const rand = rng(o.seed + 1000);
      const plate = inputs.plate!;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const unknown = rand() < 0.03 || x >= 0.6 * W;
          if (unknown) {
            plate.data.fill(0, (y * W + x) * 4, (y * W + x) * 4 + 4);
            unknownTexels++;
          }
        }
      }
    }
    const t = uploadInputs(device, inputs);
    const buffers = createTileBuffers(device, W, H);
    const errTex = upload(device, createImage(Math.ceil(W / 4), Math.ceil(H / 4), 1), 'r32float');
    const select = createSelectTilesPass(device);
    select.setParams('full', 0, 0, buffers);
    const sb = select.bind({ err: errTex, buffers });
    const refine = createRefineTilesPass(device);
    refine.setParams(inputs.plate !== null, params);
    const out = refineOutputs(device, W, H, [0, 0, 0]);
    const rb = refine.bind({ ...t, buffers, alpha: out.alpha, fgr: out.fgr });
    // Garbage in the counter: the refine's encode must clear it.
    device.queue.writeBuffer(buffers.plateTiles, 0, new Uint32Array([12345]));
    await submit(device, (e) => {
      e.copyTextureToTexture({ texture: t.prior }, { texture: out.alpha }, [W, H]);
      select.encode(e, sb);
      refine.encode(e, rb);
    });
    const alpha = await read(device, out.alpha, 1);
    const fgr = await read(device, out.fgr, 4);
    const [plateTiles] = await readU32(device, buffers.plateTiles, 1);
    const ref = refineTilesReference(inputs, 'all', params);
    const stable = (k: number): boolean => ref.fragile[k] === 0;
    select.dispose();
    refine.dispose();
    for (const tex of [t.frame, t.prior, t.plate, t.fgFill, t.bgFill, errTex, out.alpha, out.fgr]) tex.destroy();
    for (const b of [t.stats, buffers.tiles, buffers.dispatch, buffers.plateTiles]) b.destroy();
    return {
      tiles: buffers.tilesX * buffers.tilesY,
      plateTiles: { gpu: plateTiles!, reference: ref.plateTiles },
      unknownTexels,
      reference: referenceComparison(W, H, alpha, fgr, ref, stable),
    };
  },

  /**
   * Timing of the refine pass alone at full size on a real still: plate statistics, coarse
   * stage and push-pull fills run once (the real passes) on the frame, plate and a prior;
   * selection in `sampling` (budget share of the pixels) and `full`; then `iterations` refines
   * of each, interleaved. GPU timestamps around the refine pass when the adapter has
   * 'timestamp-query' (empty timestamped compute passes just before and after it, the refine
   * wrapper records its own pass), wall time submit → onSubmittedWorkDone always. Stops early
   * (after at least 3 rounds) once maxSeconds have passed.
   * @param o.frame / o.plate base64 RGBA8 bytes; o.prior base64 Float32 (width·height)
   */
  async benchRefine(o: { width: number; height: number; frame: string; plate: string; prior: string; iterations: number; maxSeconds: number; budget: number }): Promise<BenchResult> {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter');
    const timestamps = adapter.features.has('timestamp-query');
    const device = await adapter.requestDevice({ requiredFeatures: timestamps ? ['timestamp-query'] : [] });
    const { width: W, height: H } = o;
    const bytes = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const tex = (format: GPUTextureFormat, data: Uint8Array, bpp: number, usage = 0): GPUTexture => {
      const texture = device.createTexture({ size: [W, H], format, usage: U.TEXTURE_BINDING | U.COPY_DST | U.COPY_SRC | usage });
      device.queue.writeTexture({ texture }, data as Uint8Array<ArrayBuffer>, { bytesPerRow: W * bpp }, [W, H]);
      return texture;
    };
    const frame = tex('rgba8unorm', bytes(o.frame), 4);
    const plate = tex('rgba8unorm', bytes(o.plate), 4);
    const prior = tex('r32float', bytes(o.prior), 4);
    const cw = Math.ceil(W / 4);
    const ch = Math.ceil(H / 4);
    const low = (format: GPUTextureFormat): GPUTexture => device.createTexture({ size: [cw, ch], format, usage: U.TEXTURE_BINDING | U.STORAGE_BINDING });
    const [err, fgSeed, bgSeed, fgFill, bgFill] = [low('r32float'), low('rgba16float'), low('rgba16float'), low('rgba16float'), low('rgba16float')];
    const stats = device.createBuffer({ size: PLATE_STATS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const plateStats = createPlateStatsPass(device);
    const coarse = createCoarsePass(device);
    const fillFg = createPushPullPass(device, 'fill-fg');
    const fillBg = createPushPullPass(device, 'fill-bg');
    coarse.setHasPlate(true);
    const tiles = { sampling: createTileBuffers(device, W, H), full: createTileBuffers(device, W, H) };
    const sel = { sampling: createSelectTilesPass(device), full: createSelectTilesPass(device) };
    const tileBudget = Math.floor((o.budget * W * H) / (TILE_SIZE * TILE_SIZE));
    sel.sampling.setParams('sampling', tileBudget, 0, tiles.sampling);
    sel.full.setParams('full', 0, 0, tiles.full);
    const bSel = { sampling: sel.sampling.bind({ err, buffers: tiles.sampling }), full: sel.full.bind({ err, buffers: tiles.full }) };
    const bStats = plateStats.bind({ frame, plate, prior, stats });
    const bCoarse = coarse.bind({ frame, plate, prior, stats, err, fgSeed, bgSeed });
    const bFg = fillFg.bind({ seed: fgSeed, filled: fgFill });
    const bBg = fillBg.bind({ seed: bgSeed, filled: bgFill });
    await submit(device, (e) => {
      plateStats.encode(e, bStats);
      coarse.encode(e, bCoarse);
      fillFg.encode(e, bFg);
      fillBg.encode(e, bBg);
      sel.sampling.encode(e, bSel.sampling);
      sel.full.encode(e, bSel.full);
    });
    const counts = { sampling: (await readU32(device, tiles.sampling.dispatch, 3))[0]!, full: (await readU32(device, tiles.full.dispatch, 3))[0]! };
    const refine = createRefineTilesPass(device);
    refine.setParams(true, DEFAULT_REFINE_PARAMS);
    const outputs = { sampling: refineOutputs(device, W, H, [0, 0, 0]), full: refineOutputs(device, W, H, [0, 0, 0]) };
    const bRefine = {
      sampling: refine.bind({ frame, prior, plate, fgFill, bgFill, stats, buffers: tiles.sampling, ...outputs.sampling }),
      full: refine.bind({ frame, prior, plate, fgFill, bgFill, stats, buffers: tiles.full, ...outputs.full }),
    };
    const timer = timestamps ? createGpuTimer(device) : null;
    const times: Record<'sampling' | 'full', { gpuMs: number[]; wallMs: number[] }> = { sampling: { gpuMs: [], wallMs: [] }, full: { gpuMs: [], wallMs: [] } };
    const once = async (kind: 'sampling' | 'full'): Promise<void> => {
      const t = await timedSubmit(device, timer, (e) => {
        e.copyTextureToTexture({ texture: prior }, { texture: outputs[kind].alpha }, [W, H]);
        if (timer) e.beginComputePass({ timestampWrites: { querySet: timer.querySet, endOfPassWriteIndex: 0 } }).end();
        refine.encode(e, bRefine[kind]);
        if (timer) e.beginComputePass({ timestampWrites: { querySet: timer.querySet, beginningOfPassWriteIndex: 1 } }).end();
      });
      times[kind].wallMs.push(t.wallMs);
      if (t.gpuMs !== null) times[kind].gpuMs.push(t.gpuMs);
    };
    // Warm-up (pipeline compilation, first-touch), then interleaved measurements.
    await once('sampling');
    await once('full');
    times.sampling = { gpuMs: [], wallMs: [] };
    times.full = { gpuMs: [], wallMs: [] };
    const start = performance.now();
    let iterations = 0;
    // At least 3 rounds, then stop at o.iterations or once o.maxSeconds have passed.
    while (iterations < o.iterations && (iterations < 3 || performance.now() - start < o.maxSeconds * 1000)) {
      for (const kind of iterations % 2 === 0 ? (['sampling', 'full'] as const) : (['full', 'sampling'] as const)) await once(kind);
      iterations++;
    }
    const info = adapter.info;
    device.destroy();
    return {
      adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(),
      timestamps,
      iterations,
      tiles: { sampling: counts.sampling, full: counts.full, budget: tileBudget },
      times,
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Known-background scenes with an exact answer.

export type KnownScene = 'blend' | 'shift' | 'camouflage' | 'uniformCamouflage' | 'nearPlate15' | 'nearPlate25' | 'nearPlate26' | 'guidedConstant' | 'guidedStep';

/** Expected alpha per pixel (null: not checked) within a tolerance. */
export interface KnownCheck {
  label: string;
  expected: (number | null)[];
  tolerance: number;
}

/** Expected foreground colour per pixel (null: not checked) within a tolerance per channel. */
export interface KnownFgrCheck {
  label: string;
  expected: (Vec3 | null)[];
  tolerance: number;
}

export interface KnownResult {
  width: number;
  height: number;
  alpha: number[];
  fgr: number[];
  refAlpha: number[];
  refFragile: number;
  checks: KnownCheck[];
  fgrChecks: KnownFgrCheck[];
}

const RED: Vec3 = [1, 0, 0];
const BLUE: Vec3 = [0, 0, 1];
const KW = 48;
const KH = 32;
const TAU = DEFAULT_REFINE_PARAMS.tau;
/** The shader's noise cleaning a' = clamp((a − 0.05) / 0.9). */
const cleaned = (a: number): number => clamp01((a - 0.05) / 0.9);

function fill(W: number, H: number, colour: Vec3): FloatImage {
  return quantize16f(image(Math.ceil(W / 4), Math.ceil(H / 4), 4, () => colour));
}

function knownScene(name: KnownScene): { inputs: RefineInputs; checks: KnownCheck[]; fgrChecks: KnownFgrCheck[] } {
  const W = KW;
  const H = KH;
  const grid = <T>(f: (x: number, y: number) => T): T[] => Array.from({ length: W * H }, (_, k) => f(k % W, Math.floor(k / W)));
  const gainOne = statsForGain([1, 1, 1]);
  switch (name) {
    case 'blend': {
      // Plate: solid blue. Red foreground at x < 16 (prior 1); x 16..23 a ramp of every true alpha
      // k/255 (k = 8y + x − 16, exact in 8 bits: I = (α, 0, 1 − α)), prior 0.5; plain plate from
      // x = 24 with prior 0.5 up to x = 29 (red pixels stand out 15 px to the left) and 0 beyond.
      const alphaOf = (x: number, y: number): number => (x < 16 ? 1 : x < 24 ? (8 * y + x - 16) / 255 : 0);
      const priorOf = (x: number): number => (x < 16 ? 1 : x < 30 ? 0.5 : 0);
      const frame = image(W, H, 4, (x, y) => {
        const a = alphaOf(x, y);
        return [a, 0, 1 - a];
      });
      const inputs: RefineInputs = {
        frame,
        prior: image(W, H, 1, (x) => [priorOf(x)]),
        plate: image(W, H, 4, () => BLUE),
        fgFill: fill(W, H, RED),
        bgFill: fill(W, H, BLUE),
        stats: gainOne,
      };
      // The projection on the red–blue line gives a = α exactly; F = red wins (residual 0.04(α − p)²
      // against 0.04(1 − p)² for I itself); w = |R − B|² / (|R − B|² + τ²) = 2 / (2 + τ²).
      // I is within 0.02 of the plate (background) while α√2 ≤ 0.02, i.e. k ≤ 3, where the red
      // candidates (distance √2 from I) decide: background, 0.
      const w = 2 / (2 + TAU * TAU);
      const exact = (x: number, y: number): number => {
        const a = alphaOf(x, y);
        if (a * Math.SQRT2 <= 0.02) return 0;
        return w * cleaned(a) + (1 - w) * priorOf(x);
      };
      return {
        inputs,
        checks: [
          { label: 'red foreground → 1', expected: grid((x, y) => (x < 16 ? exact(x, y) : null)), tolerance: 1e-5 },
          { label: 'blend: w·clean(α) + (1 − w)·p', expected: grid((x, y) => (x >= 16 && x < 24 ? exact(x, y) : null)), tolerance: 1e-4 },
          // |(1 − w)(p − clean(α))| ≤ (1 − w)/2 ≈ 0.0025 from the trust weight.
          { label: 'blend: the true α after noise cleaning', expected: grid((x, y) => (x >= 16 && x < 24 && alphaOf(x, y) * Math.SQRT2 > 0.02 ? cleaned(alphaOf(x, y)) : null)), tolerance: 0.003 },
          { label: 'plate-only pixels (prior 0.5 or 0) → 0', expected: grid((x) => (x >= 24 ? 0 : null)), tolerance: 0 },
        ],
        fgrChecks: [
          // F = (α'(I − (1 − α')B) + λR)/(α'² + λ) with α' the refined alpha: red where α' = α; the noise
          // cleaning moves α' by up to ≈ 0.05 from α, which moves F by up to ≈ 0.05 (largest near α = 0.95).
          { label: 'blend F ≈ red (α ≥ 0.1)', expected: grid((x, y) => (x < 24 && alphaOf(x, y) >= 0.1 ? RED : null)), tolerance: 0.06 },
        ],
      };
    }
    case 'shift': {
      // Textured plate; the frame is the plate·gain (1.1, 1, 0.9) captured up to one pixel off, a
      // different shift in each of 3×3 regions (all 9 of {−1, 0, 1}²), except a red foreground
      // strip at x 22..25 (α = 1, prior 1). Every other pixel is background: the nearest of its 3×3
      // plate neighbours matches I up to 8-bit rounding (< 0.02), and red candidates from the strip
      // (reachable from x 7..40, where the prior is 0.5) are far from I, so alpha = 0; beyond that
      // the prior is 0. A shader without the shift tolerance would see I stand out from the plate.
      const rand = rng(77);
      const gain: Vec3 = [1.1, 1, 0.9];
      const inStrip = (x: number): boolean => x >= 22 && x < 26;
      const plate = quantize8(image(W, H, 4, () => [0.2 + 0.6 * rand(), 0.2 + 0.6 * rand(), 0.2 + 0.6 * rand()]));
      const frame = quantize8(
        image(W, H, 4, (x, y) => {
          if (inStrip(x)) return RED;
          const sx = Math.floor((3 * x) / W) - 1;
          const sy = Math.floor((3 * y) / H) - 1;
          const qx = Math.min(Math.max(x + sx, 0), W - 1);
          const qy = Math.min(Math.max(y + sy, 0), H - 1);
          return [0, 1, 2].map((c) => Math.min(gain[c]! * plate.data[(qy * W + qx) * 4 + c]!, 1));
        }),
      );
      const priorOf = (x: number): number => (inStrip(x) ? 1 : x >= 7 && x <= 40 ? 0.5 : 0);
      const inputs: RefineInputs = {
        frame,
        prior: image(W, H, 1, (x) => [priorOf(x)]),
        plate,
        fgFill: fill(W, H, RED),
        bgFill: fill(W, H, [0.5, 0.5, 0.5]),
        stats: statsForGain(gain),
      };
      return {
        inputs,
        checks: [
          { label: 'plate up to 1 px off, prior 0.5, foreground candidates far → 0', expected: grid((x) => (!inStrip(x) && priorOf(x) === 0.5 ? 0 : null)), tolerance: 0 },
          { label: 'plate up to 1 px off, prior 0 → 0', expected: grid((x) => (priorOf(x) === 0 ? 0 : null)), tolerance: 0 },
          { label: 'red strip → 1', expected: grid((x) => (inStrip(x) ? 1 : null)), tolerance: 1e-5 },
        ],
        fgrChecks: [],
      };
    }
    case 'camouflage': {
      // Plate: blue for x < 24, red from x = 24. A red object covers x 8..31 (α = 1): over the blue
      // plate it stands out (prior 1: confident candidates); over the red plate I equals the plate,
      // and with red candidates nearby (distance 0 < 0.08) colour cannot tell: alpha = the prior,
      // whatever it is (0.3, 0.6, 0.8, 0.9 by row). Plain plate elsewhere with prior 0 → 0.
      const priorRow = [0.3, 0.6, 0.8, 0.9];
      const priorOf = (x: number, y: number): number => (x >= 8 && x < 24 ? 1 : x >= 24 && x < 32 ? priorRow[y % 4]! : 0);
      const plateOf = (x: number): Vec3 => (x < 24 ? BLUE : RED);
      const inputs: RefineInputs = {
        frame: image(W, H, 4, (x) => (x >= 8 && x < 32 ? RED : plateOf(x))),
        prior: image(W, H, 1, (x, y) => [priorOf(x, y)]),
        plate: image(W, H, 4, (x) => plateOf(x)),
        fgFill: fill(W, H, RED),
        bgFill: fill(W, H, BLUE),
        stats: gainOne,
      };
      return {
        inputs,
        checks: [
          { label: 'red object over the blue plate → 1', expected: grid((x) => (x >= 8 && x < 24 ? 1 : null)), tolerance: 1e-5 },
          { label: 'red object over the red plate → prior', expected: grid((x, y) => (x >= 24 && x < 32 ? priorOf(x, y) : null)), tolerance: 1e-6 },
          { label: 'plain plate, prior 0 → 0', expected: grid((x) => (x < 8 || x >= 32 ? 0 : null)), tolerance: 0 },
        ],
        fgrChecks: [],
      };
    }
    case 'uniformCamouflage': {
      // Uniform grey plate; a foreground of exactly the plate colour over x 16..31 with prior 0.8
      // (rows of 1.0 at y 0..3 make confident pixels that do not stand out): nothing tells them
      // apart, the prior must win. Plate elsewhere with prior 0 → 0.
      const grey: Vec3 = [128 / 255, 128 / 255, 128 / 255];
      const priorOf = (x: number, y: number): number => (x >= 16 && x < 32 ? (y < 4 ? 1 : 0.8) : 0);
      const inputs: RefineInputs = {
        frame: image(W, H, 4, () => grey),
        prior: image(W, H, 1, (x, y) => [priorOf(x, y)]),
        plate: image(W, H, 4, () => grey),
        fgFill: fill(W, H, grey),
        bgFill: fill(W, H, grey),
        stats: gainOne,
      };
      return { inputs, checks: [{ label: 'foreground = plate colour → prior', expected: grid(priorOf), tolerance: 1e-6 }], fgrChecks: [] };
    }
    case 'guidedConstant':
    case 'guidedStep': {
      // No plate: the guided filter. A constant prior comes out unchanged (cov = 0, so a = 0 and
      // b = mean p) on any guide. A prior that is a step aligned with a black/white step in the
      // guide comes out as that step: in every window straddling the edge p = I exactly, so
      // a = var/(var + ε) ≥ 0.099/(0.099 + 0.001) (at least one column of nine on the other side),
      // which leaves alpha within ≈ 0.01 of the step.
      const rand = rng(5);
      const step = name === 'guidedStep';
      const frame = quantize8(image(W, H, 4, (x) => (step ? (x < 21 ? [0, 0, 0] : [1, 1, 1]) : [rand(), rand(), rand()])));
      const priorOf = (x: number): number => (step ? (x < 21 ? 0 : 1) : 0.37);
      const inputs: RefineInputs = {
        frame,
        prior: image(W, H, 1, (x) => [priorOf(x)]),
        plate: null,
        fgFill: fill(W, H, RED),
        bgFill: fill(W, H, BLUE),
        stats: gainOne,
      };
      return {
        inputs,
        checks: [{ label: step ? 'step prior on a step guide → the step' : 'constant prior → unchanged', expected: grid(priorOf), tolerance: step ? 0.012 : 1e-4 }],
        fgrChecks: [],
      };
    }
    case 'nearPlate15':
    case 'nearPlate25':
    case 'nearPlate26': {
      // Uniform grey plate (128/255); a foreground off the plate colour by +k/255 in red over x 16..31,
      // prior 1, fills = the foreground colour. For k = 15 and 25 I stands out from the plate (by
      // more than 0.02) but by less than the candidate contrast 0.1, and so do the confident pixels:
      // colour can hardly tell foreground from plate, the prior (1) should win. k = 26 (0.102) is
      // just past the contrast: the candidates explain I as foreground.
      const k = Number(name.slice('nearPlate'.length));
      const grey: Vec3 = [128 / 255, 128 / 255, 128 / 255];
      const fg: Vec3 = [(128 + k) / 255, 128 / 255, 128 / 255];
      const inObject = (x: number): boolean => x >= 16 && x < 32;
      const inputs: RefineInputs = {
        frame: image(W, H, 4, (x) => (inObject(x) ? fg : grey)),
        prior: image(W, H, 1, (x) => [inObject(x) ? 1 : 0]),
        plate: image(W, H, 4, () => grey),
        fgFill: fill(W, H, fg),
        bgFill: fill(W, H, grey),
        stats: gainOne,
      };
      return {
        inputs,
        checks: [
          { label: `foreground +${k}/255 off the plate colour, prior 1 → ≈ 1`, expected: grid((x) => (inObject(x) ? 1 : null)), tolerance: 0.05 },
          { label: 'plate, prior 0 → 0', expected: grid((x) => (inObject(x) ? null : 0)), tolerance: 0 },
        ],
        fgrChecks: [],
      };
    }
  }
}

declare global {
  interface Window {
    refineCases: typeof cases;
  }
}
window.refineCases = cases;
