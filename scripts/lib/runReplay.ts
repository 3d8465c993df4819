// Runs replay jobs: the real app pipeline (replay.html → src/replay/harness.ts → the engine
// worker) in headless Chromium, on every frame of a source, in order, with no drops.
// A session holds one server and one browser; each job gets a fresh page (so a fresh engine
// with no history), and a clip run as one job keeps the engine's history across its frames.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { InputError } from '../../src/errors';
import type { Options, ReadbackType } from '../../src/options';
import { JOB_PARAM, type ReplayReport } from '../../src/replay/jobProtocol';
import { launchChromium } from './browser';
import type { NodeFrameSource } from './frames';
import { startReplayServer, type PostedOutput, type ReplayServer, type ServedImage } from './replayServer';

export type { PostedOutput, ServedImage };

/** One job: a source, the engine options and what to read back. */
export interface ReplayRun {
  source: NodeFrameSource;
  /** Engine options (validated again in the page). */
  options: Partial<Options>;
  /** Read-backs to post for every frame, in this order. */
  outputTypes: ReadbackType[];
  /** Image for `image` mode. */
  background?: ServedImage | null;
  /** The background video of `video` mode: output frame i shows its frame i mod count (not closed here). */
  backgroundVideo?: NodeFrameSource | null;
  /** Clean background plate handed to the engine before the first frame. */
  plate?: ServedImage | null;
  /**
   * Receives each read-back as it arrives (frame order, then outputTypes order). A throw
   * fails the job with that message.
   */
  onOutput(output: PostedOutput): void;
  /** Fails the job after this long, in ms. Default: no limit. */
  timeoutMs?: number;
  /** A label for the page's console lines in verbose mode. */
  label?: string;
}

/** A failed job: the page's (or the server's) one-line reason and, when it has one, the error code. */
export class ReplayJobError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ReplayJobError';
  }
}

/** One server and one browser, running jobs one after the other. */
export interface ReplaySession {
  /**
   * Runs one job in a new page and resolves once every output has been delivered.
   * @returns the page's report (adapter, timings per frame, refine stats)
   * @throws ReplayJobError when the page reports an error, crashes, times out, or an output is missing
   */
  run(job: ReplayRun): Promise<ReplayReport>;
  /** Closes the browser and the server. */
  close(): Promise<void>;
}

/**
 * Starts the replay server and headless Chromium.
 * @param options.gpu use the machine's GPU (Vulkan) instead of SwiftShader
 * @param options.verbose echo the pages' console to stderr
 * @throws Error when Chromium is missing or the server cannot start
 */
export async function openReplaySession(options: { gpu?: boolean; verbose?: boolean } = {}): Promise<ReplaySession> {
  const server: ReplayServer = await startReplayServer();
  let browser: Browser;
  try {
    browser = await launchChromium({ gpu: options.gpu });
  } catch (err) {
    await server.close();
    throw err;
  }
  let nextId = 1;
  let busy = false;

  async function run(job: ReplayRun): Promise<ReplayReport> {
    if (busy) throw new Error('a replay session runs one job at a time');
    busy = true;
    const id = `j${nextId++}`;
    const frames = job.source.count;
    const expected = frames * job.outputTypes.length;
    const seen = new Set<string>();
    let settle: (r: { report?: ReplayReport; error?: ReplayJobError }) => void = () => {};
    const finished = new Promise<{ report?: ReplayReport; error?: ReplayJobError }>((r) => (settle = r));
    const fail = (message: string, code?: string): void => settle({ error: new ReplayJobError(message.split('\n')[0]!, code) });
    server.addJob(id, {
      job: {
        frames,
        outputTypes: job.outputTypes,
        options: job.options,
        hasBackground: Boolean(job.background),
        backgroundFrames: job.backgroundVideo?.count ?? 0,
        hasPlate: Boolean(job.plate),
        frameDurationUs: Math.round(1e6 / (job.source.fps ?? 30)),
        kinect: Boolean(job.source.kinectRecording),
      },
      source: job.source,
      background: job.background ?? null,
      backgroundVideo: job.backgroundVideo ?? null,
      plate: job.plate ?? null,
      onOutput(o) {
        seen.add(`${o.type}/${o.index}`);
        job.onOutput(o);
      },
      onDone: (report) => settle({ report }),
      onError: (e) => fail(e.message, e.code),
    });
    const timer = job.timeoutMs ? setTimeout(() => fail(`timed out after ${job.timeoutMs! / 1000} s`), job.timeoutMs) : undefined;
    let page: Page | null = null;
    try {
      page = await browser.newPage();
      if (options.verbose) page.on('console', (m) => console.error(`[page${job.label ? ` ${job.label}` : ''}] ${m.text()}`));
      page.on('pageerror', (err) => fail(`page error: ${err.message}`));
      page.on('crash', () => fail('the browser tab crashed'));
      page.goto(`${server.url}replay.html?${JOB_PARAM}=${id}`).catch((err: unknown) => fail(`cannot open the replay page: ${err instanceof Error ? err.message : String(err)}`));
      const { report, error } = await finished;
      if (error) throw error;
      if (seen.size !== expected) throw new ReplayJobError(`wrote ${seen.size} of ${expected} outputs`);
      return report!;
    } finally {
      clearTimeout(timer);
      server.removeJob(id);
      await page?.close().catch(() => {});
      busy = false;
    }
  }

  return {
    run,
    async close() {
      try {
        await browser.close();
      } finally {
        await server.close();
      }
    },
  };
}

const IMAGE_MIME: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

/**
 * Reads an image file to serve to the page (background or plate).
 * @param what how to name the file in an error, e.g. '--plate'
 * @throws InputError 'unsupported-input' for another extension or an unreadable file
 */
export function readImageFile(path: string, what = path): ServedImage {
  const mime = IMAGE_MIME[extname(path).toLowerCase()];
  if (!mime) throw new InputError('unsupported-input', `${what} ${path}: expected a .png, .jpg or .webp image`);
  try {
    return { mime, data: readFileSync(path) };
  } catch (err) {
    throw new InputError('unsupported-input', `${what} ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Encodes one read-back as PNG: 8-bit grey for 1 channel, RGB for 4 (alpha dropped).
 * @throws Error when the byte count does not match the size
 */
export function encodeReadbackPng(o: PostedOutput): Buffer {
  if (o.data.length !== o.width * o.height * o.channels) throw new Error(`${o.type} ${o.index}: ${o.data.length} bytes for ${o.width}×${o.height}×${o.channels}`);
  const opts = { colorType: o.channels === 1 ? 0 : 2, inputColorType: o.channels === 1 ? 0 : 6, inputHasAlpha: o.channels === 4, bitDepth: 8 } as const;
  const png = new PNG({ width: o.width, height: o.height, ...opts });
  png.data = o.data;
  return PNG.sync.write(png, opts);
}
