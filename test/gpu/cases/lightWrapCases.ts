// Browser-side cases for light wrap (options.lightWrap): its two WGSL passes against their
// TypeScript reference on the same random input, and the Canvas 2D path's counterpart against
// the same reference. Registered as window.lightWrapCases (test/gpu/harness.ts imports this
// module); driven by test/gpu/lightWrap.spec.ts.
import { parseHexColor, resolveOptions, type Options } from '../../../src/options';
import { coverFit } from '../../../src/gpu/params/composite';
import { lightWrapPlan, type LightWrapSource } from '../../../src/gpu/params/lightWrap';
import { createLightWrapPass } from '../../../src/gpu/passes/lightWrap';
import { createLightWrapPreparePass } from '../../../src/gpu/passes/lightWrapPrepare';
import { createImage, type FloatImage } from '../../../src/gpu/reference/image';
import { lightWrapPrepareReference, lightWrapReference } from '../../../src/gpu/reference/lightWrap';
import { gaussianBlurReference } from '../../../src/gpu/reference/maskedBlur';
import { createGpuContext } from '../../../src/gpu/device';
import { CanvasPipeline } from '../../../src/pipeline/canvas/canvasPipeline';
import { FramePipeline } from '../../../src/pipeline/framePipeline';
import { VideoFrameImporter } from '../../../src/worker/videoFrameInput';
import type { CpuBaseNetwork } from '../../../src/types/network';
import { compare, gpu, output, quantize16f, quantize8, randomImage, read, rng, submit, U, upload, type Comparison } from './util';

/** The reference of the whole light wrap over `out`: prepare, the separable Gaussian, then the mix. */
function wrapReference(out: FloatImage, alpha: FloatImage, background: FloatImage, source: LightWrapSource, strength: number): FloatImage {
  const { factor, sigma } = lightWrapPlan(out.height);
  const prepared = lightWrapPrepareReference(alpha, background, source, factor);
  const blurred = gaussianBlurReference(gaussianBlurReference(prepared, [1, 0], sigma), [0, 1], sigma);
  return lightWrapReference(out, alpha, blurred, strength);
}

/** A width×height mask: 1 in the triangle x/width + y/height < 1 (top left), 0 elsewhere; its box is the whole frame, so the Canvas 2D path runs no region-of-interest pass. */
function triangleMask(width: number, height: number): Float32Array<ArrayBuffer> {
  const pha = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pha[y * width + x] = (x + 0.5) / width + (y + 0.5) / height < 1 ? 1 : 0;
  return pha;
}

/**
 * One frame's composite and alpha read-backs as FloatImages, on the Canvas 2D path or the WebGPU
 * pipeline, with a base network that answers the triangle mask.
 */
async function renderFrame(renderer: 'canvas2d' | 'webgpu', options: Partial<Options>, frameImage: FloatImage, background: ImageBitmap | null): Promise<{ com: FloatImage; pha: FloatImage }> {
  const { width, height } = frameImage;
  const mask = { width: 64, height: 36, pha: triangleMask(64, 36) };
  const network: CpuBaseNetwork = {
    kind: 'cpu',
    width: mask.width,
    height: mask.height,
    async segment(image: ImageBitmap) {
      image.close();
      return { ...mask, pha: mask.pha.slice() };
    },
    close() {},
  };
  const resolved = resolveOptions({ temporalSmoothing: 0, targetFps: 0, ...options });
  const gpuContext = renderer === 'webgpu' ? await createGpuContext() : null;
  const pipeline = gpuContext ? new FramePipeline(gpuContext.device, network, resolved) : new CanvasPipeline(network, resolved);
  const importer = gpuContext ? new VideoFrameImporter(gpuContext.device) : null;
  if (background) pipeline.setBackground(await createImageBitmap(background));
  const bytes = new Uint8Array(frameImage.data.length);
  frameImage.data.forEach((v, i) => (bytes[i] = Math.round(v * 255)));
  const frame = new VideoFrame(bytes, { format: 'RGBA', codedWidth: width, codedHeight: height, timestamp: 0 });
  try {
    const result = pipeline instanceof FramePipeline ? await pipeline.process(importer!.input(frame), ['com', 'pha']) : await pipeline.process(frame, ['com', 'pha']);
    if ('frame' in result) result.frame.close();
    const toImage = (r: { channels: number; data: Uint8Array }, channels: number): FloatImage => {
      const img = createImage(width, height, channels);
      for (let p = 0; p < width * height; p++) for (let c = 0; c < channels; c++) img.data[p * channels + c] = r.data[p * r.channels + c]! / 255;
      return img;
    };
    return { com: toImage(result.readbacks.com!, 4), pha: toImage(result.readbacks.pha!, 1) };
  } finally {
    frame.close();
    pipeline.dispose();
    importer?.dispose();
    gpuContext?.device.destroy();
  }
}

const lightWrapCases = {
  /** light_wrap_prepare.wgsl: (B′·(1 − α), 1 − α) over factor×factor blocks, B′ the cover-fitted image or a colour. */
  async prepare(seed: number, useImage: boolean, factor: number): Promise<Comparison> {
    const device = await gpu();
    const rand = rng(seed);
    const W = 37;
    const H = 23;
    const alpha = randomImage(W, H, 1, rand);
    const background = quantize8(randomImage(13, 9, 4, rand));
    const source: LightWrapSource = { useImage, color: [0.2, 0.7, 0.4], ...coverFit(W, H, 13, 9) };
    const dst = output(device, Math.ceil(W / factor), Math.ceil(H / factor), 'rgba16float', U.STORAGE_BINDING);
    const pass = createLightWrapPreparePass(device);
    pass.setParams(source, factor);
    const b = pass.bind({ alpha: upload(device, alpha, 'r32float'), background: upload(device, background, 'rgba8unorm'), dst });
    await submit(device, (e) => pass.encode(e, b));
    return compare(await read(device, dst, 4), quantize16f(lightWrapPrepareReference(alpha, background, source, factor)));
  },

  /** light_wrap.wgsl blended over an 8-bit composite: mix(out, L, strength·α·b). */
  async apply(seed: number, strength: number): Promise<Comparison> {
    const device = await gpu();
    const rand = rng(seed);
    const W = 29;
    const H = 17;
    const out = quantize8(randomImage(W, H, 4, rand));
    out.data.forEach((_, i) => {
      if (i % 4 === 3) out.data[i] = 1;
    });
    const alpha = randomImage(W, H, 1, rand);
    // Premultiplied (L·b, b) as the blur leaves it: rgb ≤ b.
    const colour = randomImage(8, 5, 4, rand);
    const weight = randomImage(8, 5, 1, rand, 0.05, 1);
    const wrap = quantize16f({ ...colour, data: colour.data.map((v, i) => (i % 4 === 3 ? weight.data[i >> 2]! : v * weight.data[i >> 2]!)) });
    const target = upload(device, out, 'rgba8unorm', U.RENDER_ATTACHMENT);
    const pass = createLightWrapPass(device);
    pass.setStrength(strength);
    const b = pass.bind({ alpha: upload(device, alpha, 'r32float'), wrap: upload(device, wrap, 'rgba16float'), output: target });
    await submit(device, (e) => pass.encode(e, b));
    return compare(await read(device, target, 4), quantize8(lightWrapReference(out, alpha, wrap, strength)));
  },

  /**
   * A renderer (the Canvas 2D path or the WebGPU pipeline's light-wrap stage) on a 960×540 frame
   * (light wrap factor 2) whose mask is a triangle, in colour and image modes: its composite with
   * lightWrap = `strength` against the reference applied to its composite and alpha with lightWrap 0.
   * @returns the comparison, and how much the wrap changed the composite (so a no-op cannot pass)
   */
  async renderer(renderer: 'canvas2d' | 'webgpu', seed: number, mode: 'color' | 'image', strength: number): Promise<{ reference: Comparison; effect: Comparison }> {
    const rand = rng(seed);
    const W = 960;
    const H = 540;
    const frameImage = quantize8(randomImage(W, H, 4, rand, 0.3, 0.5));
    // Opaque, as camera frames are (the renderers composite the frame's colours, not its alpha).
    frameImage.data.forEach((_, i) => {
      if (i % 4 === 3) frameImage.data[i] = 1;
    });
    const bgImage = quantize8(randomImage(24, 16, 4, rand));
    bgImage.data.forEach((_, i) => {
      if (i % 4 === 3) bgImage.data[i] = 1;
    });
    const bgPixels = new ImageData(24, 16);
    bgImage.data.forEach((v, i) => (bgPixels.data[i] = Math.round(v * 255)));
    const background = mode === 'image' ? await createImageBitmap(bgPixels) : null;
    const color = '#2080e0';
    const off = await renderFrame(renderer, { mode, color, lightWrap: 0 }, frameImage, background);
    const on = await renderFrame(renderer, { mode, color, lightWrap: strength }, frameImage, background);
    background?.close();
    const source: LightWrapSource = { useImage: mode === 'image', color: parseHexColor(color), ...coverFit(W, H, 24, 16) };
    return { reference: compare(on.com, wrapReference(off.com, off.pha, bgImage, source, strength)), effect: compare(on.com, off.com) };
  },
};

declare global {
  interface Window {
    lightWrapCases: typeof lightWrapCases;
  }
}
window.lightWrapCases = lightWrapCases;
