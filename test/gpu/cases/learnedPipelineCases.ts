// The BGMv2 path of the frame pipeline end to end: a random-weight MattingBase stand-in (the
// real base interface: src, bgr → pha, fgr, err, hid) run by onnxruntime-web on WebGPU, tile
// selection on its err, the learned refiner on the selected tiles, the coarse result
// upsampled elsewhere — compared with learnedRefineOutput (the TS reference) fed with the
// base network's own outputs, read back after the frame. Registered as
// window.learnedPipelineCases (test/gpu/harness.ts imports this module); driven by
// test/gpu/learnedPipeline.spec.ts.
import { assetsAt } from '../../../src/assets';
import { createGpuContext } from '../../../src/gpu/device';
import { createImage, type FloatImage } from '../../../src/gpu/reference/image';
import { learnedRefineOutput } from '../../../src/gpu/reference/refineLearned';
import { Bgmv2Base } from '../../../src/models/bgmv2/base';
import { readRefinerWeights } from '../../../src/models/bgmv2/refinerWeights';
import { resolveOptions } from '../../../src/options';
import { Engine } from '../../../src/worker/engine';
import { FramePipeline } from '../../../src/pipeline/framePipeline';
import { VideoFrameImporter } from '../../../src/worker/videoFrameInput';
import { type CpuBaseNetwork } from '../../../src/types/network';
import { denseRefinerModel, randomBaseModel, randomRefinerParams } from './bgmv2Model';
import { readF32, rng } from './util';

/** A smooth random RGBA image (low-frequency waves), 8-bit. */
function smoothImage(rand: () => number, W: number, H: number): Uint8ClampedArray<ArrayBuffer> {
  const px = new Uint8ClampedArray(W * H * 4);
  const f = Array.from({ length: 9 }, () => rand());
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const k = (y * W + x) * 4;
      for (let c = 0; c < 3; c++) px[k + c] = 255 * (0.5 + 0.45 * Math.sin(x * f[c]! * 0.5 + y * f[c + 3]! * 0.4 + 6 * f[c + 6]!));
      px[k + 3] = 255;
    }
  }
  return px;
}


const toImage = (px: Uint8ClampedArray, W: number, H: number): FloatImage => {
  const img = createImage(W, H, 4);
  px.forEach((v, i) => (img.data[i] = v / 255));
  return img;
};

/** A base network that must not be called: the BGMv2 path does not segment. */
const unusedSegmenter: CpuBaseNetwork = {
  kind: 'cpu',
  width: 64,
  height: 64,
  segment: () => Promise.reject(new Error('the segmentation network ran on the BGMv2 path')),
  close: () => {},
};

const cases = {
  /**
   * The engine with matting 'bgmv2' and the BGMv2 model the test serves as installed: which
   * matting ran per frame — without a plate, with one, and after switching to 'classic'.
   */
  async engineBgmv2(W: number, H: number): Promise<{ mattings: string[]; refined: boolean[] }> {
    const rand = rng(11);
    const engine = new Engine();
    const mattings: string[] = [];
    const refined: boolean[] = [];
    const frame = (i: number): VideoFrame =>
      new VideoFrame(smoothImage(rand, W, H).buffer as ArrayBuffer, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: i });
    const run = async (i: number): Promise<void> => {
      const r = await engine.process(frame(i), ['pha']);
      r.frame.close();
      mattings.push(r.matting);
      refined.push((r.refine?.tiles ?? 0) > 0);
    };
    try {
      await engine.init(resolveOptions({ mode: 'color', matting: 'bgmv2', refineMode: 'sampling', refineBudget: 0.3, targetFps: 0 }), assetsAt('/', location.href));
      await run(0);
      await engine.setPlate(await createImageBitmap(new ImageData(smoothImage(rand, W, H), W, H)));
      await run(1);
      await run(2);
      await engine.setOptions(resolveOptions({ mode: 'color', matting: 'classic', targetFps: 0 }));
      await run(3);
    } finally {
      await engine.dispose();
    }
    return { mattings, refined };
  },

  /** The engine's start-up error with matting 'bgmv2' and no BGMv2 model installed. */
  async engineBgmv2Missing(): Promise<string> {
    const engine = new Engine();
    try {
      await engine.init(resolveOptions({ matting: 'bgmv2', renderer: 'webgpu' }), assetsAt('/', location.href));
      return 'no error';
    } catch (err) {
      return `${(err as { code?: string }).code}: ${(err as Error).message}`;
    } finally {
      await engine.dispose();
    }
  },

  /**
   * One frame through the BGMv2 path (no temporal smoothing): `sampling` with a budget of
   * `value` of the pixels, or `thresholding` at err > `value`.
   * @returns the pipeline's alpha (8-bit pha read-back) and the reference's, the refined share
   */
  async learnedFrame(seed: number, W: number, H: number, refineMode: 'sampling' | 'thresholding', value: number) {
    const rand = rng(seed);
    const { device } = await createGpuContext();
    const [w, h] = [W / 4, H / 4];
    const base = await Bgmv2Base.create(device, assetsAt('/', location.href), randomBaseModel(rand, w, h), w, h);
    const weights = readRefinerWeights(denseRefinerModel(randomRefinerParams(rand), W, H, w, h));
    const framePx = smoothImage(rand, W, H);
    const platePx = smoothImage(rand, W, H);
    const options = resolveOptions({ mode: 'color', refineMode, refineThreshold: value, refineBudget: value, temporalSmoothing: 0 });
    const pipeline = new FramePipeline(device, unusedSegmenter, options);
    const importer = new VideoFrameImporter(device);
    try {
      pipeline.setLearned({ base, weights });
      pipeline.setPlate(await createImageBitmap(new ImageData(platePx, W, H)));
      const frame = new VideoFrame(framePx.buffer as ArrayBuffer, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: 0 });
      let result;
      try {
        result = await pipeline.process(importer.input(frame), ['pha']);
      } finally {
        frame.close();
      }
      // The base network's inputs and outputs of this frame, and the tiles selected.
      const n = w * h;
      const [pha, fgr, hid, srcLow] = await Promise.all([
        readF32(device, base.pha, n),
        readF32(device, base.fgr, 3 * n),
        readF32(device, base.hid, 32 * n),
        readF32(device, base.src, 3 * n),
      ]);
      const tiles = pipeline.debugSelectedTiles();
      const residual = fgr.map((v, i) => v - srcLow[i]!);
      const reference = learnedRefineOutput(
        { src: toImage(framePx, W, H), bgr: toImage(platePx, W, H), coarse: { width: w, height: h, pha, fgr: residual, hid } },
        weights.layers,
        await tiles,
      );
      const got = result.readbacks.pha!;
      let maxDiff = 0;
      let maxDiffRefined = 0;
      for (let p = 0; p < W * H; p++) {
        const d = Math.abs(got.data[p]! / 255 - reference.pha.data[p]!);
        maxDiff = Math.max(maxDiff, d);
        if (reference.refined[p]) maxDiffRefined = Math.max(maxDiffRefined, d);
      }
      const refinedShare = reference.refined.reduce((a, b) => a + b, 0) / (W * H);
      return { maxDiff, maxDiffRefined, refinedShare, tiles: (await tiles).length, refineStats: result.refine };
    } finally {
      pipeline.dispose();
      importer.dispose();
      await base.close();
      device.destroy();
    }
  },
};

declare global {
  interface Window {
    learnedPipelineCases: typeof cases;
  }
}
window.learnedPipelineCases = cases;
