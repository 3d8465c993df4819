// A VP8 frame-header reader (RFC 6386): the frame type, the quantizer index and whether
// segmentation is on, enough to check that libvpx held the quantizer asked for.
import type { FrameQuantizer } from './quantizer';

/** VP8's boolean entropy decoder (RFC 6386 section 7), enough to read the frame header. */
class Vp8BoolDecoder {
  private value: number;
  private range = 255;
  private bitCount = 0;
  private pos: number;
  constructor(
    private readonly data: Uint8Array,
    start: number,
  ) {
    this.value = ((data[start] ?? 0) << 8) | (data[start + 1] ?? 0);
    this.pos = start + 2;
  }
  bool(prob: number): number {
    const split = 1 + (((this.range - 1) * prob) >> 8);
    const bigSplit = split << 8;
    let bit: number;
    if (this.value >= bigSplit) {
      bit = 1;
      this.range -= split;
      this.value -= bigSplit;
    } else {
      bit = 0;
      this.range = split;
    }
    while (this.range < 128) {
      this.value <<= 1;
      this.range <<= 1;
      if (++this.bitCount === 8) {
        this.bitCount = 0;
        this.value |= this.data[this.pos++] ?? 0;
      }
    }
    return bit;
  }
  /** An n-bit unsigned literal, most significant bit first. */
  literal(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | this.bool(128);
    return v;
  }
  /** A flag, then (if set) an n-bit magnitude and a sign bit. */
  optionalSigned(n: number): number {
    if (!this.bool(128)) return 0;
    const v = this.literal(n);
    return this.bool(128) ? -v : v;
  }
}

/**
 * Reads the quantizer from a VP8 frame header (RFC 6386 9.2–9.6, 19.2).
 * @throws Error for a frame too short or a key frame without the start code
 */
export function parseVp8FrameHeader(frame: Uint8Array): FrameQuantizer & { keyFrame: boolean } {
  if (frame.length < 3) throw new Error(`VP8 frame of ${frame.length} bytes`);
  const keyFrame = (frame[0]! & 1) === 0;
  let start = 3;
  if (keyFrame) {
    if (frame.length < 10 || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) throw new Error('VP8 key frame without the 9d 01 2a start code');
    start = 10;
  }
  const d = new Vp8BoolDecoder(frame, start);
  if (keyFrame) d.literal(2); // colour space, clamping type
  const perBlock = d.bool(128) === 1;
  if (perBlock) {
    const updateMap = d.bool(128);
    if (d.bool(128)) {
      d.bool(128); // absolute or delta
      for (let i = 0; i < 8; i++) d.optionalSigned(i < 4 ? 7 : 6); // quantizer, loop filter level per segment
    }
    if (updateMap) for (let i = 0; i < 3; i++) if (d.bool(128)) d.literal(8);
  }
  d.literal(1 + 6 + 3); // filter type, level, sharpness
  if (d.bool(128) && d.bool(128)) for (let i = 0; i < 8; i++) d.optionalSigned(6);
  d.literal(2); // log2 of the DCT partitions
  return { keyFrame, qIndex: d.literal(7), perBlock };
}
