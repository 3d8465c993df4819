// Faults the replacer must survive, each provoked for real: the engine worker crashing or
// hanging, the page frozen and resumed (what browsers do to background tabs), bad
// background images; and what must not count as a fault: a slow engine on a loaded machine. The camera-side faults (unplugged, permission denied, unplayable file)
// are in app-faults.spec.ts.
import { deflateSync } from 'node:zlib';
import { expect, test, type Page, type Worker } from '@playwright/test';
import { launchChromium } from '../../scripts/lib/browser';

const PORT = Number(process.env.PW_PORT ?? 5199);
const APP = `http://127.0.0.1:${PORT}/`;

/** A PNG of one colour, `width`×`height`, RGB; rows compress to almost nothing. */
function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer): number => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * Opens an empty page of the app's origin and starts a replacer in it on a grey canvas
 * stream (nobody in it: the whole frame is background), in `image` mode with a red
 * background. `window.__t` holds the replacer, its error events and `sample()`, which reads
 * the centre pixel of the next output frame.
 */
async function startReplacer(page: Page): Promise<void> {
  await page.route(`${APP}blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  await page.goto(`${APP}blank`);
  await page.evaluate(async (moduleUrl) => {
    const { createBackgroundReplacer } = (await import(/* @vite-ignore */ moduleUrl)) as typeof import('../../src/element/api');
    const replacer = await createBackgroundReplacer({ mode: 'image', temporalSmoothing: 0, renderer: 'webgpu' });
    const errors: string[] = [];
    replacer.addEventListener('error', (e) => errors.push(`${e.detail.code}: ${e.detail.message}`));
    let readies = 0;
    replacer.addEventListener('ready', () => readies++);
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 90;
    const ctx = canvas.getContext('2d')!;
    const timer = setInterval(() => {
      ctx.fillStyle = '#808080';
      ctx.fillRect(0, 0, 160, 90);
    }, 33);
    const red = new OffscreenCanvas(64, 36);
    const rc = red.getContext('2d')!;
    rc.fillStyle = '#ff0000';
    rc.fillRect(0, 0, 64, 36);
    await replacer.setBackground(await red.convertToBlob());
    const output = replacer.process(canvas.captureStream(30));
    const Processor = (window as unknown as { MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> } })
      .MediaStreamTrackProcessor;
    const reader = new Processor({ track: output.getVideoTracks()[0]!.clone() }).readable.getReader();
    const sample = async (): Promise<number[]> => {
      // Skip frames already queued, so the sample is recent.
      for (let i = 0; i < 2; i++) (await reader.read()).value?.close();
      const { value: frame } = await reader.read();
      if (!frame) throw new Error('the output track ended');
      const c = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
      const c2 = c.getContext('2d')!;
      c2.drawImage(frame, 0, 0);
      frame.close();
      return [...c2.getImageData(80, 45, 1, 1).data.slice(0, 3)];
    };
    (window as unknown as { __t: unknown }).__t = { replacer, errors, sample, timer, readies: () => readies };
  }, `${APP}src/element/api.ts`);
}

interface PageState {
  errors: string[];
  stats: { processed: number; passedThrough: number; covered: number; ready: boolean };
  readies: number;
}

async function state(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const t = (window as unknown as { __t: { replacer: { stats: PageState['stats'] }; errors: string[]; readies(): number } }).__t;
    return { errors: [...t.errors], stats: { ...t.replacer.stats }, readies: t.readies() };
  });
}

/** Waits for `count` more processed frames whose centre is the red background. */
async function waitRed(page: Page, label: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const rgb = await page.evaluate(() => (window as unknown as { __t: { sample(): Promise<number[]> } }).__t.sample());
        return rgb[0]! > 200 && rgb[1]! < 60 && rgb[2]! < 60 ? 'red' : `rgb(${rgb.join(',')})`;
      },
      { message: `${label}: the output shows the red background`, timeout: 90_000, intervals: [500] },
    )
    .toBe('red');
}

/** The engine worker of the page (the newest one, after restarts). */
async function engineWorker(page: Page): Promise<Worker> {
  await expect.poll(() => page.workers().filter((w) => /engine\.worker/.test(w.url())).length, { timeout: 30_000 }).toBeGreaterThan(0);
  return page.workers().filter((w) => /engine\.worker/.test(w.url())).at(-1)!;
}

test.describe('faults the replacer survives', () => {
  test('engine worker crash and hang: restarted, frames covered meanwhile, background kept; too many crashes fail it for good', async () => {
    test.setTimeout(300_000);
    const browser = await launchChromium();
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
    try {
      await startReplacer(page);
      await waitRed(page, 'before the crash');

      // 1. An uncaught exception in the worker: its state is unknown, so it is replaced.
      const first = await engineWorker(page);
      await first.evaluate(() => setTimeout(() => {
        throw new Error('injected crash');
      }));
      await expect.poll(async () => (await state(page)).readies, { timeout: 60_000 }).toBe(2);
      await waitRed(page, 'after the restart (the background was given to the new engine)');
      let s = await state(page);
      console.log(`after crash: ${JSON.stringify(s)}`);
      expect(s.errors.some((e) => /engine-failed: The background engine crashed \(.*injected crash\); restarting it/.test(e))).toBe(true);
      expect(page.workers().includes(first), 'the crashed worker was terminated').toBe(false);

      // 2. A worker that closes itself answers nothing: the frame times out, the ping fails.
      const second = await engineWorker(page);
      await second.evaluate(() => self.close());
      await expect.poll(async () => (await state(page)).readies, { timeout: 90_000 }).toBe(3);
      await waitRed(page, 'after the hang');
      s = await state(page);
      console.log(`after hang: ${JSON.stringify(s)}`);
      expect(s.errors.some((e) => /stopped answering; restarting it/.test(e))).toBe(true);
      expect(s.stats.covered, 'frames kept flowing, covered (whileNotReady: blur), while the engine was down').toBeGreaterThan(0);

      // 3. Crashes in a loop: after MAX_RESTARTS within a minute it stays down, frames covered (a blur of the grey input).
      const gaveUp = async (): Promise<boolean> => (await state(page)).errors.some((e) => /failed 4 times within a minute/.test(e));
      for (let i = 0; i < 5 && !(await gaveUp()); i++) {
        const readies = (await state(page)).readies;
        const w = await engineWorker(page);
        await w.evaluate(() => setTimeout(() => {
          throw new Error('injected crash');
        }));
        await expect.poll(async () => (await gaveUp()) || (await state(page)).readies > readies, { timeout: 60_000 }).toBe(true);
      }
      expect(await gaveUp()).toBe(true);
      s = await state(page);
      expect(s.stats.ready).toBe(false);
      const grey = await page.evaluate(() => (window as unknown as { __t: { sample(): Promise<number[]> } }).__t.sample());
      expect(grey.every((v) => Math.abs(v - 128) < 12), `the grey input, blurred, not processed: rgb(${grey.join(',')})`).toBe(true);
    } finally {
      await browser.close();
    }
  });

  test('page frozen and resumed (a background tab): processing resumes, no error', async () => {
    const browser = await launchChromium();
    const page = await browser.newPage();
    try {
      await startReplacer(page);
      await waitRed(page, 'before the freeze');
      const before = await state(page);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
      await new Promise((r) => setTimeout(r, 12_000));
      await cdp.send('Page.setWebLifecycleState', { state: 'active' });
      await waitRed(page, 'after the resume');
      const after = await state(page);
      console.log(`freeze: before ${JSON.stringify(before.stats)} after ${JSON.stringify(after.stats)}`);
      expect(after.stats.processed).toBeGreaterThan(before.stats.processed);
      expect(after.errors).toEqual([]);
      expect(after.readies, 'no restart').toBe(1);
    } finally {
      await browser.close();
    }
  });

  test('a slow start-up and a slow first frame (15 s each, a loaded machine) are not errors: the worker beats while it works', async () => {
    const browser = await launchChromium();
    const context = await browser.newContext();
    // The engine worker's script, served with a prelude that slows two browser calls inside
    // the engine's own calls: the adapter request of start-up and the first frame's
    // createImageBitmap of a VideoFrame (its segmentation input). Past the old fixed 10 s
    // deadline and past the silence limit: only the heartbeats tell the page it is alive.
    const prelude = `{
      const SLOW_MS = 15_000;
      const slowed = (self.__slowed = []);
      const gpu = navigator.gpu;
      const requestAdapter = gpu.requestAdapter.bind(gpu);
      gpu.requestAdapter = async (...args) => {
        if (!slowed.includes('start-up')) {
          slowed.push('start-up');
          await new Promise((r) => setTimeout(r, SLOW_MS));
        }
        return requestAdapter(...args);
      };
      const createImageBitmap = self.createImageBitmap.bind(self);
      self.createImageBitmap = async (source, ...args) => {
        if (source instanceof VideoFrame && !slowed.includes('first frame')) {
          slowed.push('first frame');
          await new Promise((r) => setTimeout(r, SLOW_MS));
        }
        return createImageBitmap(source, ...args);
      };
    }\n`;
    await context.route(
      (url) => url.pathname.endsWith('/src/worker/engine.worker.ts'),
      async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, body: prelude + (await response.text()) });
      },
    );
    const page = await context.newPage();
    page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
    try {
      const started = Date.now();
      await startReplacer(page);
      await waitRed(page, 'after the slow start');
      const s = await state(page);
      const slowed = await (await engineWorker(page)).evaluate(() => (self as unknown as { __slowed: string[] }).__slowed);
      console.log(`slow start: ${(Date.now() - started) / 1000} s, slowed ${JSON.stringify(slowed)}, ${JSON.stringify(s)}`);
      expect(slowed, 'both slow steps happened in the engine worker').toEqual(['start-up', 'first frame']);
      expect(s.errors).toEqual([]);
      expect(s.readies, 'no restart').toBe(1);
      expect(s.stats.processed).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  });

  test('bad background images: a clear error and the previous background stays; a 20000×20000 one is scaled down', async () => {
    const browser = await launchChromium();
    const page = await browser.newPage();
    const huge = solidPng(20000, 20000, [0, 0, 255]);
    await page.route(`${APP}huge.png`, (route) => route.fulfill({ contentType: 'image/png', body: huge }));
    try {
      await startReplacer(page);
      await waitRed(page, 'before');
      const outcome = await page.evaluate(async () => {
        const t = (window as unknown as { __t: { replacer: import('../../src/element/api').BackgroundReplacer; sample(): Promise<number[]> } }).__t;
        const describe = (p: Promise<unknown>): Promise<string> =>
          p.then(
            () => 'resolved',
            (e: unknown) => `${(e as Error).name}:${(e as { code?: string }).code ?? ''}:${(e as Error).message}`,
          );
        const notImage = await describe(t.replacer.setBackground(new Blob(['<html>not an image</html>'], { type: 'image/png' })));
        const truncated = await describe(t.replacer.setBackground(new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])], { type: 'image/png' })));
        const afterBad = await t.sample();
        const start = performance.now();
        const hugeResult = await describe(t.replacer.setBackground(await (await fetch('/huge.png')).blob()));
        return { notImage, truncated, afterBad, hugeResult, hugeMs: performance.now() - start };
      });
      console.log(JSON.stringify(outcome));
      expect(outcome.notImage).toMatch(/^InputError:corrupt-input:The background image could not be decoded \(image\/png\) — use a PNG, JPEG or WebP\.$/);
      expect(outcome.truncated).toMatch(/^InputError:corrupt-input:/);
      expect(outcome.afterBad[0]).toBeGreaterThan(200);
      expect(outcome.hugeResult).toBe('resolved');
      await expect
        .poll(async () => {
          const rgb = await page.evaluate(() => (window as unknown as { __t: { sample(): Promise<number[]> } }).__t.sample());
          return rgb[2]! > 200 && rgb[0]! < 60 ? 'blue' : `rgb(${rgb.join(',')})`;
        }, { timeout: 60_000, intervals: [500] })
        .toBe('blue');
      const s = await state(page);
      expect(s.errors, 'rejections are the caller\'s; no error events').toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
