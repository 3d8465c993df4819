// What the bandwidth benchmark (scripts/lib/bandwidth/browserEncode.ts) and its encoder page
// (test/bench/encode.ts) say to each other: the codecs and codec strings, one sequence to
// encode, the chunks that come back, and the page's `window.bandwidthEncoder`.
import type { LatencyMode } from './types';

/** Codecs encoded by the page. VP8 is not one: Chromium refuses a fixed quantizer for it. */
export type WebCodecsCodec = 'vp9' | 'av1';

/** The codec strings: VP9 profile 0 level 3.1 8-bit; AV1 Main profile level 3.0 Main tier 8-bit. */
export const CODEC_STRINGS: Record<WebCodecsCodec, string> = { vp9: 'vp09.00.31.08', av1: 'av01.0.04M.08' };

/** One sequence to encode. */
export interface EncodeRequest {
  codec: WebCodecsCodec;
  /**
   * The fixed quantizer, the same on every frame, as `encode(frame, { vp9|av1: { quantizer } })`
   * takes it: this Chromium takes the bitstream's base_q_idx 0..255 (see QUANTIZER_SCALE).
   */
  quantizer: number;
  width: number;
  height: number;
  /** Frames per second: timestamps and the encoder's framerate. */
  fps: number;
  frames: number;
  latencyMode: LatencyMode;
  /** Frame i (I420, BT.601 limited range, width·height·1.5 bytes) is at `${frameUrl}${i}`. */
  frameUrl: string;
}

/** The encoded sequence, chunks in output order. */
export interface EncodeResult {
  codecString: string;
  /** `data` is base64. */
  chunks: { key: boolean; timestamp: number; data: string }[];
  /** Wall time from configure to the end of flush, ms. */
  encodeMs: number;
}

/** `window.bandwidthEncoder`: the page's side. */
export interface BandwidthEncoder {
  /** Whether this browser encodes `codec` at this size (pixels) with a fixed quantizer. */
  supported(codec: WebCodecsCodec, width: number, height: number, latencyMode: LatencyMode): Promise<boolean>;
  /**
   * Encodes the frames in order: a key frame first, delta frames after, every frame at the
   * request's quantizer.
   * @throws Error when the configuration is unsupported, a frame cannot be fetched, the
   *   encoder reports an error, or it returns another number of chunks than frames
   */
  encode(req: EncodeRequest): Promise<EncodeResult>;
}

declare global {
  interface Window {
    bandwidthEncoder: BandwidthEncoder;
  }
}
