// The bandwidth benchmark's WebCodecs column: a Vite server for the encoder page
// (test/bench/encode.html) and a headless Chromium tab on it, which encodes a .y4m sequence
// with VideoEncoder at a fixed quantizer; the chunks come back, are written as IVF and their
// frame headers read back by ffmpeg.
import { writeFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { launchChromium } from '../browser';
import { openFrameSource, type NodeFrameSource } from '../frames';
import { startReplayServer, type ReplayServer } from '../replayServer';
import { CODEC_STRINGS, type EncodeRequest, type EncodeResult, type WebCodecsCodec } from './encodeProtocol';
import { traceQuantizers, type Encoded } from './ffmpeg';
import { writeIvf } from './ivf';
import { expectedQIndex } from './quantizer';
import type { LatencyMode } from './types';
import type { Sequence } from './y4m';

/** The encoder page: a Vite server for test/bench/encode.html and a browser tab on it. */
export interface EncoderPage {
  /** Whether this Chromium encodes `codec` at this size (pixels) with bitrateMode 'quantizer'. @throws Error after an error on the page */
  supported(codec: WebCodecsCodec, width: number, height: number, latencyMode: LatencyMode): Promise<boolean>;
  /**
   * Encodes at the API quantizer Q (0..63) and writes the IVF to `ivfPath`.
   * @returns the chunks with the quantizer of every frame header (read back by ffmpeg)
   * @throws Error from the page (unsupported configuration, encoder error, frames dropped or
   *   added), for a codec string other than CODEC_STRINGS[codec], or when ffmpeg fails
   */
  encode(seq: Sequence, codec: WebCodecsCodec, quantizer: number, latencyMode: LatencyMode, ivfPath: string): Promise<Encoded>;
  /** Closes the browser and the server. */
  close(): Promise<void>;
}

/**
 * Starts the server, launches headless Chromium and opens the encoder page.
 * @throws Error when the server, the browser or the page does not start (the page within 60 s)
 */
export async function openEncoderPage(): Promise<EncoderPage> {
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
        if (result.codecString !== CODEC_STRINGS[codec]) throw new Error(`the encoder page used ${result.codecString}, this report says ${CODEC_STRINGS[codec]}`);
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
