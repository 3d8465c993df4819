// `video` mode through the public API, in both renderers: a MediaStream whose picture steps
// through known colours and the app's built-in loop (a WebM file) as the background of a camera
// with nobody in it (the whole frame is background), the `<bg-replacer>` element's background
// attribute with a video address, and bad videos (a clear error, the previous background stays).
import { expect, test, type Page } from '@playwright/test';
import { launchChromium } from '../../scripts/lib/browser';

const PORT = Number(process.env.PW_PORT ?? 5199);
const APP = `http://127.0.0.1:${PORT}/`;

/** The colours the background stream shows, in order, each for STEP_MS. */
const PALETTE: [number, number, number][] = [
  [220, 40, 40],
  [40, 200, 60],
  [40, 60, 220],
  [230, 210, 40],
  [40, 210, 210],
  [210, 40, 200],
];
const STEP_MS = 1000;

interface VideoTest {
  /** The centre pixel of a recent output frame. */
  sample(): Promise<number[]>;
  errors: string[];
  processed(): number;
}

/**
 * Starts a replacer (`renderer`, mode `video`) on a grey 160×90 canvas camera in an empty page of
 * the app's origin, with the background stream (PALETTE, one colour every STEP_MS) as its video;
 * `window.__v` holds the test's handles.
 */
async function start(page: Page, renderer: 'webgpu' | 'canvas2d'): Promise<void> {
  await page.route(`${APP}blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  await page.goto(`${APP}blank`);
  await page.evaluate(
    async ({ moduleUrl, renderer, palette, stepMs }) => {
      const { createBackgroundReplacer } = (await import(/* @vite-ignore */ moduleUrl)) as typeof import('../../src/element/api');
      const camera = document.createElement('canvas');
      camera.width = 160;
      camera.height = 90;
      const cc = camera.getContext('2d')!;
      setInterval(() => {
        cc.fillStyle = '#808080';
        cc.fillRect(0, 0, 160, 90);
      }, 33);
      const background = document.createElement('canvas');
      background.width = 64;
      background.height = 36;
      const bc = background.getContext('2d')!;
      const t0 = performance.now();
      setInterval(() => {
        const [r, g, b] = palette[Math.floor((performance.now() - t0) / stepMs) % palette.length]!;
        bc.fillStyle = `rgb(${r}, ${g}, ${b})`;
        bc.fillRect(0, 0, 64, 36);
      }, 30);
      const replacer = await createBackgroundReplacer({ mode: 'video', temporalSmoothing: 0, renderer, lightWrap: 0 });
      const errors: string[] = [];
      replacer.addEventListener('error', (e) => errors.push(`${e.detail.code}: ${e.detail.message}`));
      const stream = background.captureStream(30);
      await replacer.setBackground(stream);
      const output = replacer.process(camera.captureStream(30));
      const Processor = (window as unknown as { MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> } })
        .MediaStreamTrackProcessor;
      const reader = new Processor({ track: output.getVideoTracks()[0]!.clone() }).readable.getReader();
      const sample = async (): Promise<number[]> => {
        for (let i = 0; i < 2; i++) (await reader.read()).value?.close();
        const { value: frame } = await reader.read();
        if (!frame) throw new Error('the output track ended');
        const c = new OffscreenCanvas(frame.displayWidth, frame.displayHeight).getContext('2d')!;
        c.drawImage(frame, 0, 0);
        frame.close();
        return [...c.getImageData(80, 45, 1, 1).data.slice(0, 3)];
      };
      const v: VideoTest & { replacer: typeof replacer; stream: MediaStream } = { sample, errors, processed: () => replacer.stats.processed, replacer, stream };
      (window as unknown as { __v: typeof v }).__v = v;
    },
    { moduleUrl: `${APP}src/element/api.ts`, renderer, palette: PALETTE, stepMs: STEP_MS },
  );
}

/** The PALETTE index nearest `rgb`, or -1 when none is within 60. */
function paletteIndex(rgb: number[]): number {
  const d = PALETTE.map((p) => Math.hypot(p[0] - rgb[0]!, p[1] - rgb[1]!, p[2] - rgb[2]!));
  const best = d.indexOf(Math.min(...d));
  return d[best]! < 60 ? best : -1;
}

async function sample(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __v: VideoTest }).__v.sample());
}

for (const renderer of ['webgpu', 'canvas2d'] as const) {
  test.describe(`video backgrounds (${renderer})`, () => {
    test('a stream and a file as the background: successive composites follow the video; a bad video is refused and the previous one stays', async () => {
      test.setTimeout(240_000);
      const browser = await launchChromium();
      const page = await browser.newPage();
      page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
      try {
        await start(page, renderer);
        // The stream: wait for the first palette colour, then watch it step through the palette.
        await expect.poll(async () => paletteIndex(await sample(page)), { timeout: 120_000, intervals: [300] }).toBeGreaterThanOrEqual(0);
        const seen: number[] = [];
        const until = Date.now() + 7 * STEP_MS;
        let samples = 0;
        while (Date.now() < until) {
          const index = paletteIndex(await sample(page));
          samples++;
          if (index >= 0 && seen[seen.length - 1] !== index) seen.push(index);
        }
        console.log(`${renderer}: ${samples} samples, palette colours in order ${seen.join(' ')}`);
        expect(seen.length, `colours seen: ${seen.join(' ')}`).toBeGreaterThanOrEqual(3);
        // Each change goes forward through the palette (a slow consumer may skip, never go back).
        for (let i = 1; i < seen.length; i++) {
          const step = (seen[i]! - seen[i - 1]! + PALETTE.length) % PALETTE.length;
          expect(step, `colours seen: ${seen.join(' ')}`).toBeGreaterThanOrEqual(1);
          expect(step, `colours seen: ${seen.join(' ')}`).toBeLessThanOrEqual(2);
        }

        // Bad videos: refused with a clear error, and the stream stays the background.
        const outcome = await page.evaluate(async () => {
          const v = (window as unknown as { __v: { replacer: import('../../src/element/api').BackgroundReplacer } }).__v;
          const describe = (p: Promise<unknown>): Promise<string> =>
            p.then(
              () => 'resolved',
              (e: unknown) => `${(e as Error).name}:${(e as { code?: string }).code ?? ''}:${(e as Error).message}`,
            );
          const notVideo = await describe(v.replacer.setBackground(new Blob(['<html>not a video</html>'], { type: 'video/webm' })));
          const noTrack = await describe(v.replacer.setBackground(new MediaStream()));
          return { notVideo, noTrack };
        });
        console.log(JSON.stringify(outcome));
        expect(outcome.notVideo).toMatch(/^InputError:corrupt-input:The background video \(video\/webm\) could not be decoded \(.+\) — use a WebM or MP4 video the browser plays\.$/);
        expect(outcome.noTrack).toMatch(/^InputError:unsupported-input:The background stream has no video track/);
        await expect.poll(async () => paletteIndex(await sample(page)), { timeout: 30_000, intervals: [300] }).toBeGreaterThanOrEqual(0);

        // The app's built-in loop, a WebM file: the composite leaves the palette and keeps changing.
        await page.evaluate(async () => {
          const v = (window as unknown as { __v: { replacer: import('../../src/element/api').BackgroundReplacer } }).__v;
          await v.replacer.setBackground(await (await fetch('/backgrounds/loop.webm')).blob());
        });
        await expect.poll(async () => paletteIndex(await sample(page)), { timeout: 30_000, intervals: [300] }).toBe(-1);
        const first = await sample(page);
        await expect
          .poll(async () => Math.max(...(await sample(page)).map((c, i) => Math.abs(c - first[i]!))), { timeout: 30_000, intervals: [500] })
          .toBeGreaterThan(8);
        // An image replaces nothing in video mode; null clears the video: grey.
        await page.evaluate(async () => {
          const v = (window as unknown as { __v: { replacer: import('../../src/element/api').BackgroundReplacer } }).__v;
          const red = new OffscreenCanvas(16, 9);
          const c = red.getContext('2d')!;
          c.fillStyle = '#ff0000';
          c.fillRect(0, 0, 16, 9);
          await v.replacer.setBackground(red.transferToImageBitmap());
          await v.replacer.setBackground(null);
        });
        await expect
          .poll(async () => (await sample(page)).every((c) => Math.abs(c - 128) < 12), { timeout: 30_000, intervals: [300] })
          .toBe(true);
        const errors = await page.evaluate(() => (window as unknown as { __v: VideoTest }).__v.errors);
        expect(errors, 'rejections are the caller\'s; no error events').toEqual([]);
      } finally {
        await browser.close();
      }
    });
  });
}

test('<bg-replacer background="….webm" mode="video">: the element plays the video as its background; a bad address is one clear error', async () => {
  test.setTimeout(180_000);
  const browser = await launchChromium();
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  try {
    await page.route(`${APP}blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
    await page.goto(`${APP}blank`);
    const result = await page.evaluate(async (moduleUrl) => {
      await import(/* @vite-ignore */ moduleUrl);
      const camera = document.createElement('canvas');
      camera.width = 160;
      camera.height = 90;
      const cc = camera.getContext('2d')!;
      setInterval(() => {
        cc.fillStyle = '#808080';
        cc.fillRect(0, 0, 160, 90);
      }, 33);
      const element = document.createElement('bg-replacer') as HTMLElement & { stream: MediaStream | null; output: MediaStream | null };
      element.setAttribute('mode', 'video');
      element.setAttribute('renderer', 'canvas2d');
      element.setAttribute('background', '/backgrounds/loop.webm');
      const errors: string[] = [];
      element.addEventListener('error', (e) => errors.push((e as unknown as CustomEvent<Error>).detail.message));
      document.body.append(element);
      element.stream = camera.captureStream(30);
      await new Promise((resolve) => element.addEventListener('ready', resolve, { once: true }));
      while (!element.output) await new Promise((resolve) => setTimeout(resolve, 50));
      const Processor = (window as unknown as { MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> } })
        .MediaStreamTrackProcessor;
      const reader = new Processor({ track: element.output.getVideoTracks()[0]!.clone() }).readable.getReader();
      const pixels: number[][] = [];
      const deadline = performance.now() + 60_000;
      while (pixels.length < 12 && performance.now() < deadline) {
        const { value: frame } = await reader.read();
        if (!frame) break;
        const c = new OffscreenCanvas(frame.displayWidth, frame.displayHeight).getContext('2d')!;
        c.drawImage(frame, 0, 0);
        frame.close();
        const rgb = [...c.getImageData(80, 45, 1, 1).data.slice(0, 3)];
        // Frames covered before the first matte are grey or blurred camera: wait for the video.
        if (rgb.some((v) => Math.abs(v - 128) > 12)) pixels.push(rgb);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await reader.cancel();
      const before = errors.length;
      // An address that is neither an image nor a video: one error event that names both.
      element.setAttribute('background', '/no-such-background');
      const waitUntil = performance.now() + 20_000;
      while (errors.length === before && performance.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 100));
      element.remove();
      return { pixels, errors: errors.slice(0, before), badAddress: errors.slice(before) };
    }, `${APP}src/entries/element.ts`);
    console.log(JSON.stringify(result));
    expect(result.errors).toEqual([]);
    expect(result.badAddress).toEqual([
      'The background could not be loaded from /no-such-background — check the address and that it is a PNG, JPEG or WebP image or a WebM or MP4 video.',
    ]);
    expect(result.pixels.length).toBe(12);
    // The loop's colours drift: the background changed over the 3 s sampled.
    const spread = [0, 1, 2].map((c) => Math.max(...result.pixels.map((p) => p[c]!)) - Math.min(...result.pixels.map((p) => p[c]!)));
    expect(Math.max(...spread)).toBeGreaterThan(8);
  } finally {
    await browser.close();
  }
});
