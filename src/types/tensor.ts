// Tensor layouts shared by the GPU passes and the model runtimes: NCHW sizes, float16 values.

/** Bytes of the NCHW float32 tensor [1, 3, height, width]. */
export function tensorBytes(width: number, height: number): number {
  return 3 * width * height * 4;
}

/** Converts an IEEE 754 half (as uint16 bits) to a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
