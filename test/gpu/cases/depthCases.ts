// Browser-side cases for the depth prior's fusion into the coarse mask
// (shaders/fuse_depth.wgsl vs src/gpu/reference/fuseDepth.ts), registered as
// window.depthCases (test/gpu/harness.ts imports this module); driven by test/gpu/fuseDepth.spec.ts.
import { createFuseDepthPass } from '../../../src/gpu/passes/fuseDepth';
import { downsampleReference } from '../../../src/gpu/reference/downsample';
import { fuseDepthReference } from '../../../src/gpu/reference/fuseDepth';
import { createImage, type FloatImage } from '../../../src/gpu/reference/image';
import type { Rect } from '../../../src/types/geometry';
import { compare, gpu, randomImage, readF32, rng, storageBuffer, submit, upload, type Comparison } from './util';

/** Colour frame and mask sizes: the frame is exactly 4× the mask, so with the whole-frame rect each texel's 4×4 samples are its 4×4 pixel block. */
const W = 64;
const H = 48;
const MW = 16;
const MH = 12;

/** Options of one fusion case. */
export interface FuseDepthCase {
  /** The rect the mask covers (colour pixels); null = the whole frame. */
  rect: Rect | null;
  weight: number;
  /** 'holes': ~30 % of pixels without depth plus three whole 4×4 blocks without depth; 'full': depth everywhere. */
  depth: 'holes' | 'full';
  /** Sets a wrong rect with setParams and copies the right one into rectTarget on the GPU, as the pipeline does. */
  viaRectTarget?: boolean;
}

/** Results of one fusion case: all comparisons over the MW×MH mask. */
export interface FuseDepthResult {
  /** GPU vs the TypeScript reference. */
  reference: Comparison;
  /** GPU vs the colour mask it started from. */
  identity: Comparison;
  /** GPU vs the subject's 4×4 block mean (only meaningful for the whole-frame rect with full depth). */
  blockMean: Comparison;
  /** Texels whose whole 4×4 block has no depth (whole-frame rect): how many, and the largest change there. */
  noDepth: { count: number; maxDiff: number };
}

/** Blocks (texel coordinates) left without any depth in the 'holes' case. */
const EMPTY_BLOCKS: [number, number][] = [
  [0, 0],
  [7, 5],
  [15, 11],
];

function depthImage(seed: number, kind: 'holes' | 'full'): FloatImage {
  const rand = rng(seed);
  const depth = createImage(W, H, 1);
  for (let i = 0; i < W * H; i++) depth.data[i] = kind === 'holes' && rand() < 0.3 ? 0 : 300 + 4700 * rand();
  if (kind === 'holes') {
    for (const [bx, by] of EMPTY_BLOCKS) for (let y = 4 * by; y < 4 * by + 4; y++) for (let x = 4 * bx; x < 4 * bx + 4; x++) depth.data[y * W + x] = 0;
  }
  return depth;
}

const cases = {
  /** Depth fusion on a random mask, depth and subject; see {@link FuseDepthCase}. */
  async fuseDepth(seed: number, c: FuseDepthCase): Promise<FuseDepthResult> {
    const device = await gpu();
    const rand = rng(seed);
    const mask = randomImage(MW, MH, 1, rand);
    const depth = depthImage(seed + 1, c.depth);
    // A soft subject: mostly 0 or 1, some fractional (registration writes 0/1; the case covers any value).
    const subject = randomImage(W, H, 1, rand);
    subject.data.forEach((v, i) => (subject.data[i] = v < 0.4 ? 0 : v > 0.6 ? 1 : v));
    const rect = c.rect ?? { x: 0, y: 0, width: W, height: H };

    const maskBuffer = storageBuffer(device, mask.data, 'fuse-depth mask');
    const depthTexture = upload(device, depth, 'r32float');
    const subjectTexture = upload(device, subject, 'r32float');
    const rectBuffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const pass = createFuseDepthPass(device);
    try {
      if (c.viaRectTarget) {
        pass.setParams({ weight: c.weight }, { x: 1, y: 2, width: 3, height: 4 });
        device.queue.writeBuffer(rectBuffer, 0, new Float32Array([rect.x, rect.y, rect.width, rect.height]));
      } else {
        pass.setParams({ weight: c.weight }, rect);
      }
      const b = pass.bind({ mask: maskBuffer, maskWidth: MW, maskHeight: MH, depth: depthTexture, subject: subjectTexture });
      await submit(device, (e) => {
        if (c.viaRectTarget) e.copyBufferToBuffer(rectBuffer, 0, pass.rectTarget, 0, 16);
        pass.encode(e, b);
      });
      const gpuMask = await readF32(device, maskBuffer, MW * MH);
      const fused: FloatImage = { width: MW, height: MH, channels: 1, data: gpuMask };

      const noDepth = { count: 0, maxDiff: 0 };
      if (c.rect === null) {
        for (let ty = 0; ty < MH; ty++) {
          for (let tx = 0; tx < MW; tx++) {
            let any = false;
            for (let y = 4 * ty; y < 4 * ty + 4; y++) for (let x = 4 * tx; x < 4 * tx + 4; x++) any ||= depth.data[y * W + x]! > 0;
            if (any) continue;
            noDepth.count++;
            noDepth.maxDiff = Math.max(noDepth.maxDiff, Math.abs(gpuMask[ty * MW + tx]! - mask.data[ty * MW + tx]!));
          }
        }
      }
      return {
        reference: compare(fused, fuseDepthReference(mask, depth, subject, rect, c.weight)),
        identity: compare(fused, mask),
        blockMean: compare(fused, downsampleReference(subject, MW, MH)),
        noDepth,
      };
    } finally {
      pass.dispose();
      for (const r of [maskBuffer, rectBuffer]) r.destroy();
      for (const t of [depthTexture, subjectTexture]) t.destroy();
    }
  },
};

declare global {
  interface Window {
    depthCases: typeof cases;
  }
}
window.depthCases = cases;
