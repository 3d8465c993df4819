// The bandwidth benchmark's ffmpeg calls: the VP8 column (libvpx at a fixed quantizer), the
// VP9 / AV1 frame headers read back by the trace_headers bitstream filter, and every
// bitstream decoded again for its PSNR against the encoder's input.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { openFrameSource } from '../frames';
import { I420ErrorSum } from './i420';
import { readIvf } from './ivf';
import { parseTraceHeaders, type FrameQuantizer } from './quantizer';
import { parseVp8FrameHeader } from './vp8Header';
import type { Sequence } from './y4m';

/** An encoded sequence, written to an IVF file, before it becomes a row. */
export interface Encoded {
  /** Each frame's bitstream, in decode order. */
  frames: Uint8Array[];
  keyFrames: number;
  /** The quantizer of every frame header. */
  headers: FrameQuantizer[];
}

/** Runs ffmpeg and returns its stdout. @throws Error with ffmpeg's first stderr line when it fails */
function ffmpeg(args: string[], maxBuffer = 1 << 20): Buffer {
  const run = spawnSync('ffmpeg', args, { maxBuffer });
  if (run.error) throw new Error(`ffmpeg could not be run (${run.error.message}); install ffmpeg`);
  if (run.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${run.stderr.toString('utf8').trim().split('\n')[0] ?? `exit ${run.status}`}`);
  return run.stdout;
}

/**
 * ffmpeg arguments for the VP8 column: libvpx one pass, quantizer clamped to Q on every frame
 * (`-qmin Q -qmax Q`) under a target bitrate far above anything reached (so the rate control
 * always wants the lowest quantizer and never raises the zero-bin), realtime deadline with
 * a static speed (`-cpu-used -6`, WebRTC's default for VP8 on desktop; a positive value would let
 * libvpx pick the speed from the encode time and make the bytes machine-dependent), no
 * alt-ref frames or look-ahead, no frame dropping, one key frame, one thread.
 * @param input, output the .y4m read and the .ivf written
 * @param quantizer the libvpx API quantizer Q, integer 0..63
 * @returns ffmpeg's argument list
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

/**
 * Encodes a sequence as VP8 at a fixed quantizer with ffmpeg ({@link vp8FfmpegArgs}) into `ivfPath`.
 * @param quantizer the libvpx API quantizer Q, integer 0..63
 * @returns the frames read back from the IVF with their VP8 frame headers
 * @throws Error when ffmpeg is missing or fails, or libvpx wrote another container or frame count
 */
export function encodeVp8(seq: Sequence, quantizer: number, ivfPath: string): Encoded {
  ffmpeg(vp8FfmpegArgs(seq.path, ivfPath, quantizer));
  const { fourcc, frames } = readIvf(readFileSync(ivfPath));
  if (fourcc !== 'VP80') throw new Error(`${ivfPath}: fourcc ${fourcc}, expected VP80`);
  if (frames.length !== seq.frames) throw new Error(`libvpx wrote ${frames.length} frames for ${seq.frames}`);
  const headers = frames.map(parseVp8FrameHeader);
  return { frames, keyFrames: headers.filter((h) => h.keyFrame).length, headers };
}

/**
 * VP9 / AV1 frame-header quantizers of an IVF file, read by ffmpeg's trace_headers bitstream filter.
 * @returns one entry per frame header, in order
 * @throws Error when ffmpeg is missing or fails
 */
export function traceQuantizers(ivfPath: string): FrameQuantizer[] {
  const run = spawnSync('ffmpeg', ['-v', 'info', '-nostdin', '-i', ivfPath, '-c', 'copy', '-bsf:v', 'trace_headers', '-f', 'null', '-'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (run.error) throw new Error(`ffmpeg could not be run (${run.error.message}); install ffmpeg`);
  if (run.status !== 0) throw new Error(`ffmpeg trace_headers on ${ivfPath}: ${run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`}`);
  return parseTraceHeaders(run.stderr);
}

/**
 * Decodes an IVF with ffmpeg and measures PSNR against the sequence it encoded.
 * @returns luma and all-plane PSNR over every frame, dB (100 when identical)
 * @throws Error when ffmpeg is missing or fails, or decodes another number of frames
 */
export function psnrOf(ivfPath: string, seq: Sequence): { y: number; yuv: number } {
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
