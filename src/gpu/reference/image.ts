/**
 * A CPU image for the reference implementations and tests: row-major, interleaved
 * channels, float32 values (0..1 for colours and alpha).
 */
export interface FloatImage {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

/** Allocates a zeroed FloatImage. @throws RangeError for non-positive or non-integer sizes */
export function createImage(width: number, height: number, channels: number): FloatImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}×${height}`);
  }
  return { width, height, channels, data: new Float32Array(width * height * channels) };
}

/** Value of channel c at (x, y), with x and y clamped to the image (edge extension). */
export function at(img: FloatImage, x: number, y: number, c: number): number {
  const cx = Math.min(Math.max(x, 0), img.width - 1);
  const cy = Math.min(Math.max(y, 0), img.height - 1);
  return img.data[(cy * img.width + cx) * img.channels + c]!;
}

/** Bilinear sample at normalised uv (0..1 over the image), clamp-to-edge, like a WebGPU linear sampler. */
export function sampleBilinear(img: FloatImage, u: number, v: number, c: number): number {
  const x = u * img.width - 0.5;
  const y = v * img.height - 0.5;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const top = at(img, x0, y0, c) * (1 - fx) + at(img, x0 + 1, y0, c) * fx;
  const bottom = at(img, x0, y0 + 1, c) * (1 - fx) + at(img, x0 + 1, y0 + 1, c) * fx;
  return top * (1 - fy) + bottom * fy;
}

/** WGSL's smoothstep: t = clamp((x − lo) / (hi − lo), 0, 1), t²(3 − 2t). */
export function smoothstep(lo: number, hi: number, x: number): number {
  const t = Math.min(Math.max((x - lo) / (hi - lo), 0), 1);
  return t * t * (3 - 2 * t);
}
