// The frames every system is timed on: segments of real clips (../shared/eval/dev clips, with
// their captured plates, and ../shared/real/webcam_clips, without), scaled and cropped to the
// bench size by ffmpeg and concatenated into one I420 sequence.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FramePayload, type NodeFrameSource, openFrameSource } from '../frames';
import type { Size } from './plan';

/** A clip the bench takes frames from. */
export interface ClipSource {
  /** Short name, e.g. "dev_clip0" or "webcam/again". */
  id: string;
  /** A .y4m or a video file ffmpeg decodes. */
  path: string;
  /** Its captured background plate (an image), or null. */
  plate: string | null;
}

/** The first `frames` frames of a source. */
export interface Segment {
  source: ClipSource;
  frames: number;
}

/**
 * The clips in the order segments use them: the dev clips and the webcam clips alternating,
 * so a sequence of two segments has one of each.
 * @param shared the ../shared folder
 * @throws Error when either set is missing or empty
 */
export function listClipSources(shared: string): ClipSource[] {
  const devDir = join(shared, 'eval/dev/clips');
  const camDir = join(shared, 'real/webcam_clips');
  for (const dir of [devDir, camDir]) if (!existsSync(dir)) throw new Error(`${dir}: no such folder (the bench's frames come from ../shared)`);
  const dev = readdirSync(devDir)
    .sort()
    .filter((id) => existsSync(join(devDir, id, 'clip.y4m')))
    .map((id) => ({ id, path: join(devDir, id, 'clip.y4m'), plate: existsSync(join(devDir, id, 'plate.png')) ? join(devDir, id, 'plate.png') : null }));
  const cam = readdirSync(camDir)
    .filter((f) => f.endsWith('.mkv'))
    .sort()
    .map((f) => ({ id: `webcam/${f.replace(/\.mkv$/, '')}`, path: join(camDir, f), plate: null }));
  if (dev.length === 0 || cam.length === 0) throw new Error(`no clips in ${dev.length ? camDir : devDir}`);
  const out: ClipSource[] = [];
  for (let i = 0; i < Math.max(dev.length, cam.length); i++) {
    if (dev[i]) out.push(dev[i]!);
    if (cam[i]) out.push(cam[i]!);
  }
  return out;
}

/**
 * Splits `total` frames into segments of the sources, in order: max(2, ⌈total / 8⌉) segments
 * (at most one per source), lengths as equal as possible, longer ones first.
 * @throws RangeError when total < 1 or there is no source
 */
export function planSegments(total: number, sources: readonly ClipSource[]): Segment[] {
  if (total < 1 || sources.length === 0) throw new RangeError(`planSegments: ${total} frames from ${sources.length} sources`);
  const count = Math.min(sources.length, total, Math.max(2, Math.ceil(total / 8)));
  const base = Math.floor(total / count);
  return Array.from({ length: count }, (_, i) => ({ source: sources[i]!, frames: base + (i < total % count ? 1 : 0) }));
}

/** ffmpeg's filter: scale to cover the size (aspect kept), then crop the centre. */
function coverFilter(size: Size): string {
  return `scale=${size.width}:${size.height}:force_original_aspect_ratio=increase:flags=bicubic,crop=${size.width}:${size.height}`;
}

function ffmpeg(args: string[], what: string): void {
  const run = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    const why = run.error ? `ffmpeg could not be run (${run.error.message}); install ffmpeg` : run.stderr.trim().split('\n')[0];
    throw new Error(`${what}: ${why}`);
  }
}

/** A sequence at one size: frames, and which have a plate. */
export interface BenchSequence {
  id: string;
  size: Size;
  segments: Segment[];
  count: number;
  frame(index: number): FramePayload;
  /** Per frame: the served name of its plate image, or null. */
  plateOf: (string | null)[];
  /** Plate images at this size, by served name. */
  plates: Map<string, { mime: string; data: Buffer }>;
  close(): void;
}

/**
 * Converts the segments to I420 at `size` (ffmpeg, cover-scaled and centre-cropped; a
 * 640×480 webcam clip loses its top and bottom to become 16:9) with their plates scaled the
 * same way, in `workDir`.
 * @throws Error when ffmpeg fails or a source has fewer frames than its segment
 */
export function buildSequence(segments: readonly Segment[], size: Size, workDir: string): BenchSequence {
  const id = `seq-${size.width}x${size.height}`;
  const sources: NodeFrameSource[] = [];
  const plateOf: (string | null)[] = [];
  const plates = new Map<string, { mime: string; data: Buffer }>();
  const offsets: number[] = [];
  try {
    for (const [i, seg] of segments.entries()) {
      const out = join(workDir, `${id}-${i}.y4m`);
      ffmpeg(['-i', seg.source.path, '-vf', coverFilter(size), '-frames:v', String(seg.frames), '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', out], seg.source.path);
      const source = openFrameSource(out);
      sources.push(source);
      if (source.count !== seg.frames) throw new Error(`${seg.source.path}: ${source.count} frames, the bench needs ${seg.frames}`);
      let plate: string | null = null;
      if (seg.source.plate) {
        plate = `plate-${id}-${i}`;
        const png = join(workDir, `${plate}.png`);
        ffmpeg(['-i', seg.source.plate, '-vf', coverFilter(size), '-frames:v', '1', png], seg.source.plate);
        plates.set(plate, { mime: 'image/png', data: readFileSync(png) });
      }
      offsets.push(plateOf.length);
      for (let f = 0; f < seg.frames; f++) plateOf.push(plate);
    }
  } catch (err) {
    for (const s of sources) s.close();
    throw err;
  }
  return {
    id,
    size,
    segments: [...segments],
    count: plateOf.length,
    frame(index) {
      let s = offsets.length - 1;
      while (s > 0 && offsets[s]! > index) s--;
      return sources[s]!.frame(index - offsets[s]!);
    },
    plateOf,
    plates,
    close() {
      for (const s of sources) s.close();
    },
  };
}

/**
 * The frame indices a row runs, in order: `warmup` untimed ones (the first of its frames), then
 * every one of its frames timed, from the first again.
 * @param withPlate only the frames that have a plate (plate matting rows)
 * @throws Error when the row has no frame to run
 */
export function rowIndices(sequence: Pick<BenchSequence, 'plateOf'>, warmup: number, withPlate: boolean): { warmup: number[]; timed: number[] } {
  const timed = sequence.plateOf.flatMap((p, i) => (!withPlate || p !== null ? [i] : []));
  if (timed.length === 0) throw new Error(withPlate ? 'no frame of the sequence has a plate' : 'the sequence is empty');
  return { warmup: timed.slice(0, Math.min(warmup, timed.length)), timed };
}
