// Browser-side cases for BackgroundMattingV2's learned refiner (shaders/refine_learned.wgsl via
// createRefineLearnedPass): a random-weight refiner built as a dense (full mode) ONNX graph and
// run by onnxruntime-web (wasm backend) against the sparse WGSL refiner on the tiles the real
// selection pass picks, and against the TS reference (src/gpu/reference/refineLearned.ts);
// plus the timing of the refine at 1280×720. Registered as window.learnedCases
// (test/gpu/harness.ts imports this module); driven by test/gpu/refineLearned.spec.ts.
import { assetsAt } from '../../../src/assets';
import { createRefineLearnedPass, createRefinerWeightsBuffer, type CoarseBuffers } from '../../../src/gpu/passes/refineLearned';
import { createSelectTilesPass, createTileBuffers, TILE_SIZE, type TileBuffers } from '../../../src/gpu/passes/selectTiles';
import { createImage, type FloatImage } from '../../../src/gpu/reference/image';
import { learnedRefineDense, learnedRefinePatches, patchesOfTiles, type LearnedRefineInputs } from '../../../src/gpu/reference/refineLearned';
import { readRefinerWeights } from '../../../src/models/bgmv2/refinerWeights';
import { configureOrt, ort } from '../../../src/models/ortRuntime';
import { denseRefinerModel, randomRefinerInputs as randomInputs, randomRefinerParams } from './bgmv2Model';
import { createGpuTimer, gpu, read, readU32, rng, storageBuffer, submit, timedSubmit, U, upload } from './util';

const clamp01 = (v: number): number => Math.min(Math.max(v, 0), 1);
/** What the outputs hold before the refine: alpha −1, fgr (7, 77, 177, 0)/255 — so any write shows. */
const ALPHA_SENTINEL = -1;
const FGR_SENTINEL = [7, 77, 177, 0];

/** An image's RGB as NCHW [1,3,H,W] float32 (what the ONNX model takes). */
function nchw(img: FloatImage): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) out[c * n + p] = img.data[p * img.channels + c]!;
  return out;
}



/** Refine outputs preset to the sentinels. */
function sentinelOutputs(device: GPUDevice, W: number, H: number): { alpha: GPUTexture; fgr: GPUTexture } {
  const usage = U.STORAGE_BINDING | U.TEXTURE_BINDING | U.COPY_DST | U.COPY_SRC;
  const alpha = device.createTexture({ size: [W, H], format: 'r32float', usage });
  const fgr = device.createTexture({ size: [W, H], format: 'rgba8unorm', usage });
  device.queue.writeTexture({ texture: alpha }, new Float32Array(W * H).fill(ALPHA_SENTINEL), { bytesPerRow: W * 4 }, [W, H]);
  const bytes = new Uint8Array(W * H * 4);
  for (let p = 0; p < W * H; p++) bytes.set(FGR_SENTINEL, p * 4);
  device.queue.writeTexture({ texture: fgr }, bytes, { bytesPerRow: W * 4 }, [W, H]);
  return { alpha, fgr };
}

/** Uploads the inputs: frame and plate textures, coarse buffers. */
function uploadInputs(device: GPUDevice, inputs: LearnedRefineInputs): { src: GPUTexture; bgr: GPUTexture; coarse: CoarseBuffers; destroy(): void } {
  const src = upload(device, inputs.src, 'rgba8unorm');
  const bgr = upload(device, inputs.bgr, 'rgba8unorm');
  const c = inputs.coarse;
  const coarse: CoarseBuffers = {
    pha: storageBuffer(device, c.pha, 'coarse pha'),
    fgr: storageBuffer(device, c.fgr, 'coarse fgr'),
    hid: storageBuffer(device, c.hid, 'coarse hid'),
    width: c.width,
    height: c.height,
  };
  return {
    src,
    bgr,
    coarse,
    destroy() {
      for (const t of [src, bgr]) t.destroy();
      for (const b of [coarse.pha, coarse.fgr, coarse.hid]) b.destroy();
    },
  };
}

/** Largest difference and where. */
interface Worst {
  max: number;
  at: { x: number; y: number; c: number; gpu: number; expected: number } | null;
}

function worst(): Worst {
  return { max: 0, at: null };
}

function note(w: Worst, d: number, x: number, y: number, c: number, gpuValue: number, expected: number): void {
  const v = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  if (v > w.max || (w.at === null && v >= w.max)) {
    w.max = v;
    w.at = { x, y, c, gpu: gpuValue, expected };
  }
}

/** Result of refineVsOnnx. */
export interface LearnedResult {
  tilesX: number;
  tilesY: number;
  /** Selected tiles (indices y·tilesX + x) and the dispatch count. */
  tiles: number[];
  count: number;
  /** Pixels of the selected tiles inside the frame. */
  refinedPixels: number;
  /** Of those, where onnxruntime's pha lies strictly inside 0..1 / where residual + src lies inside 0..1 in every channel (the clamps hide nothing there). */
  unclampedPha: number;
  unclampedFgr: number;
  /** WGSL vs onnxruntime on the selected tiles: alpha (r32float) vs clamp(pha); fgr (rgba8) vs clamp(residual + src). */
  onnx: { alpha: Worst; fgr: Worst };
  /** WGSL vs the TS reference (patch mode, float64) on the selected tiles, same quantities. */
  reference: { alpha: Worst; fgr: Worst };
  /** The TS reference (dense, raw) vs onnxruntime (raw) on every pixel: pha and fgr residual. */
  referenceVsOnnx: Worst;
  /** Selected pixels not marked refined (fgr a ≠ 1). */
  unmarked: number;
  /** Pixels outside the selected tiles whose alpha or fgr changed from the sentinel. */
  touched: { alpha: number; fgr: number; pixels: number };
}

const cases = {
  /**
   * Builds a random-weight BGMv2 refiner as a dense ONNX graph, runs it with onnxruntime-web
   * (wasm), reads the same file's weights for the WGSL pass, selects tiles with the real
   * selection pass (thresholding a random error map) and refines them.
   */
  async refineVsOnnx(o: { seed: number; width: number; height: number; coarseWidth: number; coarseHeight: number; share: number }): Promise<LearnedResult> {
    const { width: W, height: H, coarseWidth: wc, coarseHeight: hc } = o;
    const rand = rng(o.seed);
    const params = randomRefinerParams(rand);
    const bytes = denseRefinerModel(params, W, H, wc, hc);
    const weights = readRefinerWeights(bytes);
    const inputs = randomInputs(rand, W, H, wc, hc);

    configureOrt(assetsAt('/', location.href));
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    let onnxOut: Float32Array;
    try {
      const feeds = {
        src: new ort.Tensor('float32', nchw(inputs.src), [1, 3, H, W]),
        bgr: new ort.Tensor('float32', nchw(inputs.bgr), [1, 3, H, W]),
        pha: new ort.Tensor('float32', inputs.coarse.pha, [1, 1, hc, wc]),
        fgr: new ort.Tensor('float32', inputs.coarse.fgr, [1, 3, hc, wc]),
        hid: new ort.Tensor('float32', inputs.coarse.hid, [1, 32, hc, wc]),
      };
      const result = await session.run(feeds);
      onnxOut = (await result.out!.getData()) as Float32Array;
    } finally {
      await session.release();
    }

    const device = await gpu();
    const gpuInputs = uploadInputs(device, inputs);
    const weightsBuffer = createRefinerWeightsBuffer(device, weights);
    const buffers = createTileBuffers(device, W, H);
    const select = createSelectTilesPass(device);
    const refine = createRefineLearnedPass(device);
    const outputs = sentinelOutputs(device, W, H);
    // Error map at 1/4 resolution: each texel high with probability q, so a tile (2×2 texels) is picked with probability ≈ share.
    const q = 1 - (1 - o.share) ** 0.25;
    const errImg = createImage(Math.ceil(W / 4), Math.ceil(H / 4), 1);
    for (let i = 0; i < errImg.data.length; i++) errImg.data[i] = rand() < q ? 0.9 : 0.1 * rand();
    const err = upload(device, errImg, 'r32float');
    try {
      select.setParams('thresholding', 0, 0.5, buffers);
      const bSelect = select.bind({ err, buffers });
      const bRefine = refine.bind({ ...gpuInputs, buffers, weights: weightsBuffer, ...outputs });
      await submit(device, (e) => {
        select.encode(e, bSelect);
        refine.encode(e, bRefine);
      });
      const count = (await readU32(device, buffers.dispatch, 4))[3]!;
      const packed = count > 0 ? await readU32(device, buffers.tiles, count) : [];
      const alpha = await read(device, outputs.alpha, 1);
      const fgr = await read(device, outputs.fgr, 4);
      return compareAll({ W, H, buffers, packed, count, inputs, onnxOut, alpha, fgr, weights: weights.layers });
    } finally {
      for (const t of [err, outputs.alpha, outputs.fgr]) t.destroy();
      for (const b of [weightsBuffer, buffers.tiles, buffers.dispatch, buffers.errors]) b.destroy();
      gpuInputs.destroy();
      select.dispose();
      refine.dispose();
    }
  },

  /**
   * Times the refine alone at width×height with random weights and inputs (coarse at 1/4):
   * `share` of the tiles (sampling, top-k of a random error map) vs every tile (full),
   * interleaved, after one warm-up each; at least 2 rounds, then until `iterations` or
   * `maxSeconds`. GPU timestamps when the adapter has 'timestamp-query', wall time submit →
   * onSubmittedWorkDone always.
   */
  async benchLearned(o: { width: number; height: number; share: number; iterations: number; maxSeconds: number }): Promise<LearnedBench> {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter');
    const timestamps = adapter.features.has('timestamp-query');
    const device = await adapter.requestDevice({ requiredFeatures: timestamps ? ['timestamp-query'] : [] });
    try {
      const { width: W, height: H } = o;
      const rand = rng(1);
      const weights = readRefinerWeights(denseRefinerModel(randomRefinerParams(rand), W, H, W / 4, H / 4));
      const inputs = randomInputs(rand, W, H, W / 4, H / 4);
      const gpuInputs = uploadInputs(device, inputs);
      const weightsBuffer = createRefinerWeightsBuffer(device, weights);
      const errImg = createImage(Math.ceil(W / 4), Math.ceil(H / 4), 1);
      for (let i = 0; i < errImg.data.length; i++) errImg.data[i] = 0.02 + 0.96 * rand();
      const err = upload(device, errImg, 'r32float');
      const tilesTotal = Math.ceil(W / TILE_SIZE) * Math.ceil(H / TILE_SIZE);
      const budget = Math.round(o.share * tilesTotal);
      const kinds = ['sparse', 'full'] as const;
      const buffers = { sparse: createTileBuffers(device, W, H), full: createTileBuffers(device, W, H) };
      const select = { sparse: createSelectTilesPass(device), full: createSelectTilesPass(device) };
      select.sparse.setParams('sampling', budget, 0, buffers.sparse);
      select.full.setParams('full', 0, 0, buffers.full);
      await submit(device, (e) => {
        for (const k of kinds) select[k].encode(e, select[k].bind({ err, buffers: buffers[k] }));
      });
      const counts = { sparse: (await readU32(device, buffers.sparse.dispatch, 4))[3]!, full: (await readU32(device, buffers.full.dispatch, 4))[3]! };
      const refine = createRefineLearnedPass(device);
      const outputs = sentinelOutputs(device, W, H);
      const bound = {
        sparse: refine.bind({ ...gpuInputs, buffers: buffers.sparse, weights: weightsBuffer, ...outputs }),
        full: refine.bind({ ...gpuInputs, buffers: buffers.full, weights: weightsBuffer, ...outputs }),
      };
      const timer = timestamps ? createGpuTimer(device) : null;
      const times = { sparse: { gpuMs: [] as number[], wallMs: [] as number[] }, full: { gpuMs: [] as number[], wallMs: [] as number[] } };
      const once = async (kind: (typeof kinds)[number]): Promise<void> => {
        const t = await timedSubmit(device, timer, (e) =>
          refine.encode(e, bound[kind], timer ? { querySet: timer.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } : undefined),
        );
        times[kind].wallMs.push(t.wallMs);
        if (t.gpuMs !== null) times[kind].gpuMs.push(t.gpuMs);
      };
      await once('sparse');
      await once('full');
      for (const k of kinds) times[k] = { gpuMs: [], wallMs: [] };
      const start = performance.now();
      let iterations = 0;
      while (iterations < o.iterations && (iterations < 2 || performance.now() - start < o.maxSeconds * 1000)) {
        for (const k of iterations % 2 === 0 ? kinds : ([...kinds].reverse() as ('sparse' | 'full')[])) await once(k);
        iterations++;
      }
      refine.dispose();
      for (const k of kinds) select[k].dispose();
      const info = adapter.info;
      return { adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(), timestamps, iterations, tiles: { sparse: counts.sparse, full: counts.full, budget }, times };
    } finally {
      // Destroys every resource made on this device.
      device.destroy();
    }
  },
};

/** Result of benchLearned. */
export interface LearnedBench {
  adapter: string;
  timestamps: boolean;
  iterations: number;
  tiles: { sparse: number; full: number; budget: number };
  times: Record<'sparse' | 'full', { gpuMs: number[]; wallMs: number[] }>;
}

/** The comparisons of refineVsOnnx, on the CPU. */
function compareAll(a: {
  W: number;
  H: number;
  buffers: TileBuffers;
  packed: number[];
  count: number;
  inputs: LearnedRefineInputs;
  onnxOut: Float32Array;
  alpha: FloatImage;
  fgr: FloatImage;
  weights: Parameters<typeof learnedRefineDense>[1];
}): LearnedResult {
  const { W, H, packed, inputs, onnxOut, alpha, fgr } = a;
  const n = W * H;
  const { tilesX, tilesY } = a.buffers;
  const selected = new Uint8Array(n);
  for (const t of packed) {
    const tx = t & 0xffff;
    const ty = t >>> 16;
    for (let y = ty * TILE_SIZE; y < Math.min((ty + 1) * TILE_SIZE, H); y++) for (let x = tx * TILE_SIZE; x < Math.min((tx + 1) * TILE_SIZE, W); x++) selected[y * W + x] = 1;
  }
  const patches = learnedRefinePatches(inputs, a.weights, patchesOfTiles(packed, W, H));
  const dense = learnedRefineDense(inputs, a.weights);
  const onnx = { alpha: worst(), fgr: worst() };
  const reference = { alpha: worst(), fgr: worst() };
  const referenceVsOnnx = worst();
  let refinedPixels = 0;
  let unclampedPha = 0;
  let unclampedFgr = 0;
  let unmarked = 0;
  const touched = { alpha: 0, fgr: 0, pixels: 0 };
  for (let p = 0; p < n; p++) {
    const x = p % W;
    const y = Math.floor(p / W);
    for (let c = 0; c < 4; c++) {
      const raw = c === 0 ? dense.pha[p]! : dense.fgr[(c - 1) * n + p]!;
      note(referenceVsOnnx, Math.abs(raw - onnxOut[c * n + p]!), x, y, c, raw, onnxOut[c * n + p]!);
    }
    if (!selected[p]) {
      touched.pixels++;
      if (alpha.data[p] !== ALPHA_SENTINEL) touched.alpha++;
      if ([0, 1, 2, 3].some((c) => Math.round(fgr.data[p * 4 + c]! * 255) !== FGR_SENTINEL[c])) touched.fgr++;
      continue;
    }
    refinedPixels++;
    if (fgr.data[p * 4 + 3] !== 1) unmarked++;
    const onnxPha = onnxOut[p]!;
    if (onnxPha > 0 && onnxPha < 1) unclampedPha++;
    note(onnx.alpha, Math.abs(alpha.data[p]! - clamp01(onnxPha)), x, y, 0, alpha.data[p]!, clamp01(onnxPha));
    note(reference.alpha, Math.abs(alpha.data[p]! - clamp01(patches.pha[p]!)), x, y, 0, alpha.data[p]!, clamp01(patches.pha[p]!));
    let inside = true;
    for (let c = 0; c < 3; c++) {
      const s = inputs.src.data[p * 4 + c]!;
      const fromOnnx = onnxOut[(1 + c) * n + p]! + s;
      if (!(fromOnnx > 0 && fromOnnx < 1)) inside = false;
      const fromRef = clamp01(patches.fgr[c * n + p]! + s);
      const g = fgr.data[p * 4 + c]!;
      note(onnx.fgr, Math.abs(g - clamp01(fromOnnx)), x, y, c + 1, g, clamp01(fromOnnx));
      note(reference.fgr, Math.abs(g - fromRef), x, y, c + 1, g, fromRef);
    }
    if (inside) unclampedFgr++;
  }
  const tiles = packed.map((t) => (t >>> 16) * tilesX + (t & 0xffff));
  return { tilesX, tilesY, tiles, count: a.count, refinedPixels, unclampedPha, unclampedFgr, onnx, reference, referenceVsOnnx, unmarked, touched };
}

declare global {
  interface Window {
    learnedCases: typeof cases;
  }
}
window.learnedCases = cases;
