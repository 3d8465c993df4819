import { createImage, type FloatImage } from './image';

/** The ramp width of shaders/rvm_fill_ramp.wgsl. */
export const RVM_FUSE_T = 0.05;
/** The fine alpha from which shaders/rvm_fill_ramp.wgsl counts a pixel as full. */
export const RVM_FILL_F_FULL = 0.99;

const f32 = Math.fround;
const clamp01 = (v: number): number => Math.min(Math.max(v, 0), 1);

/** fillWeight of shaders/rvm_fill_ramp.wgsl, in float32 steps. */
function fillWeight(c: number): number {
  const T = f32(RVM_FUSE_T);
  return clamp01(f32(f32(c - f32(1 - f32(2 * T))) / T));
}

/**
 * Reference of shaders/rvm_fill_core.wgsl then shaders/rvm_fill_region.wgsl: on a gridW × gridH
 * grid, the candidates (fillWeight(c) > 0 and f < 0.99 at the frame's pixel
 * ((2t + 1)·size) / (2·grid), integer division) opened by a disk of `radius` texels: eroded
 * (texels outside the grid count as candidates), then dilated (they do not).
 * @param coarse, fine [H,W,1] alpha in 0..1, the same size
 * @param gridW, gridH the grid, 1..W × 1..H
 * @param radius the disk's radius in texels, ≥ 0
 * @returns [gridH,gridW,1] 1 inside the region, 0 outside
 * @throws RangeError when the sizes differ or the grid is empty or larger than the frame
 */
export function rvmFillRegionReference(coarse: FloatImage, fine: FloatImage, gridW: number, gridH: number, radius: number): FloatImage {
  const { width: W, height: H } = fine;
  if (coarse.width !== W || coarse.height !== H) throw new RangeError(`rvmFillRegionReference: ${coarse.width}×${coarse.height} vs ${W}×${H}`);
  if (gridW < 1 || gridH < 1 || gridW > W || gridH > H) throw new RangeError(`rvmFillRegionReference: grid ${gridW}×${gridH} for a ${W}×${H} frame`);
  const candidate = new Uint8Array(gridW * gridH);
  for (let ty = 0; ty < gridH; ty++) {
    const y = Math.floor(((2 * ty + 1) * H) / (2 * gridH));
    for (let tx = 0; tx < gridW; tx++) {
      const x = Math.floor(((2 * tx + 1) * W) / (2 * gridW));
      const p = y * W + x;
      candidate[ty * gridW + tx] = fillWeight(coarse.data[p * coarse.channels]!) > 0 && fine.data[p * fine.channels]! < f32(RVM_FILL_F_FULL) ? 1 : 0;
    }
  }
  const disk: [number, number][] = [];
  for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) if (dx * dx + dy * dy <= radius * radius) disk.push([dx, dy]);
  const inside = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < gridW && y < gridH;
  const core = new Uint8Array(gridW * gridH);
  for (let y = 0; y < gridH; y++) {
    for (let x = 0; x < gridW; x++) core[y * gridW + x] = disk.every(([dx, dy]) => !inside(x + dx, y + dy) || candidate[(y + dy) * gridW + x + dx] === 1) ? 1 : 0;
  }
  const region = createImage(gridW, gridH, 1);
  for (let y = 0; y < gridH; y++) {
    for (let x = 0; x < gridW; x++) region.data[y * gridW + x] = disk.some(([dx, dy]) => inside(x + dx, y + dy) && core[(y + dy) * gridW + x + dx] === 1) ? 1 : 0;
  }
  return region;
}

/**
 * Reference of shaders/rvm_fuse.wgsl: per pixel, the fine alpha f filled where the coarse
 * alpha c is sure of the foreground, inside the fill region: f + w·(1 − f),
 * w = clamp((c − 0.90) / 0.05, 0, 1) · region[(x·gridW) / W, (y·gridH) / H], clamped to 0..1.
 * @param coarse, fine [H,W,1] alpha in 0..1, the same size
 * @param region [gridH,gridW,1] 1/0 (rvmFillRegionReference), the grid no larger than the frame
 * @returns [H,W,1] prior
 * @throws RangeError when the sizes differ or the grid is larger than the frame
 */
export function rvmFuseReference(coarse: FloatImage, fine: FloatImage, region: FloatImage): FloatImage {
  const { width: W, height: H } = fine;
  if (coarse.width !== W || coarse.height !== H) throw new RangeError(`rvmFuseReference: ${coarse.width}×${coarse.height} vs ${W}×${H}`);
  if (region.width > W || region.height > H) throw new RangeError(`rvmFuseReference: region ${region.width}×${region.height} for a ${W}×${H} frame`);
  const out = createImage(W, H, 1);
  for (let y = 0; y < H; y++) {
    const ry = Math.floor((y * region.height) / H);
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const r = region.data[(ry * region.width + Math.floor((x * region.width) / W)) * region.channels]!;
      const f = fine.data[p * fine.channels]!;
      const w = f32(fillWeight(coarse.data[p * coarse.channels]!) * r);
      out.data[p] = clamp01(f32(f + f32(w * f32(1 - f))));
    }
  }
  return out;
}
