import { describe, expect, it } from 'vitest';
import { createImage, type FloatImage } from '../../src/gpu/reference/image';
import { rvmFillRegionReference, rvmFuseReference } from '../../src/gpu/reference/rvmFuse';

/** A W×H one-channel image, v(x, y) per pixel. */
function image(W: number, H: number, v: (x: number, y: number) => number): FloatImage {
  const img = createImage(W, H, 1);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) img.data[y * W + x] = v(x, y);
  return img;
}

describe('rvmFillRegionReference (the opening of where the coarse scale would fill the fine one)', () => {
  // A 40×20 frame on a 20×10 grid (2×2 pixels a texel). The coarse scale is sure (0.97) in a
  // wide block of texels 2..13 × 1..8 and along a stripe 1 texel wide at texel column 17; the
  // fine alpha is 0.2 everywhere.
  const [W, H, gw, gh] = [40, 20, 20, 10];
  const inBlock = (tx: number, ty: number): boolean => tx >= 2 && tx <= 13 && ty >= 1 && ty <= 8;
  const coarse = image(W, H, (x, y) => (inBlock(x >> 1, y >> 1) || x >> 1 === 17 ? 0.97 : 0.5));
  const fine = image(W, H, () => 0.2);

  it('keeps a wide region (its corners rounded by the disk) and drops a narrow one (radius 2)', () => {
    const region = rvmFillRegionReference(coarse, fine, gw, gh, 2);
    // A disk of radius 2 (13 texels) inside the block reaches all of it but the three texels at
    // each corner (Manhattan distance < 2 from it).
    const corner = (tx: number, ty: number): boolean => Math.min(tx - 2, 13 - tx) + Math.min(ty - 1, 8 - ty) < 2;
    for (let ty = 0; ty < gh; ty++) {
      for (let tx = 0; tx < gw; tx++) expect(region.data[ty * gw + tx], `texel ${tx},${ty}`).toBe(inBlock(tx, ty) && !corner(tx, ty) ? 1 : 0);
    }
  });

  it('with radius 0 is the candidates themselves', () => {
    const region = rvmFillRegionReference(coarse, fine, gw, gh, 0);
    expect(region.data[3 * gw + 17]).toBe(1);
    expect(region.data[3 * gw + 15]).toBe(0);
  });

  it("counts texels outside the grid as candidates: a region cut by the frame's edge stays", () => {
    const edge = image(W, H, (x) => (x >> 1 <= 5 ? 0.97 : 0.5));
    const region = rvmFillRegionReference(edge, fine, gw, gh, 2);
    for (let ty = 0; ty < gh; ty++) for (let tx = 0; tx < gw; tx++) expect(region.data[ty * gw + tx]).toBe(tx <= 5 ? 1 : 0);
  });

  it('leaves out pixels the fill would not raise: the fine alpha already full (≥ 0.99)', () => {
    const full = image(W, H, () => 0.995);
    const region = rvmFillRegionReference(coarse, full, gw, gh, 0);
    expect([...region.data].every((v) => v === 0)).toBe(true);
  });

  it('refuses sizes that do not fit', () => {
    expect(() => rvmFillRegionReference(coarse, image(W, H + 1, () => 0), gw, gh, 2)).toThrow(RangeError);
    expect(() => rvmFillRegionReference(coarse, fine, W + 1, gh, 2)).toThrow(RangeError);
  });
});

describe('rvmFuseReference', () => {
  it('fills the fine alpha by the ramp where the region holds, and not elsewhere', () => {
    // 4×1 pixels on a 2×1 grid: the region holds on the left texel only.
    const coarse = image(4, 1, (x) => [0.95, 0.925, 0.95, 0.925][x]!);
    const fine = image(4, 1, () => 0.2);
    const region = image(2, 1, (x) => (x === 0 ? 1 : 0));
    const prior = rvmFuseReference(coarse, fine, region);
    expect(prior.data[0]).toBeCloseTo(1, 6);
    expect(prior.data[1]).toBeCloseTo(0.2 + 0.5 * 0.8, 5);
    expect(prior.data[2]).toBeCloseTo(0.2, 6);
    expect(prior.data[3]).toBeCloseTo(0.2, 6);
  });
});
