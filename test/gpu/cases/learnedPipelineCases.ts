// The BGMv2 path of the frame pipeline end to end: a random-weight MattingBase stand-in (the
// real base interface: src, bgr → pha, fgr, err, hid) run by onnxruntime-web on WebGPU, tile
// selection on its err, the learned refiner on the selected tiles, the coarse result
// upsampled elsewhere — compared with learnedRefineOutput (the TS reference) fed with the
// base network's own outputs, read back after the frame. Registered as
// window.learnedPipelineCases (test/gpu/harness.ts imports this module); driven by
// test/gpu/learnedPipeline.spec.ts.
import { createGpuContext } from '../../../src/gpu/device';
import { createImage, type FloatImage } from '../../../src/gpu/reference/image';
import { learnedRefineOutput } from '../../../src/gpu/reference/refineLearned';
import { Bgmv2Base } from '../../../src/models/bgmv2/base';
import { readRefinerWeights } from '../../../src/models/bgmv2/refinerWeights';
import { encodeModel, node, tensorF32, tensorI64, valueInfo } from '../../../src/models/onnx/graph';
import { resolveOptions } from '../../../src/options';
import { FramePipeline, type CpuBaseNetwork } from '../../../src/worker/pipeline';
import { denseRefinerModel, randomRefinerParams } from './bgmv2Model';
import { readF32, rng } from './util';

/**
 * A MattingBase stand-in at w×h: Concat(src, bgr) → 3×3 Conv (6 → 37, random) → Split into
 * pha = Sigmoid, fgr = Clip(0.3·x + src, 0, 1) (MattingBase returns F, not the residual),
 * err = Sigmoid, hid = Relu.
 */
function randomBaseModel(rand: () => number, w: number, h: number): Uint8Array {
  const weight = Float32Array.from({ length: 37 * 6 * 9 }, () => (rand() - 0.5) * 1.2);
  const bias = Float32Array.from({ length: 37 }, () => (rand() - 0.5) * 0.6);
  return encodeModel({
    name: 'bgmv2-base-test',
    nodes: [
      node('Concat', ['src', 'bgr'], ['x'], { axis: 1 }),
      node('Conv', ['x', 'w', 'b'], ['y'], { pads: [1, 1, 1, 1] }),
      node('Split', ['y', 'split'], ['a', 'f', 'e', 'g'], { axis: 1 }),
      node('Sigmoid', ['a'], ['pha']),
      node('Mul', ['f', 'k'], ['f3']),
      node('Add', ['f3', 'src'], ['fs']),
      node('Clip', ['fs', 'lo', 'hi'], ['fgr']),
      node('Sigmoid', ['e'], ['err']),
      node('Relu', ['g'], ['hid']),
    ],
    inputs: [valueInfo('src', [1, 3, h, w]), valueInfo('bgr', [1, 3, h, w])],
    outputs: [valueInfo('pha', [1, 1, h, w]), valueInfo('fgr', [1, 3, h, w]), valueInfo('err', [1, 1, h, w]), valueInfo('hid', [1, 32, h, w])],
    initializers: [
      tensorF32('w', [37, 6, 3, 3], weight),
      tensorF32('b', [37], bias),
      tensorI64('split', [4], [1, 3, 1, 32]),
      tensorF32('k', [], [0.3]),
      tensorF32('lo', [], [0]),
      tensorF32('hi', [], [1]),
    ],
  });
}

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
   * One frame through the BGMv2 path (no temporal smoothing): `sampling` with a budget of
   * `value` of the pixels, or `thresholding` at err > `value`.
   * @returns the pipeline's alpha (8-bit pha read-back) and the reference's, the refined share
   */
  async learnedFrame(seed: number, W: number, H: number, refineMode: 'sampling' | 'thresholding', value: number) {
    const rand = rng(seed);
    const { device } = await createGpuContext();
    const [w, h] = [W / 4, H / 4];
    const base = await Bgmv2Base.create(device, new URL('/', location.href).href, randomBaseModel(rand, w, h), w, h);
    const weights = readRefinerWeights(denseRefinerModel(randomRefinerParams(rand), W, H, w, h));
    const framePx = smoothImage(rand, W, H);
    const platePx = smoothImage(rand, W, H);
    const options = resolveOptions({ mode: 'color', refineMode, refineThreshold: value, refineBudget: value, temporalSmoothing: 0 });
    const pipeline = new FramePipeline(device, unusedSegmenter, options);
    try {
      pipeline.setLearned({ base, weights });
      pipeline.setPlate(await createImageBitmap(new ImageData(platePx, W, H)));
      const frame = new VideoFrame(framePx.buffer as ArrayBuffer, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: 0 });
      let result;
      try {
        result = await pipeline.process(frame, ['pha']);
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
