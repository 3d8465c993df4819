// The RVM path of the frame pipeline (matting 'rvm'): Robust Video Matting on the pipeline's
// device as the prior of the classic matting stages, loaded the way the engine loads it (the
// installed files the spec serves), against a reference made of the passes' TS references and
// TensorFlow.js's CPU backend running the original graph on the same frames. Registered as
// window.rvmCases (test/gpu/harness.ts imports this module); driven by test/gpu/rvmPipeline.spec.ts.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { assetsAt } from '../../../src/assets';
import { createGpuContext } from '../../../src/gpu/device';
import { downsampleReference } from '../../../src/gpu/reference/downsample';
import { createImage } from '../../../src/gpu/reference/image';
import { tensorFromTextureReference } from '../../../src/gpu/reference/tensorFromTexture';
import { rvmFgrReference } from '../../../src/gpu/reference/rvmFgr';
import { rvmFillRegionReference, rvmFuseReference } from '../../../src/gpu/reference/rvmFuse';
import { tensorToTextureReference } from '../../../src/gpu/reference/tensorToTexture';
import { createRvmFgrPass } from '../../../src/gpu/passes/rvmFgr';
import { createRvmFillRegionPass, RVM_FILL_RADIUS } from '../../../src/gpu/passes/rvmFillRegion';
import { createRvmFusePass } from '../../../src/gpu/passes/rvmFuse';
import { loadInstalledRvm } from '../../../src/models/rvm/installed';
import { RvmNetwork } from '../../../src/models/rvm/runtime';
import { resolveOptions } from '../../../src/options';
import { FramePipeline } from '../../../src/pipeline/framePipeline';
import { RVM_COARSE_LONG_SIDE, rvmInputSize } from '../../../src/pipeline/stages/rvmPrior';
import { type CpuBaseNetwork } from '../../../src/types/network';
import { Engine } from '../../../src/worker/engine';
import { VideoFrameImporter } from '../../../src/worker/videoFrameInput';
import { compare, gpu, output, quantize8, randomImage, read, rng, storageBuffer, submit, U, upload } from './util';

/** A base network that must not be called: the RVM path does not segment. */
const unusedSegmenter: CpuBaseNetwork = {
  kind: 'cpu',
  width: 64,
  height: 64,
  segment: () => Promise.reject(new Error('the segmentation network ran on the RVM path')),
  close: () => {},
};

const TILE = 8;

const cases = {
  /**
   * Frames (RGBA 8-bit, W×H) through a pipeline on matting 'rvm' with the installed RVM, no
   * temporal smoothing and no background memory.
   * @returns which matting each frame took, how many scales the reference ran, and per RVM
   *   frame the largest and mean difference of the pipeline's alpha (8-bit pha read-back) from
   *   the reference over the pixels of tiles the refiner did not select (there alpha is the
   *   prior), with how many were compared, how many of those differ by more than half an 8-bit
   *   step + 2e-3, and how many tiles were refined; and the same for the foreground F (the `fgr`
   *   view, 8-bit RGB) against the reference's RVM F over those pixels, with how many pixels of
   *   the edge (reference alpha in 0.05..0.95) have an F that differs from the frame by more than
   *   two 8-bit steps (the network's F is used, not the frame's colour)
   */
  async rvmPipeline(frames: number[][], W: number, H: number) {
    const { device } = await createGpuContext();
    const installed = await loadInstalledRvm(assetsAt('/', location.href));
    const network = await RvmNetwork.create(device, installed.graph, installed.weights);
    const options = resolveOptions({ mode: 'color', matting: 'rvm', temporalSmoothing: 0, backgroundMemory: false });
    const pipeline = new FramePipeline(device, unusedSegmenter, options);
    const importer = new VideoFrameImporter(device);
    const mattings: string[] = [];
    const got: { pha: Uint8ClampedArray | Uint8Array; fgr: Uint8ClampedArray | Uint8Array; tiles: number[] }[] = [];
    try {
      pipeline.setRvm(network);
      for (const [i, px] of frames.entries()) {
        const frame = new VideoFrame(new Uint8ClampedArray(px).buffer, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: i });
        try {
          const result = await pipeline.process(importer.input(frame), ['pha', 'fgr']);
          mattings.push(result.matting);
          got.push({ pha: result.readbacks.pha!.data, fgr: result.readbacks.fgr!.data, tiles: await pipeline.debugSelectedTiles() });
        } finally {
          frame.close();
        }
      }
    } finally {
      pipeline.dispose();
      importer.dispose();
      network.destroy();
      device.destroy();
    }

    // The reference: per scale, area-downsampled (rgba8unorm), NHWC, the graph on the CPU with
    // the scale's recurrent state, pha upsampled bilinearly and clamped; two scales fused.
    await tf.setBackend('cpu');
    const g = installed.graph as { modelTopology: object; format: string; signature: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
    const model = await loadGraphModel(tf.io.fromMemory({ modelTopology: g.modelTopology, format: g.format, signature: g.signature, weightSpecs: g.weightsManifest.flatMap((m) => m.weights), weightData: installed.weights }));
    const fine = rvmInputSize(W, H);
    const coarse = rvmInputSize(W, H, RVM_COARSE_LONG_SIDE);
    const sizes = coarse.width < fine.width || coarse.height < fine.height ? [fine, coarse] : [fine];
    const states: tf.Tensor[][] = sizes.map(() => [0, 1, 2, 3].map(() => tf.scalar(0)));
    const ratio = tf.scalar(1);
    type Diff = { max: number; mean: number; compared: number; over: number };
    const diffs: (Diff & { tiles: number; fgr: Diff & { changed: number } })[] = [];
    for (const [i, px] of frames.entries()) {
      const image = createImage(W, H, 4);
      px.forEach((v, k) => (image.data[k] = v / 255));
      const phas = [];
      let fineF: { fgr: Float32Array; src: Float32Array } | null = null;
      for (const [k, size] of sizes.entries()) {
        const low = quantize8(downsampleReference(image, size.width, size.height));
        const srcData = tensorFromTextureReference(low, 'nhwc');
        const src = tf.tensor4d(srcData, [1, size.height, size.width, 3]);
        const state = states[k]!;
        const [fgr, pha, ...next] = (await model.executeAsync({ src, r1i: state[0]!, r2i: state[1]!, r3i: state[2]!, r4i: state[3]!, downsample_ratio: ratio }, ['fgr', 'pha', 'r1o', 'r2o', 'r3o', 'r4o'])) as tf.Tensor[];
        phas.push(tensorToTextureReference((await pha!.data()) as Float32Array, { channels: 1, width: size.width, height: size.height, channel: 0 }, W, H, true));
        if (k === 0) fineF = { fgr: (await fgr!.data()) as Float32Array, src: srcData };
        tf.dispose([src, fgr!, pha!, ...state]);
        states[k] = next;
      }
      const prior = phas.length === 1 ? phas[0]! : rvmFuseReference(phas[1]!, phas[0]!, rvmFillRegionReference(phas[1]!, phas[0]!, sizes[1]!.width, sizes[1]!.height, RVM_FILL_RADIUS));
      const F = rvmFgrReference(fineF!.fgr, fineF!.src, sizes[0]!, image, phas[0]!, prior);
      const refined = new Uint8Array(W * H);
      for (const packed of got[i]!.tiles) {
        const [tx, ty] = [(packed & 0xffff) * TILE, (packed >>> 16) * TILE];
        for (let y = ty; y < Math.min(ty + TILE, H); y++) for (let x = tx; x < Math.min(tx + TILE, W); x++) refined[y * W + x] = 1;
      }
      const pha = { max: 0, sum: 0, compared: 0, over: 0 };
      const fgr = { max: 0, sum: 0, compared: 0, over: 0, changed: 0 };
      const add = (acc: typeof pha, d: number): void => {
        if (d > 0.5 / 255 + 2e-3) acc.over++;
        acc.max = Math.max(acc.max, d);
        acc.sum += d;
        acc.compared++;
      };
      for (let p = 0; p < W * H; p++) {
        if (refined[p]) continue;
        add(pha, Math.abs(got[i]!.pha[p]! / 255 - prior.data[p]!));
        for (let c = 0; c < 3; c++) add(fgr, Math.abs(got[i]!.fgr[p * 4 + c]! / 255 - F.data[p * 4 + c]!));
        const a = prior.data[p]!;
        if (a > 0.05 && a < 0.95 && [0, 1, 2].some((c) => Math.abs(F.data[p * 4 + c]! - image.data[p * 4 + c]!) > 2 / 255)) fgr.changed++;
      }
      const summary = (acc: typeof pha): Diff => ({ max: acc.max, mean: acc.sum / Math.max(acc.compared, 1), compared: acc.compared, over: acc.over });
      diffs.push({ ...summary(pha), tiles: got[i]!.tiles.length, fgr: { ...summary(fgr), changed: fgr.changed } });
    }
    tf.dispose([...states.flat(), ratio]);
    model.dispose();
    return { mattings, scales: sizes.length, diffs, licence: installed.licence };
  },

  /**
   * A cut: `before` frames of one scene, then `after` frames of another, through a pipeline on
   * matting 'rvm' with the background memory on (no plate, no temporal smoothing).
   * @returns per frame, how many times RVM's recurrent state had been started again when the
   *   frame was done, and the memory's scene changes by then
   */
  async rvmSceneCut(sceneA: number[], sceneB: number[], W: number, H: number, before: number, after: number) {
    const { device } = await createGpuContext();
    const installed = await loadInstalledRvm(assetsAt('/', location.href));
    const network = await RvmNetwork.create(device, installed.graph, installed.weights);
    const reset = network.reset.bind(network);
    let resets = 0;
    network.reset = () => {
      resets++;
      reset();
    };
    const options = resolveOptions({ mode: 'color', matting: 'rvm', temporalSmoothing: 0, backgroundMemory: true });
    const pipeline = new FramePipeline(device, unusedSegmenter, options);
    const importer = new VideoFrameImporter(device);
    const counts: { resets: number; memory: number | null }[] = [];
    try {
      pipeline.setRvm(network);
      for (let i = 0; i < before + after; i++) {
        const px = i < before ? sceneA : sceneB;
        const frame = new VideoFrame(new Uint8ClampedArray(px).buffer, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: i });
        try {
          await pipeline.process(importer.input(frame));
        } finally {
          frame.close();
        }
        counts.push({ resets, memory: pipeline.memoryStats?.resets ?? null });
      }
    } finally {
      pipeline.dispose();
      importer.dispose();
      network.destroy();
      device.destroy();
    }
    return counts;
  },

  /**
   * shaders/rvm_fill_core.wgsl + rvm_fill_region.wgsl + rvm_fuse.wgsl vs src/gpu/reference/rvmFuse.ts
   * on a W×H frame (grid gw×gh): the coarse alpha sure of the foreground (0.96..1) in a wide
   * block (16×12 texels) and a narrow stripe (2 texels wide) and random elsewhere, a third of
   * those values on or around the ramp (0.9..0.95) and the ends; the fine alpha random below
   * 0.99, with a few full pixels (≥ 0.99) outside the block.
   * @returns the region's and the prior's comparisons, and the region's share in the block's
   *   inner part and along the stripe (away from the block)
   */
  async rvmFuse(W: number, H: number, gw: number, gh: number, seed: number) {
    const device = await gpu();
    const rand = rng(seed);
    const coarse = createImage(W, H, 1);
    const fine = createImage(W, H, 1);
    const special = [0, 0.05, 0.075, 0.1, 0.9, 0.925, 0.95, 1];
    const block = { x0: 4, y0: 4, x1: 20, y1: 16 };
    const stripeX = 30;
    const texelOf = (x: number, y: number): [number, number] => [Math.floor((x * gw) / W), Math.floor((y * gh) / H)];
    const inBlock = (tx: number, ty: number): boolean => tx >= block.x0 && tx < block.x1 && ty >= block.y0 && ty < block.y1;
    const inStripe = (tx: number, ty: number): boolean => tx >= stripeX && tx < stripeX + 2;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = y * W + x;
        const [tx, ty] = texelOf(x, y);
        const sure = inBlock(tx, ty) || inStripe(tx, ty);
        coarse.data[p] = sure ? 0.96 + 0.04 * rand() : rand() < 0.33 ? special[Math.floor(rand() * special.length)]! + (rand() - 0.5) * 0.02 : rand();
        fine.data[p] = !inBlock(tx, ty) && rand() < 0.05 ? 0.99 + 0.01 * rand() : 0.99 * rand();
      }
    }
    const c = upload(device, coarse, 'r32float');
    const f = upload(device, fine, 'r32float');
    const grid = (): GPUTexture => output(device, gw, gh, 'r32float', U.STORAGE_BINDING | U.COPY_SRC);
    const [core, region] = [grid(), grid()];
    const prior = output(device, W, H, 'r32float', U.STORAGE_BINDING | U.COPY_SRC);
    const fill = createRvmFillRegionPass(device);
    const fuse = createRvmFusePass(device);
    await submit(device, (e) => {
      fill.encode(e, fill.bind({ coarse: c, fine: f, core, region }));
      fuse.encode(e, fuse.bind({ coarse: c, fine: f, region, prior }));
    });
    const actualRegion = await read(device, region, 1);
    const actual = await read(device, prior, 1);
    for (const t of [c, f, core, region, prior]) t.destroy();
    const expectedRegion = rvmFillRegionReference(coarse, fine, gw, gh, RVM_FILL_RADIUS);
    const expected = rvmFuseReference(coarse, fine, expectedRegion);
    const share = (keep: (tx: number, ty: number) => boolean): number => {
      let n = 0;
      let inside = 0;
      for (let ty = 0; ty < gh; ty++) for (let tx = 0; tx < gw; tx++) if (keep(tx, ty)) (n++, (inside += actualRegion.data[ty * gw + tx]!));
      return inside / Math.max(n, 1);
    };
    let sure = 0;
    for (let p = 0; p < W * H; p++) if (coarse.data[p]! >= 0.95) sure++;
    return {
      region: compare(actualRegion, expectedRegion),
      prior: compare(actual, expected),
      blockInner: share((tx, ty) => tx >= block.x0 + 2 && tx < block.x1 - 2 && ty >= block.y0 + 2 && ty < block.y1 - 2),
      stripe: share((tx, ty) => inStripe(tx, ty) && ty >= block.y1 + RVM_FILL_RADIUS + 1),
      sure,
      pixels: W * H,
    };
  },

  /**
   * shaders/rvm_fgr.wgsl vs src/gpu/reference/rvmFgr.ts: RVM's residual at w×h (random fgr and
   * src) over a random W×H frame, with a fine alpha and a prior ≥ it (a third of the pixels the
   * prior's own, a third filled to 1 over a low fine alpha, the rest in between).
   * @returns the comparison of the rgba8unorm output against the reference quantised to 8 bits
   */
  async rvmFgr(W: number, H: number, w: number, h: number, seed: number) {
    const device = await gpu();
    const rand = rng(seed);
    const frame = quantize8(randomImage(W, H, 4, rand));
    const fgrData = Float32Array.from({ length: w * h * 3 }, () => rand());
    const srcData = Float32Array.from({ length: w * h * 3 }, () => rand());
    const fine = randomImage(W, H, 1, rand);
    const prior = createImage(W, H, 1);
    for (let p = 0; p < W * H; p++) {
      const f = fine.data[p]!;
      const k = rand();
      prior.data[p] = k < 1 / 3 ? f : k < 2 / 3 ? 1 : f + rand() * (1 - f);
      if (rand() < 0.05) fine.data[p] = prior.data[p] = 0;
    }
    const textures = [upload(device, frame, 'rgba8unorm'), upload(device, fine, 'r32float'), upload(device, prior, 'r32float')] as const;
    const fgrBuf = storageBuffer(device, fgrData, 'rvm fgr');
    const srcBuf = storageBuffer(device, srcData, 'rvm src');
    const dst = output(device, W, H, 'rgba8unorm', U.STORAGE_BINDING | U.COPY_SRC);
    const pass = createRvmFgrPass(device);
    await submit(device, (e) => pass.encode(e, pass.bind({ fgr: fgrBuf, src: srcBuf, width: w, height: h, frame: textures[0], fine: textures[1], prior: textures[2], dst })));
    const actual = await read(device, dst, 4);
    for (const t of [...textures, dst]) t.destroy();
    fgrBuf.destroy();
    srcBuf.destroy();
    pass.dispose();
    return compare(actual, quantize8(rvmFgrReference(fgrData, srcData, { width: w, height: h }, frame, fine, prior)));
  },

  /**
   * The engine through matting rvm, classic, rvm again, then rvm with rvmRuntime 'cpu': the
   * matting path of each frame, and the largest difference (8-bit) between the pha of the last
   * frame on the WebGPU runtime and the same frame on the CPU runtime (each from a fresh state:
   * a new network starts the pipeline's history again).
   */
  async engineRvm(frames: number[][], W: number, H: number): Promise<{ mattings: string[]; cpuVsWebgpu: number }> {
    const engine = new Engine();
    const mattings: string[] = [];
    const phas: Uint8Array[] = [];
    const run = async (i: number): Promise<void> => {
      const frame = new VideoFrame(new Uint8ClampedArray(frames[i % frames.length]!).buffer, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: i });
      try {
        const r = await engine.process(frame, ['pha']);
        r.frame.close();
        mattings.push(r.matting);
        phas.push(r.readbacks!.pha!.data);
      } finally {
        frame.close();
      }
    };
    const options = { mode: 'color', renderer: 'webgpu', temporalSmoothing: 0, targetFps: 0 } as const;
    try {
      await engine.init(resolveOptions({ ...options, matting: 'rvm' }), assetsAt('/', location.href));
      await run(0);
      await run(1);
      await engine.setOptions(resolveOptions({ ...options, matting: 'classic' }));
      await run(2);
      await engine.setOptions(resolveOptions({ ...options, matting: 'rvm' }));
      await run(3);
      await engine.setOptions(resolveOptions({ ...options, matting: 'rvm', rvmRuntime: 'cpu' }));
      await run(3);
    } finally {
      await engine.dispose();
    }
    const [webgpu, cpu] = phas.slice(-2) as [Uint8Array, Uint8Array];
    const cpuVsWebgpu = webgpu.reduce((m, v, i) => Math.max(m, Math.abs(v - cpu[i]!)), 0);
    return { mattings, cpuVsWebgpu };
  },

  /** The engine's start-up error with matting 'rvm' and no RVM installed. */
  async engineRvmMissing(): Promise<string> {
    const engine = new Engine();
    try {
      await engine.init(resolveOptions({ matting: 'rvm', renderer: 'webgpu' }), assetsAt('/', location.href));
      return 'no error';
    } catch (err) {
      return `${(err as { code?: string }).code}: ${(err as Error).message}`;
    } finally {
      await engine.dispose();
    }
  },
};

declare global {
  interface Window {
    rvmCases: typeof cases;
  }
}
window.rvmCases = cases;
