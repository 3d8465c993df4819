// The bandwidth benchmark: how many bits a video encoder spends on this project's output
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
//
// This module runs those steps for every clip, variant, codec and quantizer and returns the
// report. The steps: clips.ts (camera.y4m), i420.ts and y4m.ts (the pipeline's outputs),
// browserEncode.ts (WebCodecs, with encodeProtocol.ts its page's protocol), ffmpeg.ts (VP8,
// header trace, PSNR), vp8Header.ts and quantizer.ts (the quantizer check), savings.ts (kbit/s,
// savings, means), ivf.ts (the container); types.ts the report's shape, table.ts its text.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlurStrength, Options } from '../../../src/options';
import { openFrameSource } from '../frames';
import { openReplaySession, readImageFile, type ReplaySession, type ServedImage } from '../runReplay';
import { openEncoderPage, type EncoderPage } from './browserEncode';
import { clipName, DEFAULT_BACKGROUND, defaultClips, QUICK_FRAMES, renderClip } from './clips';
import { CODEC_STRINGS, type WebCodecsCodec } from './encodeProtocol';
import { encodeVp8, psnrOf, vp8FfmpegArgs } from './ffmpeg';
import { rgbaToI420 } from './i420';
import { checkFixedQuantizer, expectedQIndex, QUANTIZER_SCALE } from './quantizer';
import { kbitPerSecond, meanOverClips, withSavings } from './savings';
import {
  BANDWIDTH_CODECS,
  BANDWIDTH_VARIANTS,
  type BandwidthClip,
  type BandwidthCodec,
  type BandwidthOptions,
  type BandwidthReport,
  type BandwidthRow,
  type BandwidthVariant,
  type ExtraMode,
  type LatencyMode,
} from './types';
import { Y4mWriter, type Sequence } from './y4m';

/** Exact encoder settings per codec, in words, as written into the report (BandwidthReport.encoders). */
export function encoderSettings(latencyMode: LatencyMode): Record<BandwidthCodec, string> {
  const webcodecs = (codec: WebCodecsCodec, name: string): string =>
    `Chromium WebCodecs VideoEncoder (${name}): codec '${CODEC_STRINGS[codec]}', bitrateMode 'quantizer', latencyMode '${latencyMode}', ` +
    `hardwareAcceleration 'prefer-software', framerate = clip fps; encode(frame, { keyFrame: i === 0, ${codec}: { quantizer: 4·Q (255 for Q 63) } }); ` +
    `input I420 VideoFrames, BT.601 limited range`;
  return {
    'vp8-libvpx': `ffmpeg ${vp8FfmpegArgs('IN.y4m', 'OUT.ivf', 0).join(' ').replace(/-qmin 0 -qmax 0/, '-qmin Q -qmax Q')} (libvpx VP8; Chromium's WebCodecs has no fixed-quantizer VP8)`,
    'vp9-webcodecs': webcodecs('vp9', 'libvpx VP9'),
    'av1-webcodecs': webcodecs('av1', 'libaom AV1'),
  };
}

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
      if (options.codecs) throw new Error(`${codec}: this Chromium's VideoEncoder does not encode ${CODEC_STRINGS[webCodec]} with bitrateMode 'quantizer'`);
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
