// The clips the bandwidth benchmark measures: the default set, their names, and each clip's
// first frames written untouched as camera.y4m (the row every saving is measured against).
import { mkdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { openFrameSource, type FramePayload, type NodeFrameSource } from '../frames';
import { ROOT } from '../replayServer';
import type { BandwidthClip, BandwidthVariant } from './types';
import { Y4mWriter, type Sequence } from './y4m';

/** The default clips (paths under ../shared): both dev clips and three webcam clips; quick: one of each. */
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

/** A clip's display name: its file name without extension, or its folder's name for a generic name like clip.y4m. */
export function clipName(path: string): string {
  const stem = basename(path, extname(path));
  return stem === 'clip' ? basename(dirname(path)) : stem;
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

/**
 * Writes a clip's first frames as DIR/camera.y4m.
 * @param name the clip's display name ({@link clipName})
 * @param maxFrames at most this many frames (Infinity: all)
 * @returns the camera sequence, under `camera` of a map the pipeline's outputs are added to, and the clip as measured
 * @throws Error when the clip cannot be opened, has fewer than 2 frames, is not 4:2:0 video, or is full-range .y4m
 */
export function renderClip(path: string, name: string, dir: string, maxFrames: number): { sequences: Partial<Record<BandwidthVariant, Sequence>>; clip: BandwidthClip } {
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
