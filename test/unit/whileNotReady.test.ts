// Options.whileNotReady in the frame loop (src/element/frameLoop.ts) and the covers
// (src/element/notReadyFrame.ts), with fake browser objects: what the output shows while the
// engine starts, restarts or fails a frame, that every VideoFrame is closed and never used
// afterwards, and the stats; the option's validation; the app's choice of errors to clear.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isEngineHealthError } from '../../src/app/notices';
import { FrameLoop } from '../../src/element/frameLoop';
import { notReadyNote, NotReadyCover } from '../../src/element/notReadyFrame';
import { ReplacerReporter } from '../../src/element/replacerStats';
import type { EngineState, EngineSupervisor } from '../../src/element/supervisor';
import { InvalidOptionError, ReplacerError } from '../../src/errors';
import { DEFAULT_OPTIONS, resolveOptions, WHILE_NOT_READY, type Options } from '../../src/options';
import type { FrameReader } from '../../src/sources/trackFrames';

/** Uses of closed frames and bitmaps, by any fake below: must stay empty. */
let misuses: string[] = [];
/** Every fake frame made. */
let frames: FakeFrame[] = [];

/** Something with pixels: `content` says what they show, e.g. 'cam#3', 'small(cam#3)', 'black'. */
interface Pixels {
  content: string;
}

/** A VideoFrame: its size, timestamp, what it shows, and whether it is closed. */
class FakeFrame implements Pixels {
  closed = false;
  readonly displayWidth: number;
  readonly displayHeight: number;
  readonly timestamp: number;
  readonly duration: number | null;
  readonly content: string;

  constructor(source: FakeFrame | FakeCanvas | { width: number; height: number; content: string }, init: { timestamp: number; duration?: number }) {
    if (source instanceof FakeFrame) {
      use(source, 'new VideoFrame(frame)');
      this.displayWidth = source.displayWidth;
      this.displayHeight = source.displayHeight;
    } else {
      this.displayWidth = source.width;
      this.displayHeight = source.height;
    }
    this.content = source.content;
    this.timestamp = init.timestamp;
    this.duration = init.duration ?? null;
    frames.push(this);
  }

  clone(): FakeFrame {
    use(this, 'clone');
    return new FakeFrame(this, { timestamp: this.timestamp, ...(this.duration !== null ? { duration: this.duration } : {}) });
  }

  close(): void {
    this.closed = true;
  }
}

function use(thing: { closed: boolean; content: string }, what: string): void {
  if (thing.closed) misuses.push(`${what} of closed ${thing.content}`);
}

/** An OffscreenCanvas whose 2D context records what was drawn last. */
class FakeCanvas implements Pixels {
  content = 'empty';
  constructor(
    public width: number,
    public height: number,
  ) {}

  getContext(): unknown {
    const canvas = this;
    return {
      fillStyle: '',
      imageSmoothingEnabled: false,
      imageSmoothingQuality: 'low',
      fillRect(): void {
        canvas.content = 'black';
      },
      drawImage(source: Pixels & { closed?: boolean }): void {
        if (source.closed) misuses.push(`drawImage of closed ${source.content}`);
        canvas.content = source.content;
      },
    };
  }
}

/** The stand-in for the engine: state, options and a link whose process() the test scripts. */
interface FakeEngine {
  state: EngineState;
  options: Readonly<Options>;
  link: {
    remote: { process(frame: FakeFrame): Promise<unknown> };
    call<T>(call: Promise<T>): Promise<T>;
    cutReason: ReplacerError | null;
  };
}

/** A FrameReader fed by the test, one frame at a time. */
function channel(): FrameReader & { push(frame: FakeFrame): void } {
  const queue: FakeFrame[] = [];
  let wake: (() => void) | null = null;
  let stopped = false;
  return {
    method: 'track-processor',
    push(frame) {
      queue.push(frame);
      wake?.();
    },
    stop() {
      stopped = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      while (!stopped) {
        const frame = queue.shift();
        if (frame) yield frame as unknown as VideoFrame;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

/** Lets the loop, the covers and the output run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
}

describe('whileNotReady', () => {
  /** What reached the output: content and timestamp. */
  let written: string[];
  let failBitmap: boolean;

  beforeEach(() => {
    misuses = [];
    frames = [];
    written = [];
    failBitmap = false;
    vi.stubGlobal('VideoFrame', FakeFrame);
    vi.stubGlobal('OffscreenCanvas', FakeCanvas);
    vi.stubGlobal('createImageBitmap', async (source: FakeFrame, options: { resizeWidth: number; resizeHeight: number }) => {
      use(source, 'createImageBitmap');
      if (failBitmap) throw new DOMException('The source image could not be decoded.', 'InvalidStateError');
      return { width: options.resizeWidth, height: options.resizeHeight, content: `small(${source.content})`, closed: false, close() {} };
    });
    vi.stubGlobal(
      'MediaStreamTrackGenerator',
      class {
        readyState = 'live';
        readonly writable = new WritableStream<FakeFrame>({
          write(frame) {
            use(frame, 'write');
            written.push(`${frame.content}@${frame.timestamp}`);
          },
        });
        stop(): void {
          this.readyState = 'ended';
        }
      },
    );
    vi.stubGlobal(
      'MediaStream',
      class {
        constructor(private readonly tracks: unknown[]) {}
        getVideoTracks(): unknown[] {
          return this.tracks;
        }
      },
    );
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('covers every frame the engine cannot process, as the setting says; closes every frame', async () => {
    let failNext = false;
    const engine: FakeEngine = {
      state: 'starting',
      options: resolveOptions({ whileNotReady: 'hold' }),
      link: {
        remote: {
          // The worker: takes the frame (transferred: closed here) and returns a new one.
          async process(frame) {
            const { content, timestamp } = frame;
            frame.close();
            if (failNext) throw new Error('out of memory');
            return { frame: new FakeFrame({ width: 320, height: 180, content: `processed(${content})` }, { timestamp }), stats: { import: 0, segment: 0, gpu: 0, total: 1 }, outputPath: 'canvas2d' };
          },
        },
        call: (call) => call,
        cutReason: null,
      },
    };
    const target = new EventTarget();
    const errors: string[] = [];
    target.addEventListener('error', (e) => errors.push((e as CustomEvent<ReplacerError>).detail.message));
    const report = new ReplacerReporter(target, () => engine.state === 'ready');
    const loop = new FrameLoop(engine as unknown as EngineSupervisor, report, { frame: () => undefined, inputEnded: () => undefined, backgroundFrame: () => null });
    const input = channel();
    loop.start(input);
    let n = 0;
    const camera = (): FakeFrame => new FakeFrame({ width: 320, height: 180, content: `cam#${n}` }, { timestamp: n++ * 1000 });
    const step = async (change: () => void): Promise<void> => {
      change();
      input.push(camera());
      await settle();
    };

    // Starting, 'hold' with nothing processed yet: the blur.
    await step(() => undefined);
    // Ready: processed, and kept for 'hold'.
    await step(() => (engine.state = 'ready'));
    // Restarting: the processed frame again, with the new timestamp.
    await step(() => (engine.state = 'starting'));
    await step(() => undefined);
    // The other settings.
    await step(() => (engine.options = resolveOptions({ whileNotReady: 'blank' })));
    await step(() => (engine.options = resolveOptions({ whileNotReady: 'passthrough' })));
    // Mode off passes frames through whatever the setting.
    await step(() => (engine.options = resolveOptions({ mode: 'off', whileNotReady: 'blur' })));
    // A frame that fails: covered, and reported.
    await step(() => {
      engine.options = resolveOptions({ whileNotReady: 'blur' });
      engine.state = 'ready';
      failNext = true;
    });
    // A cover that cannot be made: the frame is dropped, not shown raw.
    await step(() => {
      engine.state = 'failed';
      failBitmap = true;
    });
    await step(() => undefined);
    loop.stop();
    await settle();

    expect(written).toEqual([
      'small(cam#0)@0',
      'processed(cam#1)@1000',
      'processed(cam#1)@2000',
      'processed(cam#1)@3000',
      'black@4000',
      'cam#5@5000',
      'cam#6@6000',
      'small(cam#7)@7000',
    ]);
    expect(report.stats).toMatchObject({ processed: 1, covered: 5, passedThrough: 2, dropped: 2 });
    expect(errors).toEqual([
      `A frame could not be processed (${notReadyNote('blur')} for it): out of memory`,
      "A frame could not be covered (whileNotReady 'blur') while the engine is not ready; it was dropped: The source image could not be decoded.",
    ]);
    expect(misuses).toEqual([]);
    expect(frames.filter((f) => !f.closed).map((f) => f.content)).toEqual([]);
  });

  it('covers the frames that come while the engine works on its first frame; drops them while it is busy later', async () => {
    const pending: { frame: FakeFrame; release: () => void }[] = [];
    const engine: FakeEngine = {
      state: 'ready',
      options: resolveOptions({ whileNotReady: 'blur' }),
      link: {
        remote: {
          // The worker holds each frame until the test releases it.
          process(frame) {
            const { content, timestamp } = frame;
            frame.close();
            return new Promise((resolve) => {
              const out = new FakeFrame({ width: 320, height: 180, content: `processed(${content})` }, { timestamp });
              pending.push({ frame: out, release: () => resolve({ frame: out, stats: { import: 0, segment: 0, gpu: 0, total: 1 }, outputPath: 'canvas2d' }) });
            });
          },
        },
        call: (call) => call,
        cutReason: null,
      },
    };
    const report = new ReplacerReporter(new EventTarget(), () => engine.state === 'ready');
    const loop = new FrameLoop(engine as unknown as EngineSupervisor, report, { frame: () => undefined, inputEnded: () => undefined, backgroundFrame: () => null });
    const input = channel();
    loop.start(input);
    let n = 0;
    const push = async (): Promise<void> => {
      input.push(new FakeFrame({ width: 320, height: 180, content: `cam#${n}` }, { timestamp: n++ * 1000 }));
      await settle();
    };
    // cam#0 goes to the engine; cam#1 and cam#2 come while its first frame is slow: covered.
    await push();
    await push();
    await push();
    pending.shift()!.release();
    await settle();
    // cam#3 goes to the engine; cam#4 comes while it is busy again: dropped as before.
    await push();
    await push();
    pending.shift()!.release();
    await settle();
    // A new engine (restart): its first frame is slow again, and covered again.
    loop.engineReset();
    await push();
    await push();
    pending.shift()!.release();
    await settle();
    loop.stop();
    await settle();
    // The first processed frame of each engine is older than the covers written meanwhile: dropped, so time never goes back.
    expect(written).toEqual(['small(cam#1)@1000', 'small(cam#2)@2000', 'processed(cam#3)@3000', 'small(cam#6)@6000']);
    expect(report.stats).toMatchObject({ processed: 1, covered: 3, dropped: 3 });
    expect(misuses).toEqual([]);
    expect(frames.filter((f) => !f.closed).map((f) => f.content)).toEqual([]);
  });

  it('makes covers of the frame size and timestamp, in call order; hold falls back to blur for another size', async () => {
    const cover = new NotReadyCover();
    const frame = (content: string, timestamp: number, width = 320): FakeFrame => new FakeFrame({ width, height: 180, content }, { timestamp, duration: 66_000 });
    const a = frame('a', 1);
    const b = frame('b', 2);
    // Started together (blur awaits a bitmap, blank does not): they still settle in call order.
    const order: string[] = [];
    const made = await Promise.all([
      cover.cover(a as unknown as VideoFrame, 'blur').then((f) => (order.push('blur'), f)),
      cover.cover(b as unknown as VideoFrame, 'blank').then((f) => (order.push('blank'), f)),
    ]);
    expect(order).toEqual(['blur', 'blank']);
    expect(made.map((f) => [f.displayWidth, f.displayHeight, f.timestamp, f.duration, (f as unknown as FakeFrame).content])).toEqual([
      [320, 180, 1, 66_000, 'small(a)'],
      [320, 180, 2, 66_000, 'black'],
    ]);
    const kept = [frame('processed', 0), frame('never shown', 6)];
    cover.keep(kept[0] as unknown as VideoFrame);
    const held = (await cover.cover(frame('c', 3) as unknown as VideoFrame, 'hold')) as unknown as FakeFrame;
    expect([held.content, held.timestamp]).toEqual(['processed', 3]);
    const wider = (await cover.cover(frame('d', 4, 640) as unknown as VideoFrame, 'hold')) as unknown as FakeFrame;
    expect([wider.content, wider.displayWidth, wider.timestamp]).toEqual(['small(d)', 640, 4]);
    cover.release();
    const released = (await cover.cover(frame('e', 5) as unknown as VideoFrame, 'hold')) as unknown as FakeFrame;
    expect(released.content).toBe('small(e)');
    // The kept frame was closed once drawn; a kept frame never drawn is closed by release().
    cover.keep(kept[1] as unknown as VideoFrame);
    cover.release();
    expect(kept.map((f) => f.closed)).toEqual([true, true]);
    expect(misuses).toEqual([]);
  });

  it('is an option: blur by default, one of four values', () => {
    expect(DEFAULT_OPTIONS.whileNotReady).toBe('blur');
    for (const value of WHILE_NOT_READY) expect(resolveOptions({ whileNotReady: value }).whileNotReady).toBe(value);
    expect(() => resolveOptions({ whileNotReady: 'raw' as 'blur' })).toThrow(InvalidOptionError);
    expect(() => resolveOptions({ whileNotReady: 'raw' as 'blur' })).toThrow(/whileNotReady.*blur, hold, blank, passthrough/);
    for (const value of WHILE_NOT_READY) expect(notReadyNote(value)).toMatch(/^the /);
  });
});

describe("the app's errors cleared by a ready engine", () => {
  it('are the engine-health ones only', () => {
    const cleared = (code: ReplacerError['code']): boolean => isEngineHealthError(new ReplacerError(code, 'x'));
    expect(cleared('engine-failed')).toBe(true);
    expect(cleared('gpu-device-lost')).toBe(true);
    for (const code of ['camera-permission-denied', 'camera-in-use', 'camera-not-found', 'corrupt-input', 'unsupported-input', 'invalid-option', 'model-integrity', 'engine-not-ready', 'storage-failed'] as const) {
      expect(cleared(code), code).toBe(false);
    }
  });
});
