import { createImage, type FloatImage } from './image';

/** The value shaders/rvm_fgr.wgsl writes in fgr.a: the network's F (the refiner writes 1). */
export const RVM_FGR_ALPHA = 0.5;

/**
 * Reference of shaders/rvm_fgr.wgsl: Robust Video Matting's foreground colour at the frame's
 * size, F = clamp(I + s·bilinear(fgr − src), 0, 1) with s = clamp(f / max(p, 1e-3), 0, 1);
 * the residual resampled with align_corners = False (half-pixel centres, edges clamped).
 * @param fgr, src NHWC float32 [1,h,w,3] in 0..1: RVM's output and its input at one scale
 * @param frame [H,W,≥3] the frame I in 0..1
 * @param fine, prior [H,W,1] alpha in 0..1: the alpha of the scale `fgr` comes from, and the prior
 * @returns [H,W,4] fgr: rgb F in 0..1, a = RVM_FGR_ALPHA (before rgba8unorm quantisation)
 * @throws RangeError when the sizes disagree or a tensor is too short
 */
export function rvmFgrReference(
  fgr: Float32Array,
  src: Float32Array,
  tensor: { width: number; height: number },
  frame: FloatImage,
  fine: FloatImage,
  prior: FloatImage,
): FloatImage {
  const { width: W, height: H } = frame;
  for (const img of [fine, prior]) {
    if (img.width !== W || img.height !== H) throw new RangeError(`rvmFgrReference: an alpha is ${img.width}×${img.height}, the frame ${W}×${H}`);
  }
  const { width: w, height: h } = tensor;
  if (fgr.length < w * h * 3 || src.length < w * h * 3) throw new RangeError(`rvmFgrReference: tensors shorter than [1,${h},${w},3]`);
  const f32 = Math.fround;
  const residual = (x: number, y: number, c: number): number => {
    const i = (Math.min(Math.max(y, 0), h - 1) * w + Math.min(Math.max(x, 0), w - 1)) * 3 + c;
    return f32(fgr[i]! - src[i]!);
  };
  const clamp01 = (v: number): number => Math.min(Math.max(v, 0), 1);
  const sx = f32(w / W);
  const sy = f32(h / H);
  const out = createImage(W, H, 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const px = Math.max(f32(f32(f32(x + 0.5) * sx) - 0.5), 0);
      const py = Math.max(f32(f32(f32(y + 0.5) * sy) - 0.5), 0);
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const tx = f32(px - x0);
      const ty = f32(py - y0);
      const p = y * W + x;
      const s = clamp01(f32(fine.data[p * fine.channels]! / Math.max(prior.data[p * prior.channels]!, f32(1e-3))));
      for (let c = 0; c < 3; c++) {
        const top = residual(x0, y0, c) + (residual(x0 + 1, y0, c) - residual(x0, y0, c)) * tx;
        const bottom = residual(x0, y0 + 1, c) + (residual(x0 + 1, y0 + 1, c) - residual(x0, y0 + 1, c)) * tx;
        const r = top + (bottom - top) * ty;
        out.data[p * 4 + c] = clamp01(frame.data[p * frame.channels + c]! + s * r);
      }
      out.data[p * 4 + 3] = RVM_FGR_ALPHA;
    }
  }
  return out;
}
