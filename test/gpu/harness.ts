// Runs each WGSL pass and its TypeScript reference on the same random input in the
// browser and reports how far apart they are. Driven by test/gpu/*.spec.ts.
import { createBlurPreparePass } from '../../src/gpu/passes/blurPrepare';
import { createCompositePass } from '../../src/gpu/passes/composite';
import { createDownsamplePass } from '../../src/gpu/passes/downsample';
import { createGaussianBlurPass } from '../../src/gpu/passes/gaussianBlur';
import { createImportFramePass } from '../../src/gpu/passes/importFrame';
import { createUpsampleMaskPass } from '../../src/gpu/passes/upsampleMask';
import { compositeReference } from '../../src/gpu/reference/composite';
import { COMPOSITE_MODE, COMPOSITE_VIEW, coverFit } from '../../src/gpu/params/composite';
import { downsampleReference } from '../../src/gpu/reference/downsample';
import { importFrameReference } from '../../src/gpu/reference/importFrame';
import { blurPrepareReference, gaussianBlurReference } from '../../src/gpu/reference/maskedBlur';
import { upsampleMaskReference } from '../../src/gpu/reference/upsampleMask';
import { type UpsampleMaskParams } from '../../src/gpu/params/upsample';
import type { Rect } from '../../src/types/geometry';
import { compare, gpu, output, quantize16f, quantize8, randomImage, read, rng, storageBuffer, submit, U, upload, type Comparison } from './cases/util';

import './cases/stageCases'; // registers window.stageCases
import './cases/memoryCases'; // registers window.memoryCases (background memory, prior overrule)

export type { Comparison };

const cases = {
  /** Frame import through an external texture vs the identity reference. */
  async importFrame(seed: number): Promise<Comparison> {
    const device = await gpu();
    const src = quantize8(randomImage(19, 11, 4, rng(seed)));
    const bytes = new Uint8Array(src.data.length);
    src.data.forEach((v, i) => (bytes[i] = Math.round(v * 255)));
    const frame = new VideoFrame(bytes, { format: 'RGBA', codedWidth: 19, codedHeight: 11, timestamp: 0 });
    const dst = output(device, 19, 11, 'rgba8unorm', U.STORAGE_BINDING);
    const pass = createImportFramePass(device);
    try {
      await submit(device, (e) => pass.encode(e, frame, dst));
    } catch (err) {
      return { maxDiff: 0, meanDiff: 0, count: 0, unsupported: `importExternalTexture is not available for VideoFrames on this adapter: ${String(err)}` };
    } finally {
      frame.close();
    }
    return compare(await read(device, dst, 4), importFrameReference(src));
  },

  /** Area downsample of the whole frame and of a fractional rectangle. */
  async downsample(seed: number, rect: Rect | null): Promise<Comparison> {
    const device = await gpu();
    const src = quantize8(randomImage(37, 23, 4, rng(seed)));
    const dst = output(device, 8, 5, 'rgba8unorm', U.STORAGE_BINDING);
    const pass = createDownsamplePass(device);
    const r = rect ?? { x: 0, y: 0, width: 37, height: 23 };
    pass.setRect(r);
    const b = pass.bind({ src: upload(device, src, 'rgba8unorm'), dst });
    await submit(device, (e) => pass.encode(e, b));
    return compare(await read(device, dst, 4), downsampleReference(src, 8, 5, r));
  },

  /** Joint bilateral upsampling with a region of interest. */
  async upsampleMask(seed: number, roi: Rect | null, sigmaRange: number): Promise<Comparison> {
    const device = await gpu();
    const rand = rng(seed);
    const W = 40;
    const H = 24;
    const frame = quantize8(randomImage(W, H, 4, rand));
    const guideFull = quantize8(randomImage(10, 6, 4, rand));
    const guideRoi = quantize8(randomImage(10, 6, 4, rand));
    const maskFull = randomImage(10, 6, 1, rand);
    const maskRoi = randomImage(10, 6, 1, rand);
    const r = roi ?? { x: 0, y: 0, width: W, height: H };
    const params: UpsampleMaskParams = { sigmaSpatial: 1, sigmaRange, radius: 2, feather: 4 };
    const alpha = output(device, W, H, 'r32float', U.STORAGE_BINDING);
    const pass = createUpsampleMaskPass(device);
    pass.setParams(params, r);
    const b = pass.bind({
      frame: upload(device, frame, 'rgba8unorm'),
      guideFull: upload(device, guideFull, 'rgba8unorm'),
      maskFull: storageBuffer(device, maskFull.data, 'mask full'),
      guideRoi: upload(device, guideRoi, 'rgba8unorm'),
      maskRoi: storageBuffer(device, maskRoi.data, 'mask roi'),
      alpha,
    });
    await submit(device, (e) => pass.encode(e, b));
    return compare(await read(device, alpha, 1), upsampleMaskReference({ frame, guideFull, maskFull, guideRoi, maskRoi, roi: r }, params));
  },

  /** Background-weighted downsample for the blur. */
  async blurPrepare(seed: number, factor: number): Promise<Comparison> {
    const device = await gpu();
    const rand = rng(seed);
    const frame = quantize8(randomImage(21, 13, 4, rand));
    const alpha = randomImage(21, 13, 1, rand);
    const w = Math.ceil(21 / factor);
    const h = Math.ceil(13 / factor);
    const dst = output(device, w, h, 'rgba16float', U.STORAGE_BINDING);
    const pass = createBlurPreparePass(device);
    pass.setFactor(factor);
    const b = pass.bind({ frame: upload(device, frame, 'rgba8unorm'), alpha: upload(device, alpha, 'r32float'), dst });
    await submit(device, (e) => pass.encode(e, b));
    return compare(await read(device, dst, 4), quantize16f(blurPrepareReference(frame, alpha, factor)));
  },

  /** One direction of the separable Gaussian. */
  async gaussianBlur(seed: number, direction: 'horizontal' | 'vertical', sigma: number): Promise<Comparison> {
    const device = await gpu();
    const src = quantize16f(randomImage(29, 17, 4, rng(seed)));
    const dst = output(device, 29, 17, 'rgba16float', U.STORAGE_BINDING);
    const pass = createGaussianBlurPass(device, direction);
    pass.setSigma(sigma);
    const b = pass.bind({ src: upload(device, src, 'rgba16float'), dst });
    await submit(device, (e) => pass.encode(e, b));
    const dir: [number, number] = direction === 'horizontal' ? [1, 0] : [0, 1];
    return compare(await read(device, dst, 4), quantize16f(gaussianBlurReference(src, dir, sigma)));
  },

  /** Compositing in every mode and debug view. */
  async composite(seed: number, mode: keyof typeof COMPOSITE_MODE, view: keyof typeof COMPOSITE_VIEW): Promise<Comparison> {
    const device = await gpu();
    const rand = rng(seed);
    const W = 24;
    const H = 16;
    const frame = quantize8(randomImage(W, H, 4, rand));
    const alpha = randomImage(W, H, 1, rand);
    // Premultiplied (rgb·w, w), as blur-prepare and the Gaussian produce: rgb ≤ w.
    const colour = randomImage(8, 6, 4, rand);
    const weight = randomImage(8, 6, 1, rand, 0.05, 1);
    const blurred = quantize16f({ ...colour, data: colour.data.map((v, i) => (i % 4 === 3 ? weight.data[i >> 2]! : v * weight.data[i >> 2]!)) });
    const background = quantize8(randomImage(13, 7, 4, rand));
    // Per pixel at random: no F (channel 3 = 0), a network's F (128/255, as rgba8unorm stores
    // 0.5) or a refined F (1); and a coarse error map.
    const fgr = quantize8(randomImage(W, H, 4, rand));
    fgr.data.forEach((v, i) => {
      if (i % 4 === 3) fgr.data[i] = v < 1 / 3 ? 0 : v < 2 / 3 ? 128 / 255 : 1;
    });
    const err = randomImage(6, 4, 1, rand);
    const params = {
      mode: COMPOSITE_MODE[mode],
      view: COMPOSITE_VIEW[view],
      color: [0.2, 0.6, 0.9] as [number, number, number],
      ...coverFit(W, H, 13, 7),
    };
    const out = output(device, W, H, 'rgba8unorm', U.RENDER_ATTACHMENT);
    const pass = createCompositePass(device);
    pass.setParams(params);
    const b = pass.bind({
      frame: upload(device, frame, 'rgba8unorm'),
      alpha: upload(device, alpha, 'r32float'),
      blurred: upload(device, blurred, 'rgba16float'),
      background: upload(device, background, 'rgba8unorm'),
      fgr: upload(device, fgr, 'rgba8unorm'),
      err: upload(device, err, 'r32float'),
      output: out,
    });
    await submit(device, (e) => pass.encode(e, b));
    return compare(await read(device, out, 4), compositeReference(frame, alpha, blurred, background, fgr, err, params));
  },
};

declare global {
  interface Window {
    gpuCases: typeof cases;
  }
}
window.gpuCases = cases;
import './cases/refineCases'; // registers window.refineCases (tile selection and refine)
import './cases/segmentCases'; // registers window.segmentCases (onnx-webgpu preprocess, GPU ROI, steady state)
import './cases/learnedCases'; // registers window.learnedCases (BGMv2's learned refiner vs onnxruntime-web)
import './cases/learnedPipelineCases'; // registers window.learnedPipelineCases (the BGMv2 path of the frame pipeline)
import './cases/rvmCases'; // registers window.rvmCases (the RVM path of the frame pipeline)
import './cases/registerCases'; // registers window.registerCases (Azure Kinect depth → colour registration)
import './cases/depthCases'; // registers window.depthCases (depth prior fused into the coarse mask)
import './cases/lightWrapCases'; // registers window.lightWrapCases (light wrap: its passes and the Canvas 2D path)
