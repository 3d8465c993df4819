// The fixed quantizer of the bandwidth benchmark: the scale Q is given on, the frame-header
// index each codec must show for it, ffmpeg's trace of VP9 / AV1 headers, and the check that
// every frame of a sequence was coded at that index.
import type { BandwidthCodec } from './types';

/** The quantizer scale, as used for every codec here. */
export const QUANTIZER_SCALE =
  'Q is the libvpx / libaom encoder-API quantizer 0..63 (vpxenc --min-q/--max-q, ffmpeg -qmin/-qmax) for every codec. ' +
  'VP8: ffmpeg -qmin Q -qmax Q, frame header y_ac_qi = libvpx q_trans[Q] (0..127). ' +
  'VP9 / AV1: WebCodecs takes the bitstream base_q_idx 0..255 in this Chromium (w3c/webcodecs#915 changed the range from 0..63), ' +
  'so encode() gets quantizer = 4·Q (255 for 63), what libvpx / libaom map Q to. Every frame header is read back and checked. ' +
  'Step sizes differ per codec: compare savings within a codec, not kbit/s across codecs.';

/** What a frame header says about the quantizer. */
export interface FrameQuantizer {
  /** VP8 y_ac_qi (0..127), VP9 / AV1 base_q_idx (0..255). */
  qIndex: number;
  /**
   * Blocks may use another index: segmentation is on (VP8, VP9, AV1; its data can persist
   * from an earlier frame, so any segmentation counts) or AV1's per-superblock delta q.
   */
  perBlock: boolean;
}

/**
 * The quantizer index of every frame in ffmpeg's `trace_headers` output (VP9 and AV1 frame
 * headers; a shown-existing frame has none).
 * @param text the bitstream filter's log
 * @returns one entry per frame header, in order
 */
export function parseTraceHeaders(text: string): FrameQuantizer[] {
  const frames: FrameQuantizer[] = [];
  for (const m of text.matchAll(/\b(base_q_idx|segmentation_enabled|delta_q_present)\s+[01]+ = (\d+)/g)) {
    const value = Number(m[2]);
    if (m[1] === 'base_q_idx') frames.push({ qIndex: value, perBlock: false });
    else if (value === 1 && frames.length > 0) frames[frames.length - 1]!.perBlock = true;
  }
  return frames;
}

/**
 * libvpx's VP8 map from the API quantizer 0..63 to the frame header's y_ac_qi 0..127
 * (q_trans in vp8/encoder/onyx_if.c).
 */
const VP8_Q_INDEX = [
  0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 15, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 33, 35, 37, 39, 41,
  43, 45, 47, 49, 51, 53, 55, 57, 59, 61, 64, 67, 70, 73, 76, 79, 82, 85, 88, 91, 94, 97, 100, 103, 106, 109, 112, 115, 118, 121, 124, 127,
];

/**
 * The frame-header quantizer index an API quantizer Q must give.
 * @param q the libvpx / libaom API quantizer, integer 0..63
 * @returns VP8 y_ac_qi (q_trans[Q]); VP9 and AV1 base_q_idx (4·Q, 255 for 63: vp9/av1_quantizer_to_qindex)
 * @throws RangeError for Q outside 0..63
 */
export function expectedQIndex(codec: BandwidthCodec, q: number): number {
  if (!Number.isInteger(q) || q < 0 || q > 63) throw new RangeError(`quantizer ${q} is not an integer in 0..63`);
  if (codec === 'vp8-libvpx') return VP8_Q_INDEX[q]!;
  return q === 63 ? 255 : 4 * q;
}

/**
 * Checks that every frame of a sequence was coded at the expected index with nothing per block.
 * @param frames the frame headers read back (hidden frames count: at least `expectedFrames`)
 * @throws Error naming the codec, the quantizer and what the headers show otherwise
 */
export function checkFixedQuantizer(frames: readonly FrameQuantizer[], codec: BandwidthCodec, q: number, expectedFrames: number): void {
  const expected = expectedQIndex(codec, q);
  if (frames.length < expectedFrames) throw new Error(`${codec} Q ${q}: ${frames.length} frame headers read back for ${expectedFrames} frames`);
  const other = [...new Set(frames.map((f) => f.qIndex))].filter((i) => i !== expected);
  if (other.length > 0) throw new Error(`${codec} Q ${q}: the encoder did not hold the quantizer: frame headers show index ${other.join(', ')}, expected ${expected} on every frame`);
  if (frames.some((f) => f.perBlock)) throw new Error(`${codec} Q ${q}: segmentation or per-block delta q is on, so blocks may use other quantizers`);
}
