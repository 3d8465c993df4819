// Bandwidth benchmark: how many bits a video encoder spends on this project's output
// (blur light / medium / strong, image, colour, off) against the untouched camera frames,
// at a fixed quantizer, so the only thing that changes between rows is the picture.
//
//   clip ──▶ camera.y4m (the source frames, as they are)
//        └─▶ replay (the real pipeline, every frame, in order) ─com RGBA─▶ BT.601 I420 ─▶ <variant>.y4m
//   each .y4m ─▶ VP9 / AV1: WebCodecs VideoEncoder in Chromium, bitrateMode 'quantizer'
//             └▶ VP8: ffmpeg + libvpx (Chromium's WebCodecs has no fixed-quantizer VP8)
//   each bitstream ─▶ bytes, kbit/s, the quantizer read back from every frame header (VP8 here,
//                     VP9 / AV1 by ffmpeg's trace_headers) and checked, PSNR of the decoded
//                     frames (ffmpeg) against the encoder's input
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import type { BlurStrength, Mode, Options } from '../../src/options';
import type { EncodeRequest, EncodeResult, WebCodecsCodec } from '../../test/bench/encode';
import { launchChromium } from './browser';
import { openFrameSource, type FramePayload, type NodeFrameSource } from './frames';
import { openReplaySession, readImageFile, type ReplaySession, type ServedImage } from './runReplay';
import { ROOT, startReplayServer, type ReplayServer } from './replayServer';

// ───────────────────────────── public types ─────────────────────────────

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

/** Options of {@link measureBandwidth}. */
export interface BandwidthOptions {
  /** Clips: .y4m or any video file ffmpeg decodes (4:2:0 after conversion). Default {@link defaultClips}(quick). */
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

/** What {@link measureBandwidth} returns (and bench-bandwidth writes as JSON). */
export interface BandwidthReport {
  clips: BandwidthClip[];
  quantizers: number[];
  variants: BandwidthVariant[];
  codecs: BandwidthCodec[];
  /** Exact encoder settings per codec, in words (see ENCODER_SETTINGS). */
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

/** The quantizer scale, as used for every codec here. */
export const QUANTIZER_SCALE =
  'Q is the libvpx / libaom encoder-API quantizer 0..63 (vpxenc --min-q/--max-q, ffmpeg -qmin/-qmax) for every codec. ' +
  'VP8: ffmpeg -qmin Q -qmax Q, frame header y_ac_qi = libvpx q_trans[Q] (0..127). ' +
  'VP9 / AV1: WebCodecs takes the bitstream base_q_idx 0..255 in this Chromium (w3c/webcodecs#915 changed the range from 0..63), ' +
  'so encode() gets quantizer = 4·Q (255 for 63), what libvpx / libaom map Q to. Every frame header is read back and checked. ' +
  'Step sizes differ per codec: compare savings within a codec, not kbit/s across codecs.';

// ───────────────────────────── pure helpers ─────────────────────────────

/**
 * Bitrate of a sequence.
 * @param bytes encoded bytes (≥ 0)
 * @param frames frame count (≥ 1)
 * @param fps frames per second (> 0)
 * @returns kbit/s (1000 bit/s)
 * @throws RangeError for a frame count or rate that is not positive
 */
export function kbitPerSecond(bytes: number, frames: number, fps: number): number {
  if (!(frames > 0) || !(fps > 0) || !(bytes >= 0)) throw new RangeError(`kbitPerSecond: bytes ${bytes}, frames ${frames}, fps ${fps}`);
  return (bytes * 8 * fps) / frames / 1000;
}

/**
 * The share of the camera's bitrate a variant saves: 1 − variant / camera.
 * @returns a fraction (0.6 = 60 % fewer bits; negative when the variant costs more)
 * @throws RangeError when the camera bitrate is not positive
 */
export function saving(variantKbps: number, cameraKbps: number): number {
  if (!(cameraKbps > 0)) throw new RangeError(`saving: camera bitrate must be positive, got ${cameraKbps}`);
  return 1 - variantKbps / cameraKbps;
}

/**
 * PSNR from a mean squared error of 8-bit samples.
 * @returns dB; 100 for an MSE of 0 (identical)
 */
export function psnrFromMse(mse: number): number {
  return mse <= 0 ? 100 : 10 * Math.log10((255 * 255) / mse);
}

/** Running squared errors of I420 frames: luma and all planes. */
export class I420ErrorSum {
  private sumY = 0;
  private countY = 0;
  private sumAll = 0;
  private countAll = 0;
  /**
   * Adds one frame pair.
   * @param a, b I420 frames of width×height (even), same length
   * @throws RangeError when the lengths differ from width·height·1.5
   */
  add(a: Uint8Array, b: Uint8Array, width: number, height: number): void {
    const ySize = width * height;
    const size = ySize + 2 * (width / 2) * (height / 2);
    if (a.length !== size || b.length !== size) throw new RangeError(`I420 frame of ${width}×${height} needs ${size} bytes, got ${a.length} and ${b.length}`);
    let y = 0;
    for (let i = 0; i < ySize; i++) {
      const d = a[i]! - b[i]!;
      y += d * d;
    }
    let c = 0;
    for (let i = ySize; i < size; i++) {
      const d = a[i]! - b[i]!;
      c += d * d;
    }
    this.sumY += y;
    this.countY += ySize;
    this.sumAll += y + c;
    this.countAll += size;
  }
  /** PSNR (dB) of luma and of all planes over every frame added. @throws Error when nothing was added */
  psnr(): { y: number; yuv: number } {
    if (this.countY === 0) throw new Error('no frames compared');
    return { y: psnrFromMse(this.sumY / this.countY), yuv: psnrFromMse(this.sumAll / this.countAll) };
  }
}

/**
 * RGBA (8-bit, alpha ignored) to I420 with the BT.601 matrix and limited range (Y 16..235,
 * Cb/Cr 16..240): what the replay page assumed when it turned the .y4m into RGB
 * (src/sources/y4m.ts y4mColorSpace). Chroma is the mean of each 2×2 block's RGB.
 * @param rgba width·height·4 bytes
 * @returns width·height·1.5 bytes: Y, then U, then V
 * @throws RangeError for an odd size or a wrong byte count
 */
export function rgbaToI420(rgba: Uint8Array, width: number, height: number): Uint8Array {
  if (width % 2 || height % 2 || width <= 0 || height <= 0) throw new RangeError(`rgbaToI420: ${width}×${height} is not an even size`);
  if (rgba.length !== width * height * 4) throw new RangeError(`rgbaToI420: ${rgba.length} bytes for ${width}×${height} RGBA`);
  const out = new Uint8Array(width * height * 1.5);
  const cw = width / 2;
  const uOffset = width * height;
  const vOffset = uOffset + cw * (height / 2);
  const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let i = 0, p = 0; i < width * height; i++, p += 4) {
    out[i] = clamp(16 + (219 * (0.299 * rgba[p]! + 0.587 * rgba[p + 1]! + 0.114 * rgba[p + 2]!)) / 255);
  }
  for (let cy = 0; cy < height / 2; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const p = ((2 * cy + dy) * width + 2 * cx + dx) * 4;
        r += rgba[p]!;
        g += rgba[p + 1]!;
        b += rgba[p + 2]!;
      }
      r /= 4 * 255;
      g /= 4 * 255;
      b /= 4 * 255;
      out[uOffset + cy * cw + cx] = clamp(128 + 224 * (-0.168736 * r - 0.331264 * g + 0.5 * b));
      out[vOffset + cy * cw + cx] = clamp(128 + 224 * (0.5 * r - 0.418688 * g - 0.081312 * b));
    }
  }
  return out;
}

/** The .y4m stream header this module writes: I420, BT.601 limited range, fps as a ratio of integers. */
export function y4mHeader(width: number, height: number, fps: number): string {
  const [num, den] = Number.isInteger(fps) ? [fps, 1] : [Math.round(fps * 1000), 1000];
  return `YUV4MPEG2 W${width} H${height} F${num}:${den} Ip A1:1 C420jpeg XCOLORRANGE=LIMITED\n`;
}

const IVF_FOURCC: Record<'vp8' | 'vp9' | 'av1', string> = { vp8: 'VP80', vp9: 'VP90', av1: 'AV01' };

/**
 * Writes frames into an IVF container (the libvpx test format ffmpeg reads), one frame per
 * unit of a 1000/(fps·1000) time base.
 * @returns the whole file
 */
export function writeIvf(codec: 'vp8' | 'vp9' | 'av1', width: number, height: number, fps: number, frames: readonly Uint8Array[]): Buffer {
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(0, 4);
  header.writeUInt16LE(32, 6);
  header.write(IVF_FOURCC[codec], 8, 'latin1');
  header.writeUInt16LE(width, 12);
  header.writeUInt16LE(height, 14);
  header.writeUInt32LE(Math.round(fps * 1000), 16);
  header.writeUInt32LE(1000, 20);
  header.writeUInt32LE(frames.length, 24);
  const parts: Buffer[] = [header];
  frames.forEach((f, i) => {
    const h = Buffer.alloc(12);
    h.writeUInt32LE(f.length, 0);
    h.writeBigUInt64LE(BigInt(i), 4);
    parts.push(h, Buffer.from(f.buffer, f.byteOffset, f.length));
  });
  return Buffer.concat(parts);
}

/**
 * Splits an IVF file into its frames.
 * @returns the fourcc and each frame's payload (views into `bytes`)
 * @throws Error for a missing signature or a truncated frame
 */
export function readIvf(bytes: Uint8Array): { fourcc: string; frames: Uint8Array[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = (a: number, b: number): string => String.fromCharCode(...bytes.subarray(a, b));
  if (bytes.length < 32 || latin1(0, 4) !== 'DKIF') throw new Error('not an IVF file (no DKIF signature)');
  const headerSize = view.getUint16(6, true);
  const frames: Uint8Array[] = [];
  let pos = headerSize;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new Error(`IVF frame ${frames.length}: truncated frame header`);
    const size = view.getUint32(pos, true);
    if (pos + 12 + size > bytes.length) throw new Error(`IVF frame ${frames.length}: ${size} bytes announced, ${bytes.length - pos - 12} left`);
    frames.push(bytes.subarray(pos + 12, pos + 12 + size));
    pos += 12 + size;
  }
  return { fourcc: latin1(8, 12), frames };
}

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

/**
 * Fills each row's saving against the camera row of the same clip, codec and quantizer.
 * @returns new rows; the camera rows get null
 * @throws Error when a clip × codec × quantizer has no camera row
 */
export function withSavings(rows: readonly BandwidthRow[]): BandwidthRow[] {
  const camera = new Map<string, BandwidthRow>();
  const key = (r: BandwidthRow): string => `${r.clip}\u0000${r.codec}\u0000${r.quantizer}`;
  for (const r of rows) if (r.variant === 'camera') camera.set(key(r), r);
  return rows.map((r) => {
    if (r.variant === 'camera') return { ...r, saving: null, deltaSaving: null };
    const base = camera.get(key(r));
    if (base === undefined) throw new Error(`no camera row for ${r.clip} ${r.codec} q${r.quantizer}`);
    return { ...r, saving: saving(r.kbps, base.kbps), deltaSaving: saving(r.deltaKbps, base.deltaKbps) };
  });
}

/**
 * Means over clips per codec × quantizer × variant, in the rows' first-seen order: kbit/s and
 * saving (each clip weighs the same), over all frames and after the key frame, and luma PSNR.
 */
export function meanOverClips(rows: readonly BandwidthRow[]): BandwidthMean[] {
  const groups = new Map<string, BandwidthRow[]>();
  for (const r of rows) {
    const k = `${r.codec}\u0000${r.quantizer}\u0000${r.variant}`;
    const list = groups.get(k) ?? [];
    list.push(r);
    groups.set(k, list);
  }
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  return [...groups.values()].map((list) => {
    const { codec, quantizer, variant } = list[0]!;
    const meanSaving = (values: (number | null)[]): number | null => (values.every((v) => v !== null) ? mean(values as number[]) : null);
    return {
      codec,
      quantizer,
      variant,
      clips: list.length,
      kbps: mean(list.map((r) => r.kbps)),
      saving: meanSaving(list.map((r) => r.saving)),
      deltaKbps: mean(list.map((r) => r.deltaKbps)),
      deltaSaving: meanSaving(list.map((r) => r.deltaSaving)),
      psnrY: mean(list.map((r) => r.psnrY)),
    };
  });
}

/** Column heading of a variant in the table. */
const VARIANT_HEADINGS: Record<BandwidthVariant, string> = {
  camera: 'camera kbit/s',
  off: 'off',
  'blur-light': 'light',
  'blur-medium': 'medium',
  'blur-strong': 'strong',
  image: 'image',
  color: 'colour',
};

/**
 * The report as text: one table per codec × quantizer, a row per clip, the mean row, and the
 * mean after the key frame (steady state); the camera's kbit/s, then each variant's saving
 * in % (and its kbit/s in brackets), and the luma PSNR of camera and medium blur.
 */
export function formatBandwidthTable(report: Pick<BandwidthReport, 'rows' | 'means' | 'variants' | 'codecs' | 'quantizers'>): string {
  const variants = report.variants;
  const lines: string[] = [];
  const cell = (r: { kbps: number; saving: number | null } | undefined): string => {
    if (!r) return '–';
    if (r.saving === null) return r.kbps.toFixed(0);
    return `${(r.saving * 100).toFixed(1)}% (${r.kbps.toFixed(0)})`;
  };
  for (const codec of report.codecs) {
    for (const quantizer of report.quantizers) {
      const rows = report.rows.filter((r) => r.codec === codec && r.quantizer === quantizer);
      if (rows.length === 0) continue;
      const clips = [...new Set(rows.map((r) => r.clip))];
      const table: string[][] = [['clip', ...variants.map((v) => VARIANT_HEADINGS[v]), 'PSNR-Y camera/medium dB']];
      const psnr = (list: { variant: BandwidthVariant; psnrY: number }[]): string => {
        const cam = list.find((r) => r.variant === 'camera');
        const med = list.find((r) => r.variant === 'blur-medium');
        return `${cam ? cam.psnrY.toFixed(1) : '–'} / ${med ? med.psnrY.toFixed(1) : '–'}`;
      };
      for (const clip of clips) {
        const of = rows.filter((r) => r.clip === clip);
        table.push([clip, ...variants.map((v) => cell(of.find((r) => r.variant === v))), psnr(of)]);
      }
      const means = report.means.filter((m) => m.codec === codec && m.quantizer === quantizer);
      table.push([`mean of ${clips.length}`, ...variants.map((v) => cell(means.find((m) => m.variant === v))), psnr(means)]);
      const delta = means.map((m) => ({ kbps: m.deltaKbps, saving: m.deltaSaving, variant: m.variant }));
      table.push(['  after key frame', ...variants.map((v) => cell(delta.find((m) => m.variant === v))), '']);
      const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
      lines.push(`${ENCODER_NAMES[codec]}, Q ${quantizer}: saving vs camera (kbit/s)`);
      for (const row of table) lines.push(row.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  '));
      lines.push('');
    }
  }
  return lines.join('\n');
}

/** Short names of the encoder columns. */
export const ENCODER_NAMES: Record<BandwidthCodec, string> = {
  'vp8-libvpx': 'VP8 (ffmpeg/libvpx)',
  'vp9-webcodecs': 'VP9 (WebCodecs)',
  'av1-webcodecs': 'AV1 (WebCodecs)',
};

/**
 * ffmpeg arguments for the VP8 column: libvpx one pass, quantizer clamped to Q on every frame
 * (`-qmin Q -qmax Q`) under a target bitrate far above anything reached (so the rate control
 * always wants the lowest quantizer and never raises the zero-bin), realtime deadline with
 * a static speed (`-cpu-used -6`, WebRTC's default for VP8 on desktop; a positive value would let
 * libvpx pick the speed from the encode time and make the bytes machine-dependent), no
 * alt-ref frames or look-ahead, no frame dropping, one key frame, one thread.
 */
export function vp8FfmpegArgs(input: string, output: string, quantizer: number): string[] {
  return [
    '-v', 'error', '-nostdin', '-y', '-i', input,
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '-6',
    '-qmin', String(quantizer), '-qmax', String(quantizer), '-b:v', '1000M',
    '-g', '1000000', '-auto-alt-ref', '0', '-lag-in-frames', '0', '-drop-threshold', '0', '-threads', '1',
    '-f', 'ivf', output,
  ];
}

/** Exact encoder settings per codec, as written into the report. */
export function encoderSettings(latencyMode: LatencyMode): Record<BandwidthCodec, string> {
  const webcodecs = (codec: WebCodecsCodec, name: string): string =>
    `Chromium WebCodecs VideoEncoder (${name}): codec '${CODEC_STRING[codec]}', bitrateMode 'quantizer', latencyMode '${latencyMode}', ` +
    `hardwareAcceleration 'prefer-software', framerate = clip fps; encode(frame, { keyFrame: i === 0, ${codec}: { quantizer: 4·Q (255 for Q 63) } }); ` +
    `input I420 VideoFrames, BT.601 limited range`;
  return {
    'vp8-libvpx': `ffmpeg ${vp8FfmpegArgs('IN.y4m', 'OUT.ivf', 0).join(' ').replace(/-qmin 0 -qmax 0/, '-qmin Q -qmax Q')} (libvpx VP8; Chromium's WebCodecs has no fixed-quantizer VP8)`,
    'vp9-webcodecs': webcodecs('vp9', 'libvpx VP9'),
    'av1-webcodecs': webcodecs('av1', 'libaom AV1'),
  };
}

/** Must match test/bench/encode.ts CODEC_STRINGS (that file is the browser's; this is Node's copy for the report). */
const CODEC_STRING: Record<WebCodecsCodec, string> = { vp9: 'vp09.00.31.08', av1: 'av01.0.04M.08' };

/** The default clips: both dev clips and three webcam clips; quick: one of each. */
export function defaultClips(quick = false): string[] {
  const shared = resolve(ROOT, '../shared');
  const dev = (n: number): string => join(shared, `eval/dev/clips/dev_clip${n}/clip.y4m`);
  const webcam = (name: string): string => join(shared, `real/webcam_clips/${name}.mkv`);
  return quick ? [dev(0), webcam('again')] : [dev(0), dev(1), webcam('again'), webcam('book'), webcam('hungry')];
}

/** The first frames of a clip when quick mode cuts it. */
export const QUICK_FRAMES = 30;

/** The default image for `image` mode. */
export const DEFAULT_BACKGROUND = resolve(ROOT, '../shared/real/plate_pairs/kitchen/bg_sd.png');

/** A clip's display name: its file name without extension, or its folder's for a generic name like clip.y4m. */
export function clipName(path: string): string {
  const stem = basename(path, extname(path));
  return stem === 'clip' ? basename(dirname(path)) : stem;
}

// ───────────────────────────── I/O ─────────────────────────────

/** Runs ffmpeg and returns its stdout. @throws Error with ffmpeg's first stderr line when it fails */
function ffmpeg(args: string[], maxBuffer = 1 << 20): Buffer {
  const run = spawnSync('ffmpeg', args, { maxBuffer });
  if (run.error) throw new Error(`ffmpeg could not be run (${run.error.message}); install ffmpeg`);
  if (run.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${run.stderr.toString('utf8').trim().split('\n')[0] ?? `exit ${run.status}`}`);
  return run.stdout;
}

/** A sequence written as .y4m: its path and shape. */
interface Sequence {
  path: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
}

/** Appends I420 frames to a new .y4m file. */
class Y4mWriter {
  private readonly fd: number;
  private count = 0;
  constructor(
    readonly path: string,
    readonly width: number,
    readonly height: number,
    readonly fps: number,
  ) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, y4mHeader(width, height, fps));
  }
  /** @throws RangeError for a frame of the wrong size */
  write(i420: Uint8Array): void {
    if (i420.length !== this.width * this.height * 1.5) throw new RangeError(`${this.path}: frame of ${i420.length} bytes for ${this.width}×${this.height}`);
    writeSync(this.fd, 'FRAME\n');
    writeSync(this.fd, i420);
    this.count++;
  }
  close(): Sequence {
    closeSync(this.fd);
    return { path: this.path, width: this.width, height: this.height, fps: this.fps, frames: this.count };
  }
}

/** A source cut to its first `count` frames. */
function firstFrames(source: NodeFrameSource, count: number): NodeFrameSource {
  const n = Math.min(count, source.count);
  return {
    count: n,
    fps: source.fps,
    frame: (i) => {
      if (i >= n) throw new RangeError(`frame ${i} of ${n}`);
      return source.frame(i);
    },
    close: () => source.close(),
  };
}

/** An encoded sequence, written to `ivfPath`, before it becomes a row. */
interface Encoded {
  frames: Uint8Array[];
  keyFrames: number;
  /** The quantizer of every frame header. */
  headers: FrameQuantizer[];
}

/** VP9 / AV1 frame-header quantizers of an IVF file, read by ffmpeg's trace_headers bitstream filter. */
function traceQuantizers(ivfPath: string): FrameQuantizer[] {
  const run = spawnSync('ffmpeg', ['-v', 'info', '-nostdin', '-i', ivfPath, '-c', 'copy', '-bsf:v', 'trace_headers', '-f', 'null', '-'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (run.error) throw new Error(`ffmpeg could not be run (${run.error.message}); install ffmpeg`);
  if (run.status !== 0) throw new Error(`ffmpeg trace_headers on ${ivfPath}: ${run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`}`);
  return parseTraceHeaders(run.stderr);
}

/** Decodes an IVF with ffmpeg and measures PSNR against the sequence it encoded. */
function psnrOf(ivfPath: string, seq: Sequence): { y: number; yuv: number } {
  const frameBytes = seq.width * seq.height * 1.5;
  const decoded = ffmpeg(['-v', 'error', '-nostdin', '-i', ivfPath, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'], frameBytes * seq.frames + (1 << 20));
  if (decoded.length !== frameBytes * seq.frames) throw new Error(`${ivfPath}: decoded ${decoded.length / frameBytes} frames, encoded ${seq.frames}`);
  const source = openFrameSource(seq.path);
  try {
    const sum = new I420ErrorSum();
    for (let i = 0; i < seq.frames; i++) sum.add(source.frame(i).data, decoded.subarray(i * frameBytes, (i + 1) * frameBytes), seq.width, seq.height);
    return sum.psnr();
  } finally {
    source.close();
  }
}

/** VP8 at a fixed quantizer with ffmpeg. */
function encodeVp8(seq: Sequence, quantizer: number, ivfPath: string): Encoded {
  ffmpeg(vp8FfmpegArgs(seq.path, ivfPath, quantizer));
  const { fourcc, frames } = readIvf(readFileSync(ivfPath));
  if (fourcc !== 'VP80') throw new Error(`${ivfPath}: fourcc ${fourcc}, expected VP80`);
  if (frames.length !== seq.frames) throw new Error(`libvpx wrote ${frames.length} frames for ${seq.frames}`);
  const headers = frames.map(parseVp8FrameHeader);
  return { frames, keyFrames: headers.filter((h) => h.keyFrame).length, headers };
}

/** The encoder page: a Vite server for test/bench/encode.html and a browser tab on it. */
interface EncoderPage {
  supported(codec: WebCodecsCodec, width: number, height: number, latencyMode: LatencyMode): Promise<boolean>;
  /** Encodes at the API quantizer Q (0..63) and writes the IVF to `ivfPath`. */
  encode(seq: Sequence, codec: WebCodecsCodec, quantizer: number, latencyMode: LatencyMode, ivfPath: string): Promise<Encoded>;
  close(): Promise<void>;
}

async function openEncoderPage(): Promise<EncoderPage> {
  const server: ReplayServer = await startReplayServer();
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    const page: Page = await browser.newPage();
    let pageError: string | null = null;
    page.on('pageerror', (err) => (pageError = err.message));
    let current: NodeFrameSource | null = null;
    const frameUrl = `${server.url}__bandwidth/frame/`;
    await page.route(`${frameUrl}*`, async (route) => {
      const index = Number(route.request().url().slice(frameUrl.length));
      if (!current || !Number.isInteger(index) || index < 0 || index >= current.count) return route.fulfill({ status: 404, body: 'no such frame' });
      return route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from(current.frame(index).data) });
    });
    await page.goto(`${server.url}test/bench/encode.html`);
    await page.waitForFunction(() => 'bandwidthEncoder' in window, null, { timeout: 60_000 });
    const checked = <T>(value: T): T => {
      if (pageError) throw new Error(`encoder page error: ${pageError}`);
      return value;
    };
    return {
      async supported(codec, width, height, latencyMode) {
        return checked(await page.evaluate((a) => window.bandwidthEncoder.supported(a.codec, a.width, a.height, a.latencyMode), { codec, width, height, latencyMode }));
      },
      async encode(seq, codec, quantizer, latencyMode, ivfPath) {
        current = openFrameSource(seq.path);
        let result: EncodeResult;
        try {
          // This Chromium takes the bitstream index (see QUANTIZER_SCALE); the headers are checked afterwards.
          const qIndex = expectedQIndex(codec === 'vp9' ? 'vp9-webcodecs' : 'av1-webcodecs', quantizer);
          const request: EncodeRequest = { codec, quantizer: qIndex, width: seq.width, height: seq.height, fps: seq.fps, frames: seq.frames, latencyMode, frameUrl };
          result = checked(await page.evaluate((r) => window.bandwidthEncoder.encode(r), request));
        } finally {
          current.close();
          current = null;
        }
        if (result.codecString !== CODEC_STRING[codec]) throw new Error(`the encoder page used ${result.codecString}, this report says ${CODEC_STRING[codec]}`);
        const frames = result.chunks.map((c) => new Uint8Array(Buffer.from(c.data, 'base64')));
        const keyFrames = result.chunks.filter((c) => c.key).length;
        writeFileSync(ivfPath, writeIvf(codec, seq.width, seq.height, seq.fps, frames));
        return { frames, keyFrames, headers: traceQuantizers(ivfPath) };
      },
      async close() {
        try {
          await browser?.close();
        } finally {
          await server.close();
        }
      },
    };
  } catch (err) {
    await browser?.close();
    await server.close();
    throw err;
  }
}

// ───────────────────────────── the measurement ─────────────────────────────

/** A pipeline run: the variant it produces and the engine options for it. */
function pipelineVariants(strengths: readonly BlurStrength[], extraModes: readonly ExtraMode[]): { variant: BandwidthVariant; options: Partial<Options> }[] {
  const out: { variant: BandwidthVariant; options: Partial<Options> }[] = [];
  if (extraModes.includes('off')) out.push({ variant: 'off', options: { mode: 'off' } });
  for (const s of (['light', 'medium', 'strong'] as const).filter((s) => strengths.includes(s))) {
    out.push({ variant: `blur-${s}`, options: { mode: 'blur', blurStrength: s } });
  }
  if (extraModes.includes('image')) out.push({ variant: 'image', options: { mode: 'image' } });
  if (extraModes.includes('color')) out.push({ variant: 'color', options: { mode: 'color' } });
  return out;
}

/** Validates the options. @throws Error with a one-line reason for the first bad one */
function checkOptions(o: BandwidthOptions): void {
  const oneOf = <T>(name: string, values: readonly T[] | undefined, allowed: readonly T[]): void => {
    if (values === undefined) return;
    if (!Array.isArray(values) || (values.length === 0 && name === 'codecs')) throw new Error(`${name}: expected a${name === 'codecs' ? ' non-empty' : ''} list of ${allowed.join(', ')}`);
    for (const v of values) if (!allowed.includes(v)) throw new Error(`${name}: ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
    if (new Set(values).size !== values.length) throw new Error(`${name}: ${values.join(',')} has a repeated entry`);
  };
  if (o.quantizers !== undefined) {
    if (!Array.isArray(o.quantizers) || o.quantizers.length === 0) throw new Error('quantizers: expected a non-empty list of integers 0..63');
    for (const q of o.quantizers) if (!Number.isInteger(q) || q < 0 || q > 63) throw new Error(`quantizers: ${q} is not an integer in 0..63`);
    if (new Set(o.quantizers).size !== o.quantizers.length) throw new Error(`quantizers: ${o.quantizers.join(',')} has a repeated entry`);
  }
  oneOf('strengths', o.strengths, ['light', 'medium', 'strong'] as const);
  oneOf('extraModes', o.extraModes, ['off', 'image', 'color'] as const);
  oneOf('codecs', o.codecs, BANDWIDTH_CODECS);
  if (o.latencyMode !== undefined && o.latencyMode !== 'realtime' && o.latencyMode !== 'quality') throw new Error(`latencyMode: expected realtime or quality, got ${JSON.stringify(o.latencyMode)}`);
  if (o.maxFrames !== undefined && (!Number.isInteger(o.maxFrames) || o.maxFrames < 2)) throw new Error(`maxFrames: expected an integer ≥ 2, got ${o.maxFrames}`);
  if (o.clips !== undefined && (!Array.isArray(o.clips) || o.clips.length === 0)) throw new Error('clips: expected a non-empty list of paths');
  if (o.timeoutMs !== undefined && !(o.timeoutMs > 0)) throw new Error(`timeoutMs: expected a positive number, got ${o.timeoutMs}`);
}

/**
 * Measures the bitrate this project's output costs an encoder against the untouched camera.
 *
 * For every clip it writes the camera frames and each pipeline output (the replay pipeline,
 * every frame in order, composite read back as RGBA and turned into BT.601 limited-range
 * I420 by {@link rgbaToI420}) as .y4m, then encodes each at each fixed quantizer with each
 * codec (key frame only on the first frame), reads the quantizer back from every frame
 * header (VP8, VP9, AV1) and decodes the result for PSNR. Rows of the same clip, codec and
 * quantizer differ only in the picture.
 *
 * @param options.clips clip paths (.y4m or a video ffmpeg decodes); default {@link defaultClips}(quick)
 * @param options.quick with default clips, one dev clip and one webcam clip, each cut to {@link QUICK_FRAMES} frames
 * @param options.maxFrames only the first N frames of each clip (integer ≥ 2)
 * @param options.quantizers fixed quantizers, integers 0..63 on the libvpx/libaom API scale ({@link QUANTIZER_SCALE}); default [20, 40]
 * @param options.strengths blur strengths; default light, medium, strong
 * @param options.extraModes other modes; default off, image, color (with no strengths and no
 *   modes only the camera is encoded, and no pipeline runs)
 * @param options.codecs encoders; default VP8 (ffmpeg/libvpx), VP9 (WebCodecs) and AV1 (WebCodecs) when supported
 * @param options.latencyMode WebCodecs latency mode; default realtime
 * @param options.background image for `image` mode; default {@link DEFAULT_BACKGROUND}
 * @param options.engine extra engine options for every pipeline run
 * @param options.gpu run the pipeline on the machine's GPU (ignored when `session` is given)
 * @param options.session an open ReplaySession to reuse (left open)
 * @param options.timeoutMs limit per pipeline run, ms (default 30 min)
 * @param options.onProgress one line per finished step
 * @returns the report: one row per clip × variant × codec × quantizer (bytes, kbit/s at the
 *   clip's frame rate over all frames and after the key frame, savings vs the camera, key
 *   frames, quantizer index, PSNR) and the means over clips
 * @throws Error for bad options (one line), a clip that cannot be read, is not 4:2:0 video or
 *   has fewer than 2 frames, a pipeline run that fails, an explicitly requested codec the
 *   browser cannot encode, ffmpeg missing or failing, an encoder that drops or adds frames,
 *   or one whose frame headers show another quantizer than asked for (or per-block ones)
 */
export async function measureBandwidth(options: BandwidthOptions = {}): Promise<BandwidthReport> {
  checkOptions(options);
  const started = performance.now();
  const quick = options.quick ?? false;
  const clipPaths = options.clips ?? defaultClips(quick);
  const maxFrames = options.maxFrames ?? (options.clips === undefined && quick ? QUICK_FRAMES : Number.POSITIVE_INFINITY);
  const quantizers = options.quantizers ?? [20, 40];
  const strengths = options.strengths ?? ['light', 'medium', 'strong'];
  const extraModes = options.extraModes ?? ['off', 'image', 'color'];
  const latencyMode = options.latencyMode ?? 'realtime';
  const progress = options.onProgress ?? (() => {});
  const runs = pipelineVariants(strengths, extraModes);
  for (const clip of clipPaths) if (!existsSync(clip)) throw new Error(`${clip}: no such clip`);
  let background: ServedImage | null = null;
  if (extraModes.includes('image')) background = readImageFile(options.background ?? DEFAULT_BACKGROUND, 'background');

  const tmp = mkdtempSync(join(tmpdir(), 'bg-bandwidth-'));
  let encoder: EncoderPage | null = null;
  let session: ReplaySession | null = null;
  try {
    encoder = await openEncoderPage();
    const skipped: string[] = [];
    let codecs = options.codecs ?? [...BANDWIDTH_CODECS];
    for (const codec of codecs.filter((c) => c !== 'vp8-libvpx')) {
      const webCodec: WebCodecsCodec = codec === 'vp9-webcodecs' ? 'vp9' : 'av1';
      if (await encoder.supported(webCodec, 640, 480, latencyMode)) continue;
      if (options.codecs) throw new Error(`${codec}: this Chromium's VideoEncoder does not encode ${CODEC_STRING[webCodec]} with bitrateMode 'quantizer'`);
      skipped.push(`${codec}: not supported by this Chromium's VideoEncoder with bitrateMode 'quantizer'`);
      codecs = codecs.filter((c) => c !== codec);
    }
    if (runs.length > 0) session = options.session ?? (await openReplaySession({ gpu: options.gpu }));
    const clips: BandwidthClip[] = [];
    const rows: BandwidthRow[] = [];
    let adapter: string | null = null;
    let backend: string | null = null;
    for (const [clipIndex, clipPath] of clipPaths.entries()) {
      const name = clipName(clipPath);
      const dir = join(tmp, `${clipIndex}`);
      const { sequences, clip } = renderClip(clipPath, name, dir, maxFrames);
      try {
        for (const run of runs) {
          const source = openFrameSource(sequences.camera!.path);
          const writer = new Y4mWriter(join(dir, `${run.variant}.y4m`), clip.width, clip.height, clip.fps);
          let next = 0;
          const t0 = performance.now();
          try {
            const report = await session!.run({
              source,
              options: { ...options.engine, ...run.options },
              outputTypes: ['com'],
              background: run.variant === 'image' ? background : null,
              timeoutMs: options.timeoutMs ?? 30 * 60_000,
              label: `${name} ${run.variant}`,
              onOutput(o) {
                if (o.index !== next) throw new Error(`${name} ${run.variant}: output ${o.index} arrived, expected ${next}`);
                if (o.width !== clip.width || o.height !== clip.height || o.channels !== 4) {
                  throw new Error(`${name} ${run.variant}: output ${o.width}×${o.height}×${o.channels}, expected ${clip.width}×${clip.height} RGBA`);
                }
                writer.write(rgbaToI420(o.data, o.width, o.height));
                next++;
              },
            });
            adapter = report.adapter;
            backend = report.backend;
          } finally {
            sequences[run.variant] = writer.close();
            source.close();
          }
          progress(`${name} ${run.variant}: ${clip.frames} frames through the pipeline in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        }
        for (const [variant, seq] of Object.entries(sequences) as [BandwidthVariant, Sequence][]) {
          for (const codec of codecs) {
            for (const quantizer of quantizers) {
              const ivfPath = join(dir, `${variant}.${codec}.q${quantizer}.ivf`);
              const encoded =
                codec === 'vp8-libvpx'
                  ? encodeVp8(seq, quantizer, ivfPath)
                  : await encoder.encode(seq, codec === 'vp9-webcodecs' ? 'vp9' : 'av1', quantizer, latencyMode, ivfPath);
              checkFixedQuantizer(encoded.headers, codec, quantizer, seq.frames);
              const bytes = encoded.frames.reduce((sum, f) => sum + f.length, 0);
              const deltaBytes = bytes - encoded.frames[0]!.length;
              const psnr = psnrOf(ivfPath, seq);
              rows.push({
                clip: name,
                variant,
                codec,
                quantizer,
                frames: seq.frames,
                fps: seq.fps,
                bytes,
                kbps: kbitPerSecond(bytes, seq.frames, seq.fps),
                saving: null,
                deltaKbps: kbitPerSecond(deltaBytes, seq.frames - 1, seq.fps),
                deltaSaving: null,
                keyFrames: encoded.keyFrames,
                qIndex: expectedQIndex(codec, quantizer),
                psnrY: psnr.y,
                psnrYuv: psnr.yuv,
              });
              rmSync(ivfPath, { force: true });
            }
          }
          progress(`${name} ${variant}: encoded (${codecs.join(', ')} × Q ${quantizers.join(', ')})`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      clips.push(clip);
    }
    const withSaving = withSavings(rows);
    const variants = BANDWIDTH_VARIANTS.filter((v) => v === 'camera' || runs.some((r) => r.variant === v));
    const settings = encoderSettings(latencyMode);
    return {
      clips,
      quantizers,
      variants,
      codecs,
      encoders: Object.fromEntries(codecs.map((c) => [c, settings[c]])),
      quantizerScale: QUANTIZER_SCALE,
      latencyMode,
      adapter,
      backend,
      skipped,
      rows: withSaving,
      means: meanOverClips(withSaving),
      wallMs: Math.round(performance.now() - started),
    };
  } finally {
    if (!options.session) await session?.close();
    await encoder?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Writes a clip's first frames as DIR/camera.y4m.
 * @throws Error when the clip cannot be opened, is not 4:2:0 video, or is full-range .y4m
 */
function renderClip(path: string, name: string, dir: string, maxFrames: number): { sequences: Partial<Record<BandwidthVariant, Sequence>>; clip: BandwidthClip } {
  const opened = openFrameSource(path);
  const source = firstFrames(opened, maxFrames);
  try {
    if (source.count < 2) throw new Error(`${path}: ${source.count} frame; the bitrate after the key frame needs at least 2`);
    const first: FramePayload = source.frame(0);
    if (first.kind !== 'i420') throw new Error(`${path}: a clip must be video (.y4m or a video file), not images`);
    const fps = source.fps ?? 30;
    if (first.range !== 'limited') throw new Error(`${path}: full-range .y4m; convert it to limited range (ffmpeg -pix_fmt yuv420p)`);
    mkdirSync(dir, { recursive: true });
    const writer = new Y4mWriter(join(dir, 'camera.y4m'), first.width, first.height, fps);
    try {
      for (let i = 0; i < source.count; i++) {
        const f = source.frame(i);
        if (f.kind !== 'i420') throw new Error(`${path}: frame ${i} is not I420`);
        writer.write(f.data);
      }
    } finally {
      writer.close();
    }
    const camera: Sequence = { path: writer.path, width: first.width, height: first.height, fps, frames: source.count };
    return { sequences: { camera }, clip: { name, path, width: first.width, height: first.height, fps, frames: source.count } };
  } finally {
    source.close();
  }
}
