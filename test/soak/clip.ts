// The soak's input: a generated clip of a person-like figure (head, neck, torso) moving in
// front of a textured room, drawn on an OffscreenCanvas and written frame by frame into a
// MediaStreamTrackGenerator, as a camera track would deliver it.

/** `MediaStreamTrackGenerator` (Chromium, main thread). Not in TypeScript's DOM lib yet. */
interface TrackGenerator extends MediaStreamTrack {
  readonly writable: WritableStream<VideoFrame>;
}
type TrackGeneratorCtor = new (init: { kind: 'video' }) => TrackGenerator;

/** A running clip. */
export interface Clip {
  /** One video track carrying the frames. */
  readonly stream: MediaStream;
  /** Frames written to the track so far. */
  readonly written: number;
  /** Stops writing frames (the track stays live) until resume(). */
  pause(): void;
  resume(): void;
  /** Stops writing and ends the track. Idempotent. */
  stop(): void;
}

/**
 * Starts writing frames at `fps` (timestamps `index × 1e6 / fps` µs, drift-corrected timer).
 * Every frame is closed here: written to the generator (whose sink closes it) or closed when
 * the write fails.
 * @param width frame width in pixels
 * @param height frame height in pixels
 * @param options.leak clone the first frame and never close the clone (the soak's negative control)
 * @param options.onError receives a failed write or draw; the clip stops
 * @throws Error when the browser has no MediaStreamTrackGenerator
 */
export function startClip(width: number, height: number, options: { fps?: number; leak?: boolean; onError(err: unknown): void }): Clip {
  const Generator = (globalThis as { MediaStreamTrackGenerator?: TrackGeneratorCtor }).MediaStreamTrackGenerator;
  if (!Generator) throw new Error('This browser has no MediaStreamTrackGenerator; the soak needs Chromium.');
  const fps = options.fps ?? 30;
  const frameUs = Math.round(1e6 / fps);
  const generator = new Generator({ kind: 'video' });
  const writer = generator.writable.getWriter();
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { alpha: false });
  if (!context) throw new Error('A 2D canvas context could not be created for the clip.');
  const room = drawRoom(width * 1.25, height);
  let written = 0;
  let paused = false;
  let stopped = false;
  let startedAt = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const tick = async (): Promise<void> => {
    if (stopped) return;
    if (!paused) {
      drawFrame(context, room, written / fps, width, height);
      const frame = new VideoFrame(canvas, { timestamp: written * frameUs, duration: frameUs });
      // The leaked clone is kept reachable on purpose, so it stays live instead of being collected.
      if (options.leak && written === 0) leaked.push(frame.clone());
      written++;
      try {
        await writer.write(frame);
      } finally {
        frame.close();
      }
    }
    const next = paused ? performance.now() + 1000 / fps : startedAt + (written * 1000) / fps;
    timer = setTimeout(run, Math.max(0, next - performance.now()));
  };
  const run = (): void => {
    tick().catch((err: unknown) => {
      // A write in flight when stop() ended the track rejects: that is the stop, not a failure.
      if (stopped) return;
      stop();
      options.onError(err);
    });
  };
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    // Closing fails only when the track already ended, which is what is wanted here.
    writer.close().catch(() => undefined);
    generator.stop();
  };
  run();
  return {
    stream: new MediaStream([generator]),
    get written() {
      return written;
    },
    pause() {
      paused = true;
    },
    resume() {
      if (!paused) return;
      paused = false;
      startedAt = performance.now() - (written * 1000) / fps;
    },
    stop,
  };
}

/** Frames cloned for the negative control (never closed). */
const leaked: VideoFrame[] = [];

/** A wall with shelves, books and a lamp, wider than the frame so it can pan. */
function drawRoom(width: number, height: number): OffscreenCanvas {
  const canvas = new OffscreenCanvas(Math.round(width), height);
  const c = canvas.getContext('2d')!;
  const wall = c.createLinearGradient(0, 0, width, height);
  wall.addColorStop(0, '#b9a88e');
  wall.addColorStop(1, '#8d7f6a');
  c.fillStyle = wall;
  c.fillRect(0, 0, width, height);
  for (let shelf = 0; shelf < 3; shelf++) {
    const y = height * (0.25 + shelf * 0.22);
    c.fillStyle = '#5b4029';
    c.fillRect(width * 0.05, y, width * 0.4, height * 0.025);
    for (let book = 0; book < 14; book++) {
      const h = height * (0.08 + ((book * 37 + shelf * 11) % 7) * 0.012);
      c.fillStyle = `hsl(${(book * 53 + shelf * 97) % 360} 45% ${35 + (book % 3) * 10}%)`;
      c.fillRect(width * 0.06 + book * width * 0.027, y - h, width * 0.022, h);
    }
  }
  c.fillStyle = '#e8d9a0';
  c.beginPath();
  c.ellipse(width * 0.82, height * 0.3, width * 0.05, height * 0.09, 0, 0, Math.PI * 2);
  c.fill();
  c.fillStyle = '#3d3d3d';
  c.fillRect(width * 0.815, height * 0.38, width * 0.01, height * 0.45);
  for (let i = 0; i < 400; i++) {
    c.fillStyle = `rgba(0,0,0,${0.03 + (i % 5) * 0.01})`;
    c.fillRect((i * 7919) % width, (i * 104729) % height, 2, 2);
  }
  return canvas;
}

/** One frame at `t` seconds: the room, panning slowly, and the figure swaying across it. */
function drawFrame(c: OffscreenCanvasRenderingContext2D, room: OffscreenCanvas, t: number, width: number, height: number): void {
  c.drawImage(room, -((Math.sin(t * 0.2) + 1) / 2) * (room.width - width), 0);
  const x = width * (0.5 + 0.25 * Math.sin(t * 0.7));
  const headY = height * (0.33 + 0.02 * Math.sin(t * 2.1));
  const head = height * 0.12;
  c.fillStyle = '#2f5d8a';
  c.beginPath();
  c.ellipse(x, height * 1.02, width * 0.17, height * 0.5, 0, Math.PI, 0);
  c.fill();
  c.fillStyle = '#c98d6a';
  c.fillRect(x - head * 0.35, headY + head * 0.7, head * 0.7, head * 0.8);
  c.beginPath();
  c.ellipse(x, headY, head * 0.8, head, 0, 0, Math.PI * 2);
  c.fill();
  c.fillStyle = '#3b2a20';
  c.beginPath();
  c.ellipse(x, headY - head * 0.45, head * 0.85, head * 0.6, 0, Math.PI, 0);
  c.fill();
}
