import { InputError } from '../errors';
import { framesToStream } from '../output/trackOutput';
import { videoElementFrames } from './trackFrames';

/** What a set of chosen files is used as. */
export type FileSourceKind = 'video' | 'image' | 'sequence';

/**
 * Tells what a set of chosen files is: one video, one image, or an image sequence.
 * @throws InputError 'unsupported-input' for no files, a type the browser cannot show,
 *   or a mix of videos and images
 */
export function classifyFiles(files: readonly File[]): FileSourceKind {
  const first = files[0];
  if (!first) throw new InputError('unsupported-input', 'No file was chosen — pick a video, an image, or several images.');
  const isImage = (f: File): boolean => f.type.startsWith('image/');
  if (files.length === 1 && first.type.startsWith('video/')) {
    if (document.createElement('video').canPlayType(first.type) === '') {
      throw new InputError('unsupported-input', `${first.name}: this browser cannot play ${first.type} — use MP4 (H.264) or WebM.`);
    }
    return 'video';
  }
  const odd = files.find((f) => !isImage(f));
  if (odd) {
    throw new InputError(
      'unsupported-input',
      `${odd.name} (${odd.type || 'unknown type'}) is not supported — pick one video (MP4, WebM), one image, or several images as a sequence.`,
    );
  }
  return files.length === 1 ? 'image' : 'sequence';
}

/** Pacing of still images; videos play at their own rate. */
export interface FileFramesOptions {
  /** Frames per second for an image or an image sequence. Default 30. */
  fps?: number;
  /** Start again at the end (the video loops, the sequence restarts). Default true. */
  loop?: boolean;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/**
 * Reads chosen files as VideoFrames in real time: a video as it plays, a single image
 * repeated at `fps`, or images sorted by name (numbers in names sort numerically) shown one
 * per frame at `fps`. Timestamps are in microseconds. The consumer closes every frame.
 * @throws InputError 'unsupported-input' (see {@link classifyFiles}) or 'corrupt-input' when
 *   a file cannot be decoded
 */
export async function* fileFrames(files: readonly File[], options: FileFramesOptions = {}): AsyncGenerator<VideoFrame> {
  const kind = classifyFiles(files);
  const signal = options.signal ?? new AbortController().signal;
  const loop = options.loop ?? true;
  if (kind === 'video') {
    yield* videoFileFrames(files[0] as File, loop, signal);
    return;
  }
  const sorted = [...files].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  const periodMs = 1000 / (options.fps ?? 30);
  const still = kind === 'image' ? await decodeImage(sorted[0] as File) : null;
  try {
    const start = performance.now();
    for (let i = 0; !signal.aborted; i++) {
      if (!loop && i >= sorted.length) return;
      const bitmap = still ?? (await decodeImage(sorted[i % sorted.length] as File));
      try {
        await sleepUntil(start + i * periodMs, signal);
        if (signal.aborted) return;
        yield new VideoFrame(bitmap, { timestamp: Math.round((i * 1e6 * periodMs) / 1000) });
      } finally {
        if (bitmap !== still) bitmap.close();
      }
    }
  } finally {
    still?.close();
  }
}

/**
 * Opens chosen files as a live MediaStream (see {@link fileFrames}), for use in place of a camera.
 * @returns the stream, a `done` promise that rejects with an InputError if the file turns out
 *   unreadable, and `dispose()` which stops the stream
 * @throws InputError 'unsupported-input' before anything starts, for files that cannot be used
 */
export function openFileSource(
  files: readonly File[],
  options: Omit<FileFramesOptions, 'signal'> = {},
): { kind: FileSourceKind; stream: MediaStream; done: Promise<void>; dispose(): void } {
  const kind = classifyFiles(files);
  const controller = new AbortController();
  const { stream, done } = framesToStream(fileFrames(files, { ...options, signal: controller.signal }));
  return { kind, stream, done, dispose: () => controller.abort() };
}

async function* videoFileFrames(file: File, loop: boolean, signal: AbortSignal): AsyncGenerator<VideoFrame> {
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.loop = loop;
  video.src = url;
  const stop = new AbortController();
  let failure: InputError | null = null;
  const onError = (): void => {
    failure = new InputError('corrupt-input', `${file.name} could not be decoded — the file may be damaged or use an unsupported codec.`, {
      cause: video.error,
    });
    stop.abort();
  };
  const onAbort = (): void => stop.abort();
  video.addEventListener('error', onError);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    yield* videoElementFrames(video, stop.signal);
  } catch (err) {
    throw failure ?? new InputError('corrupt-input', `${file.name} could not be played.`, { cause: err });
  } finally {
    video.removeEventListener('error', onError);
    signal.removeEventListener('abort', onAbort);
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
  if (failure) throw failure;
}

async function decodeImage(file: File): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(file);
  } catch (err) {
    throw new InputError('corrupt-input', `${file.name} could not be decoded as an image.`, { cause: err });
  }
}

function sleepUntil(time: number, signal: AbortSignal): Promise<void> {
  const delay = time - performance.now();
  if (delay <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, delay);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** How long {@link checkPlayable} waits for a video's first frame. */
const PLAYABLE_TIMEOUT_MS = 10_000;

/**
 * Checks that the browser can play a video file: loads it in a detached <video> until its
 * first frame is decodable (`loadeddata`).
 * @throws InputError 'corrupt-input' when the file cannot be decoded (damaged, not a video,
 *   or a codec the browser lacks) or gives no frame within 10 s
 */
export async function checkPlayable(file: File): Promise<void> {
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (cause: unknown): void =>
        reject(new InputError('corrupt-input', `${file.name} could not be decoded — the file may be damaged or use an unsupported codec; use MP4 (H.264) or WebM.`, { cause }));
      const timer = setTimeout(() => fail(new Error(`no frame within ${PLAYABLE_TIMEOUT_MS} ms`)), PLAYABLE_TIMEOUT_MS);
      video.addEventListener('loadeddata', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
      video.addEventListener('error', () => {
        clearTimeout(timer);
        fail(video.error);
      }, { once: true });
      video.src = url;
    });
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
