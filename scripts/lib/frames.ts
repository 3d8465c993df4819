// Node-side frame sources for replay and eval: .y4m files, other video files (decoded to
// .y4m by ffmpeg), a folder of PNG/JPEG frames, or a single image.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { InputError } from '../../src/errors';
import { parseKinectRecording } from '../../src/sources/kinect/recording';
import { frameHeaderLength, parseY4mHeader, type Y4mHeader } from '../../src/sources/y4m';

/** One frame as the replay page receives it. */
export type FramePayload =
  | { kind: 'i420'; width: number; height: number; range: 'limited' | 'full'; data: Uint8Array }
  | { kind: 'image'; mime: string; data: Uint8Array };

/** A random-access, ordered source of frames. */
export interface NodeFrameSource {
  readonly count: number;
  /** Frames per second when known (video), else null. */
  readonly fps: number | null;
  /**
   * For an Azure Kinect recording: the whole .mkv, which the page demuxes itself (colour,
   * depth and calibration); `frame()` is then not used. Absent for other sources.
   */
  readonly kinectRecording?: Uint8Array;
  frame(index: number): FramePayload;
  close(): void;
}

const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };
const VIDEO_EXTENSIONS = new Set(['.mp4', '.mkv', '.webm', '.mov', '.avi', '.m4v']);

/** A .y4m file read lazily: frame offsets are indexed once, frames read on demand. */
class Y4mFileSource implements NodeFrameSource {
  private readonly fd: number;
  private readonly header: Y4mHeader;
  private readonly offsets: number[] = [];
  constructor(
    path: string,
    private readonly cleanup?: () => void,
  ) {
    this.fd = openSync(path, 'r');
    try {
      const size = fstatSync(this.fd).size;
      const head = Buffer.alloc(1024);
      readSync(this.fd, head, 0, head.length, 0);
      this.header = parseY4mHeader(head);
      let pos = this.header.headerBytes;
      while (pos < size) {
        const n = readSync(this.fd, head, 0, head.length, pos);
        const start = pos + frameHeaderLength(head.subarray(0, n));
        if (start + this.header.frameBytes > size) {
          throw new InputError('corrupt-input', `${path}: frame ${this.offsets.length} is truncated`);
        }
        this.offsets.push(start);
        pos = start + this.header.frameBytes;
      }
      if (this.offsets.length === 0) throw new InputError('corrupt-input', `${path}: the .y4m file has no frames`);
    } catch (err) {
      this.close();
      throw err;
    }
  }
  get count(): number {
    return this.offsets.length;
  }
  get fps(): number | null {
    return this.header.fps;
  }
  frame(index: number): FramePayload {
    const data = Buffer.alloc(this.header.frameBytes);
    readSync(this.fd, data, 0, data.length, this.offsets[index]!);
    return { kind: 'i420', width: this.header.width, height: this.header.height, range: this.header.range, data };
  }
  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed: nothing left to release
    }
    this.cleanup?.();
  }
}

/** Image files (a folder sorted by name, or one file). */
class ImageFilesSource implements NodeFrameSource {
  readonly fps = null;
  constructor(private readonly files: string[]) {}
  get count(): number {
    return this.files.length;
  }
  frame(index: number): FramePayload {
    const file = this.files[index]!;
    return { kind: 'image', mime: IMAGE_TYPES[extname(file).toLowerCase()]!, data: readFileSync(file) };
  }
  close(): void {}
}

/** True when the start of a Matroska file names Azure Kinect tracks or tags (a k4arecorder file). */
export function isKinectRecording(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const n = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, n).toString('latin1');
    return text.startsWith('\x1a\x45\xdf\xa3') && (text.includes('K4A_') || text.includes('k4arecord') || text.includes('S_K4A/IMU'));
  } finally {
    closeSync(fd);
  }
}

/**
 * An Azure Kinect recording: parsed here to validate it and count its frames (captures with
 * a colour image), and handed whole to the page, which demuxes it in the browser.
 */
class KinectRecordingSource implements NodeFrameSource {
  readonly kinectRecording: Uint8Array;
  readonly count: number;
  readonly fps: number | null;
  constructor(path: string) {
    this.kinectRecording = readFileSync(path);
    const recording = parseKinectRecording(this.kinectRecording);
    this.count = recording.captures.filter((c) => c.color).length;
    if (this.count === 0) throw new InputError('corrupt-input', `${path}: the Kinect recording has no colour images`);
    this.fps = captureRate(recording.captures.flatMap((c) => (c.color ? [c.color.timestampUs] : [])));
  }
  frame(): FramePayload {
    throw new Error('a Kinect recording is demuxed by the page: use kinectRecording');
  }
  close(): void {}
}

/** Frames per second from the median interval between timestamps (µs), or null with fewer than two. */
function captureRate(timestampsUs: number[]): number | null {
  const gaps = timestampsUs.slice(1).map((t, i) => t - timestampsUs[i]!).filter((g) => g > 0).sort((a, b) => a - b);
  if (gaps.length === 0) return null;
  return 1e6 / gaps[gaps.length >> 1]!;
}

/**
 * Opens PATH as a frame source.
 * @param path a .y4m, an Azure Kinect recording (.mkv from k4arecorder), a video file ffmpeg
 *   can decode, a folder of PNG/JPEG frames, or one image
 * @throws InputError 'unsupported-input' or 'corrupt-input' with a one-line reason
 */
export function openFrameSource(path: string): NodeFrameSource {
  if (!existsSync(path)) throw new InputError('unsupported-input', `${path}: no such file or folder`);
  if (statSync(path).isDirectory()) {
    const files = readdirSync(path)
      .filter((f) => IMAGE_TYPES[extname(f).toLowerCase()])
      .sort()
      .map((f) => join(path, f));
    if (files.length === 0) throw new InputError('unsupported-input', `${path}: the folder has no .png or .jpg frames`);
    return new ImageFilesSource(files);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.y4m') return new Y4mFileSource(path);
  if (ext === '.mkv' && isKinectRecording(path)) return new KinectRecordingSource(path);
  if (IMAGE_TYPES[ext]) return new ImageFilesSource([path]);
  if (VIDEO_EXTENSIONS.has(ext)) {
    const dir = mkdtempSync(join(tmpdir(), 'bg-replay-'));
    const out = join(dir, 'input.y4m');
    const ffmpeg = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', out], {
      encoding: 'utf8',
    });
    if (ffmpeg.error || ffmpeg.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      const why = ffmpeg.error ? `ffmpeg could not be run (${ffmpeg.error.message}); install ffmpeg` : ffmpeg.stderr.trim().split('\n')[0];
      throw new InputError('unsupported-input', `${path}: cannot decode the video: ${why}`);
    }
    return new Y4mFileSource(out, () => rmSync(dir, { recursive: true, force: true }));
  }
  throw new InputError('unsupported-input', `${path}: unsupported input type "${ext || 'no extension'}" (use .y4m, a video file, a folder of frames or an image)`);
}
