// The bandwidth benchmark's vocabulary: the encoder columns, the encoded variants, the
// options of measureBandwidth (measure.ts) and the report it returns (rows, means, clips).
import type { BlurStrength, Mode, Options } from '../../../src/options';
import type { ReplaySession } from '../runReplay';

/**
 * An encoder column:
 * - `vp8-libvpx`: VP8 by ffmpeg's libvpx wrapper (`-qmin Q -qmax Q`), because Chromium's
 *   WebCodecs refuses a fixed quantizer for VP8 ("VP8 doesn't support per-frame quantizer");
 * - `vp9-webcodecs`, `av1-webcodecs`: Chromium's `VideoEncoder` (libvpx / libaom inside),
 *   `bitrateMode: 'quantizer'`, `encode(frame, { vp9|av1: { quantizer } })` (see QUANTIZER_SCALE).
 */
export type BandwidthCodec = 'vp8-libvpx' | 'vp9-webcodecs' | 'av1-webcodecs';
export const BANDWIDTH_CODECS: readonly BandwidthCodec[] = ['vp8-libvpx', 'vp9-webcodecs', 'av1-webcodecs'];

/**
 * What is encoded: `camera` the source frames untouched; the others the pipeline's
 * composite in that mode (`off` is the pipeline passing the camera through: the same
 * I420 → RGB → I420 round trip as every other output, nothing else).
 */
export type BandwidthVariant = 'camera' | 'off' | 'blur-light' | 'blur-medium' | 'blur-strong' | 'image' | 'color';
export const BANDWIDTH_VARIANTS: readonly BandwidthVariant[] = ['camera', 'off', 'blur-light', 'blur-medium', 'blur-strong', 'image', 'color'];

/** The pipeline modes measured besides blur. */
export type ExtraMode = Exclude<Mode, 'blur'>;

/** WebCodecs latency mode of the VP9 / AV1 encoders. */
export type LatencyMode = 'realtime' | 'quality';

/** Options of measureBandwidth (measure.ts). */
export interface BandwidthOptions {
  /** Clips: .y4m or any video file ffmpeg decodes (4:2:0 after conversion). Default defaultClips(quick) (clips.ts). */
  clips?: string[];
  /** Fewer default clips (one dev clip, one webcam clip). Ignored when `clips` is given. */
  quick?: boolean;
  /** Only the first N frames of each clip (N ≥ 2). Default: all. */
  maxFrames?: number;
  /** Fixed quantizers on the libvpx / libaom API scale 0..63 (see QUANTIZER_SCALE). Default [20, 40]. */
  quantizers?: number[];
  /** Blur strengths measured. Default light, medium, strong. */
  strengths?: BlurStrength[];
  /** Other modes measured. Default off, image, color. */
  extraModes?: ExtraMode[];
  /** Encoders. Default vp8-libvpx, vp9-webcodecs, and av1-webcodecs when this Chromium encodes AV1. */
  codecs?: BandwidthCodec[];
  /** WebCodecs latency mode. Default `realtime` (what a call sends with). */
  latencyMode?: LatencyMode;
  /** Image for `image` mode: a .png/.jpg/.webp path. Default ../shared/real/plate_pairs/kitchen/bg_sd.png. */
  background?: string;
  /** Extra engine options for every pipeline run (e.g. `{ backend: 'tasks-vision' }`). */
  engine?: Partial<Options>;
  /** Run the pipeline on the machine's GPU instead of SwiftShader (the encoders are software either way). */
  gpu?: boolean;
  /** An open replay session to run the pipeline in; it is left open. Default: one opened and closed here. */
  session?: ReplaySession;
  /** Limit per pipeline run, in ms. Default 30 minutes. */
  timeoutMs?: number;
  /** Receives one line per finished step (replay, encode). */
  onProgress?: (line: string) => void;
}

/** One encoded sequence. */
export interface BandwidthRow {
  /** Clip name (file name without extension, or its folder's name for clip.y4m). */
  clip: string;
  variant: BandwidthVariant;
  codec: BandwidthCodec;
  /** The fixed quantizer Q, 0..63 on the libvpx / libaom API scale (QUANTIZER_SCALE). */
  quantizer: number;
  frames: number;
  /** Frames per second of the clip (bitrates are at this rate). */
  fps: number;
  /** Sum of the encoded frames' sizes (no container), bytes. */
  bytes: number;
  /** bytes · 8 · fps / frames / 1000. */
  kbps: number;
  /** 1 − kbps / kbps(camera) for the same clip, codec and quantizer; null for the camera row. */
  saving: number | null;
  /**
   * kbit/s of the frames after the first (the key frame): the steady state of a call, where
   * key frames are rare. (bytes − first frame's bytes) · 8 · fps / (frames − 1) / 1000.
   */
  deltaKbps: number;
  /** 1 − deltaKbps / deltaKbps(camera); null for the camera row. */
  deltaSaving: number | null;
  /** Key frames in the bitstream (1: only the first, as asked). */
  keyFrames: number;
  /**
   * The quantizer index every frame header shows (checked, with segmentation and per-block
   * delta q off): VP8 y_ac_qi (0..127), VP9 / AV1 base_q_idx (0..255). See expectedQIndex.
   */
  qIndex: number;
  /** PSNR in dB of the decoded sequence against the encoder's input: luma, and all planes by sample count. 100 when identical. */
  psnrY: number;
  psnrYuv: number;
}

/** Mean over clips of one codec × quantizer × variant. */
export interface BandwidthMean {
  codec: BandwidthCodec;
  quantizer: number;
  variant: BandwidthVariant;
  clips: number;
  /** Mean of the clips' kbit/s. */
  kbps: number;
  /** Mean of the clips' savings (each clip weighs the same); null for the camera. */
  saving: number | null;
  /** The same two for the frames after the key frame (BandwidthRow.deltaKbps). */
  deltaKbps: number;
  deltaSaving: number | null;
  /** Mean PSNR (luma), dB. */
  psnrY: number;
}

/** A clip as measured. */
export interface BandwidthClip {
  name: string;
  path: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
}

/** What measureBandwidth (measure.ts) returns (and bench-bandwidth writes as JSON). */
export interface BandwidthReport {
  clips: BandwidthClip[];
  quantizers: number[];
  variants: BandwidthVariant[];
  codecs: BandwidthCodec[];
  /** Exact encoder settings per codec, in words (see encoderSettings in measure.ts). */
  encoders: Partial<Record<BandwidthCodec, string>>;
  /** How the quantizer scale maps onto each codec's own index (QUANTIZER_SCALE). */
  quantizerScale: string;
  latencyMode: LatencyMode;
  /** The WebGPU adapter and base-network backend the pipeline ran on; null when only the camera was encoded. */
  adapter: string | null;
  backend: string | null;
  /** Codecs asked for by default but left out, with why (e.g. AV1 not supported). */
  skipped: string[];
  rows: BandwidthRow[];
  means: BandwidthMean[];
  wallMs: number;
}
