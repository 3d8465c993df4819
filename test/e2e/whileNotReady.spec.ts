// Options.whileNotReady: while the matte is not ready — the engine starting (slowly, on
// purpose), or restarting after a crash — no output frame may be the raw camera frame, unless
// the setting is 'passthrough'. Each output frame is compared with the input frame it came from
// (matched by timestamp) on a textured input (a dev still with a person, moving a little from
// frame to frame). Also: a start-up that blocks the engine worker's event loop (as
// onnxruntime-web's session creation does on a loaded machine) is not taken for a hang; the
// option through the element's attribute and setOptions; the app's error banner clearing the
// engine's errors once it is ready again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { launchChromium } from '../../scripts/lib/browser';
import { sharedPath, syntheticY4m, tempDir } from './support';

const ORIGIN = `http://127.0.0.1:${Number(process.env.PW_PORT ?? 5199)}/`;
/** How long each load of the engine worker's script is held back: a slow start-up, and a slow restart. */
const WORKER_DELAY_MS = 4_000;
/** Input frames: size (px) and interval (ms). Small, to keep the test fast. */
const WIDTH = 320;
const HEIGHT = 180;
const FRAME_MS = 66;
/** Mean absolute difference (0..255 per channel) under which an output frame counts as the raw input frame. */
const RAW_DIFF = 1;

type Setting = 'blur' | 'hold' | 'blank' | 'passthrough';

/** One output frame, as the page measured it. */
interface OutputRecord {
  /** Its timestamp (µs), the input frame's. */
  ts: number;
  /** Mean absolute difference from the input frame with the same timestamp, 0..255; null when that input was not found. */
  diff: number | null;
  /** Mean squared Laplacian of luma of the output, and of its input: detail left. */
  hf: number;
  inputHf: number | null;
  /** Mean and standard deviation of the output's luma, 0..255. */
  mean: number;
  std: number;
  /** What the replacer was doing when the frame was read: 'starting' (no ready yet), 'ready', 'restarting' (after the crash, before the next ready). */
  phase: 'starting' | 'ready' | 'restarting';
}

/**
 * Delays every load of the engine worker's script (the first start and every restart) by
 * `delayMs`, and puts `prelude` before the script. @returns how many loads there were so far
 */
async function interceptEngineWorker(context: BrowserContext, delayMs = WORKER_DELAY_MS, prelude = ''): Promise<() => number> {
  let loads = 0;
  await context.route(
    (url) => url.pathname.endsWith('/src/worker/engine.worker.ts'),
    async (route) => {
      loads++;
      await new Promise((r) => setTimeout(r, delayMs));
      if (!prelude) return route.continue();
      const response = await route.fetch();
      await route.fulfill({ response, body: prelude + (await response.text()) });
    },
  );
  return () => loads;
}

/**
 * Opens an empty page of the app's origin and starts a replacer (blur mode, Canvas 2D path)
 * with `whileNotReady` on a textured input at once. `window.__w` records every output frame
 * (see OutputRecord) and the replacer's `ready` events and errors.
 */
async function startReplacer(page: Page, whileNotReady: Setting, renderer: 'canvas2d' | 'webgpu' = 'canvas2d'): Promise<void> {
  const still = readFileSync(join(sharedPath('eval/dev/stills/dev_00_0'), 'image.png'));
  await page.route(`${ORIGIN}blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  await page.route(`${ORIGIN}still.png`, (route) => route.fulfill({ contentType: 'image/png', body: still }));
  page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  await page.goto(`${ORIGIN}blank`);
  await page.evaluate(
    async ({ moduleUrl, whileNotReady, renderer, width, height, frameMs }) => {
      type Processor = new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> };
      type Generator = MediaStreamTrack & { writable: WritableStream<VideoFrame> };
      const w = window as unknown as { MediaStreamTrackProcessor: Processor; MediaStreamTrackGenerator: new (init: { kind: 'video' }) => Generator };
      const { createBackgroundReplacer } = (await import(/* @vite-ignore */ moduleUrl)) as typeof import('../../src/element/api');

      const luma = (d: Uint8ClampedArray, i: number): number => 0.299 * d[i * 4]! + 0.587 * d[i * 4 + 1]! + 0.114 * d[i * 4 + 2]!;
      const highFrequency = (d: Uint8ClampedArray): number => {
        let sum = 0;
        for (let y = 1; y < height - 1; y++) {
          for (let x = 1; x < width - 1; x++) {
            const i = y * width + x;
            const lap = 4 * luma(d, i) - luma(d, i - 1) - luma(d, i + 1) - luma(d, i - width) - luma(d, i + width);
            sum += lap * lap;
          }
        }
        return sum / ((width - 2) * (height - 2));
      };

      // The input: the still, shifted by a few pixels from frame to frame, each frame's pixels kept by timestamp.
      const still = await createImageBitmap(await (await fetch('/still.png')).blob());
      const source = new OffscreenCanvas(width, height);
      const sctx = source.getContext('2d', { willReadFrequently: true })!;
      const inputs = new Map<number, { data: Uint8ClampedArray; hf: number }>();
      const generator = new w.MediaStreamTrackGenerator({ kind: 'video' });
      const writer = generator.writable.getWriter();
      let n = 0;
      const feed = setInterval(() => {
        const shift = (n % 8) * 2;
        sctx.drawImage(still, -shift, 0, width + 16, height);
        const timestamp = n++ * frameMs * 1000;
        const data = sctx.getImageData(0, 0, width, height).data;
        inputs.set(timestamp, { data, hf: highFrequency(data) });
        inputs.delete(timestamp - 120 * frameMs * 1000);
        void writer.write(new VideoFrame(source, { timestamp })).catch(() => undefined);
      }, frameMs);

      const started = performance.now();
      const replacer = await createBackgroundReplacer({ mode: 'blur', renderer, whileNotReady });
      const readyAt: number[] = [];
      const errors: string[] = [];
      let phase: 'starting' | 'ready' | 'restarting' = 'starting';
      replacer.addEventListener('ready', () => {
        readyAt.push(performance.now() - started);
        phase = 'ready';
      });
      replacer.addEventListener('error', (e) => {
        errors.push(`${e.detail.code}: ${e.detail.message}`);
        if (/restarting it/.test(e.detail.message)) phase = 'restarting';
      });
      const output = replacer.process(new MediaStream([generator]));

      // The output, frame by frame, compared with the input frame of the same timestamp.
      const records: unknown[] = [];
      const reader = new w.MediaStreamTrackProcessor({ track: output.getVideoTracks()[0]! }).readable.getReader();
      const sink = new OffscreenCanvas(width, height);
      const octx = sink.getContext('2d', { willReadFrequently: true })!;
      let reading = true;
      const done = (async () => {
        while (reading) {
          const { value: frame } = await reader.read();
          if (!frame) break;
          const ts = frame.timestamp;
          const size = [frame.displayWidth, frame.displayHeight];
          octx.drawImage(frame, 0, 0);
          frame.close();
          const out = octx.getImageData(0, 0, width, height).data;
          const input = inputs.get(ts);
          let diff: number | null = null;
          if (input) {
            let sum = 0;
            for (let i = 0; i < out.length; i += 4) sum += Math.abs(out[i]! - input.data[i]!) + Math.abs(out[i + 1]! - input.data[i + 1]!) + Math.abs(out[i + 2]! - input.data[i + 2]!);
            diff = sum / ((out.length / 4) * 3);
          }
          let s = 0;
          let s2 = 0;
          for (let i = 0; i < width * height; i++) {
            const l = luma(out, i);
            s += l;
            s2 += l * l;
          }
          const mean = s / (width * height);
          records.push({ ts, diff, hf: highFrequency(out), inputHf: input?.hf ?? null, mean, std: Math.sqrt(Math.max(0, s2 / (width * height) - mean * mean)), phase, size });
        }
      })();
      (window as unknown as { __w: unknown }).__w = {
        replacer,
        records,
        readyAt,
        errors,
        async stop() {
          reading = false;
          clearInterval(feed);
          await replacer.dispose();
          await done;
        },
      };
    },
    { moduleUrl: `${ORIGIN}src/element/api.ts`, whileNotReady, renderer, width: WIDTH, height: HEIGHT, frameMs: FRAME_MS },
  );
}

interface PageState {
  readies: number;
  readyAt: number[];
  errors: string[];
  stats: { processed: number; passedThrough: number; covered: number; dropped: number };
  records: (OutputRecord & { size: number[] })[];
}

async function state(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const w = (window as unknown as { __w: { replacer: { stats: PageState['stats'] }; records: PageState['records']; readyAt: number[]; errors: string[] } }).__w;
    const { processed, passedThrough, covered, dropped } = w.replacer.stats;
    return { readies: w.readyAt.length, readyAt: [...w.readyAt], errors: [...w.errors], stats: { processed, passedThrough, covered, dropped }, records: [...w.records] };
  });
}

/** Waits until `readies` ready events happened and `processed` frames were processed. */
async function waitReady(page: Page, readies: number, processed: number): Promise<void> {
  await expect
    .poll(async () => {
      const s = await state(page);
      return s.readies >= readies && s.stats.processed >= processed;
    }, { message: `${readies} ready event(s) and ${processed} processed frames`, timeout: 60_000, intervals: [250] })
    .toBe(true);
}

/** Makes the page's engine worker throw an uncaught error (it is then replaced). */
async function crashEngineWorker(page: Page): Promise<void> {
  const worker = page.workers().filter((w) => /engine\.worker/.test(w.url())).at(-1);
  expect(worker, 'the engine worker').toBeTruthy();
  await worker!.evaluate(() =>
    setTimeout(() => {
      throw new Error('injected crash');
    }),
  );
}

/** A one-line summary of some records, for the log. */
function summary(records: OutputRecord[]): string {
  const f = (xs: number[]): string => (xs.length ? `${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)}` : '-');
  const diffs = records.map((r) => r.diff).filter((d): d is number => d !== null);
  return `${records.length} frames (${diffs.length} matched), diff ${f(diffs)}, hf ${f(records.map((r) => r.hf))} (input ${f(records.map((r) => r.inputHf ?? 0))}), std ${f(records.map((r) => r.std))}`;
}

test.describe('whileNotReady: never the raw background while the matte is not ready', () => {
  for (const setting of ['blur', 'hold', 'blank'] as const) {
    test(`'${setting}': a slow start-up and a worker crash show no raw frame`, async ({ context, page }) => {
      test.setTimeout(120_000);
      const loads = await interceptEngineWorker(context);
      await startReplacer(page, setting);
      await waitReady(page, 1, 5);
      const beforeCrash = (await state(page)).records.length;
      await crashEngineWorker(page);
      await waitReady(page, 2, (await state(page)).stats.processed + 5);
      await page.evaluate(() => (window as unknown as { __w: { stop(): Promise<void> } }).__w.stop());
      const s = await state(page);
      const starting = s.records.filter((r) => r.phase === 'starting');
      // The first frames read after the crash may be processed ones already on their way.
      const restarting = s.records.slice(beforeCrash).filter((r) => r.phase === 'restarting').slice(2);
      console.log(
        `${setting}: ready at ${s.readyAt.map((t) => `${(t / 1000).toFixed(1)} s`).join(', ')}; worker loads ${loads()}; stats ${JSON.stringify(s.stats)}\n` +
          `  starting: ${summary(starting)}\n  restarting: ${summary(restarting)}\n  all: ${summary(s.records)}`,
      );

      // The delays applied: to the engine worker's first load and to its restart.
      expect(loads(), 'the engine worker script was held back at start and at the restart').toBeGreaterThanOrEqual(2);
      expect(s.readyAt[0]!, 'start-up took longer than the delay').toBeGreaterThan(WORKER_DELAY_MS);
      expect(s.errors.some((e) => /crashed \(.*injected crash\); restarting it/.test(e)), s.errors.join('\n')).toBe(true);
      expect(starting.length, 'frames were shown while the engine started').toBeGreaterThan(10);
      expect(restarting.length, 'frames were shown while the engine restarted').toBeGreaterThan(5);
      expect(s.stats.covered).toBeGreaterThan(starting.length);
      expect(s.stats.passedThrough).toBe(0);

      // No output frame is the raw input frame it came from, in any phase.
      const matched = s.records.filter((r) => r.diff !== null);
      expect(matched.length, 'output frames matched to their input by timestamp').toBeGreaterThan(s.records.length * 0.9);
      const raw = matched.filter((r) => r.diff! < RAW_DIFF);
      expect(raw.map((r) => `${r.ts} ${r.phase} diff ${r.diff!.toFixed(2)}`), 'output frames equal to their raw input').toEqual([]);
      // Each output frame keeps its input's size and timestamp: timestamps only go forward.
      for (const r of s.records) expect(r.size).toEqual([WIDTH, HEIGHT]);
      const backwards = s.records.filter((r, i) => i > 0 && r.ts <= s.records[i - 1]!.ts).map((r) => r.ts);
      expect(backwards, 'output timestamps that do not increase').toEqual([]);

      // Each setting shows what it says.
      for (const r of starting) {
        if (setting === 'blank') expect(r.mean < 4 && r.std < 2, `a black frame (mean ${r.mean}, std ${r.std})`).toBe(true);
        // Blur, and hold before any processed frame: the texture is gone.
        else expect(r.hf, 'blurred: little detail left').toBeLessThan(0.1 * r.inputHf!);
      }
      for (const r of restarting) {
        if (setting === 'blank') expect(r.mean < 4 && r.std < 2, `a black frame (mean ${r.mean}, std ${r.std})`).toBe(true);
        else if (setting === 'blur') expect(r.hf).toBeLessThan(0.1 * r.inputHf!);
        // Hold: the last processed frame (the person sharp), not a blur of the new one.
        else expect(r.hf, 'held: a processed frame, with its detail').toBeGreaterThan(0.1 * r.inputHf!);
      }
    });
  }

  test(`'passthrough': frames during start-up are the raw input (today's behaviour)`, async ({ context, page }) => {
    test.setTimeout(120_000);
    const loads = await interceptEngineWorker(context);
    await startReplacer(page, 'passthrough');
    await waitReady(page, 1, 3);
    await page.evaluate(() => (window as unknown as { __w: { stop(): Promise<void> } }).__w.stop());
    const s = await state(page);
    const starting = s.records.filter((r) => r.phase === 'starting' && r.diff !== null);
    console.log(`passthrough: worker loads ${loads()}; stats ${JSON.stringify(s.stats)}; starting: ${summary(starting)}`);
    expect(loads()).toBeGreaterThanOrEqual(1);
    expect(starting.length).toBeGreaterThan(10);
    for (const r of starting) expect(r.diff!, 'the raw input frame').toBeLessThan(RAW_DIFF);
    expect(s.stats.covered).toBe(0);
    expect(s.stats.passedThrough).toBeGreaterThanOrEqual(starting.length);
  });

  test("a start-up that blocks the engine worker's event loop for 16 s (synchronous work) is not taken for a hang", async ({ context, page }) => {
    test.setTimeout(120_000);
    // The engine worker blocks its event loop while it starts, as onnxruntime-web's session
    // creation does on a loaded machine: here at its first `new Worker` (the segmenter's), after
    // its first heartbeat. Longer than the steady-state silence limit plus the ping's 3 s.
    const prelude = `{
      const BLOCK_MS = 16_000;
      const NativeWorker = self.Worker;
      self.__blocked = 0;
      self.Worker = function (...args) {
        if (!self.__blocked) {
          const start = performance.now();
          while (performance.now() - start < BLOCK_MS);
          self.__blocked = performance.now() - start;
        }
        return new NativeWorker(...args);
      };
    }\n`;
    const loads = await interceptEngineWorker(context, 0, prelude);
    await startReplacer(page, 'blur');
    await waitReady(page, 1, 3);
    const blocked = await page.workers().find((w) => /engine\.worker/.test(w.url()))!.evaluate(() => (self as unknown as { __blocked: number }).__blocked);
    await page.evaluate(() => (window as unknown as { __w: { stop(): Promise<void> } }).__w.stop());
    const s = await state(page);
    console.log(`blocked start-up: blocked ${(blocked / 1000).toFixed(1)} s, ready at ${s.readyAt.map((t) => `${(t / 1000).toFixed(1)} s`).join(', ')}, worker loads ${loads()}, errors ${JSON.stringify(s.errors)}`);
    expect(blocked, "the engine worker's event loop was blocked").toBeGreaterThanOrEqual(16_000);
    expect(s.errors, 'no error: slow, not hung').toEqual([]);
    expect(loads(), 'the worker was not replaced').toBe(1);
    expect(s.readies).toBe(1);
    expect(s.records.filter((r) => r.diff !== null && r.diff < RAW_DIFF)).toEqual([]);
  });

  test('the option through the element attribute, setOptions, and InvalidOptionError for a bad value', async ({ page }) => {
    await page.route(`${ORIGIN}blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
    await page.goto(`${ORIGIN}blank`);
    const outcome = await page.evaluate(
      async ({ elementUrl, apiUrl }) => {
        await import(/* @vite-ignore */ elementUrl);
        const { createBackgroundReplacer } = (await import(/* @vite-ignore */ apiUrl)) as typeof import('../../src/element/api');
        const describe = (err: unknown): string => `${(err as Error).name}:${(err as { code?: string }).code}:${(err as { option?: string }).option}`;
        type El = HTMLElement & { whileNotReady: string; updateComplete: Promise<boolean>; replacer: import('../../src/element/api').BackgroundReplacer | null };

        // The element: default, attribute → property → the replacer's options, property → attribute.
        const el = document.createElement('bg-replacer') as El;
        const byDefault = el.whileNotReady;
        el.setAttribute('renderer', 'canvas2d');
        el.setAttribute('while-not-ready', 'hold');
        const fromAttribute = el.whileNotReady;
        const errors: string[] = [];
        el.addEventListener('error', (e) => errors.push(describe((e as unknown as CustomEvent<unknown>).detail)));
        document.body.append(el);
        const until = async (check: () => boolean): Promise<void> => {
          for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
        };
        await until(() => el.replacer?.options.whileNotReady === 'hold');
        const replacerAfterAttribute = el.replacer?.options.whileNotReady;
        el.whileNotReady = 'blank';
        await el.updateComplete;
        const reflected = el.getAttribute('while-not-ready');
        await until(() => el.replacer?.options.whileNotReady === 'blank');
        const replacerAfterProperty = el.replacer?.options.whileNotReady;
        el.setAttribute('while-not-ready', 'sideways');
        await el.updateComplete;
        await until(() => errors.length > 0);
        const keptAfterBad = el.replacer?.options.whileNotReady;
        el.remove();

        // The API.
        const replacer = await createBackgroundReplacer({ renderer: 'canvas2d', whileNotReady: 'passthrough' });
        const created = replacer.options.whileNotReady;
        await replacer.setOptions({ whileNotReady: 'hold' });
        const set = replacer.options.whileNotReady;
        let badSet = 'no error';
        try {
          void replacer.setOptions({ whileNotReady: 'sideways' as 'blur' });
        } catch (err) {
          badSet = describe(err);
        }
        const afterBadSet = replacer.options.whileNotReady;
        await replacer.dispose();
        const badCreate = await createBackgroundReplacer({ whileNotReady: 'later' as 'blur' }).then(
          () => 'no error',
          (err: unknown) => describe(err),
        );
        return { byDefault, fromAttribute, replacerAfterAttribute, reflected, replacerAfterProperty, errors, keptAfterBad, created, set, badSet, afterBadSet, badCreate };
      },
      { elementUrl: `${ORIGIN}src/element/bg-replacer.ts`, apiUrl: `${ORIGIN}src/element/api.ts` },
    );
    console.log(JSON.stringify(outcome));
    expect(outcome).toEqual({
      byDefault: 'blur',
      fromAttribute: 'hold',
      replacerAfterAttribute: 'hold',
      reflected: 'blank',
      replacerAfterProperty: 'blank',
      errors: ['InvalidOptionError:invalid-option:whileNotReady'],
      keptAfterBad: 'blank',
      created: 'passthrough',
      set: 'hold',
      badSet: 'InvalidOptionError:invalid-option:whileNotReady',
      afterBadSet: 'hold',
      badCreate: 'InvalidOptionError:invalid-option:whileNotReady',
    });
  });

  test("the app's banner drops the engine's errors once it is ready again, and keeps the others", async () => {
    test.setTimeout(120_000);
    const browser = await launchChromium({ fakeCameraY4m: syntheticY4m(join(tempDir('while-not-ready'), 'cam.y4m'), WIDTH, HEIGHT, 30) });
    try {
      const context = await browser.newContext();
      await interceptEngineWorker(context);
      const page = await context.newPage();
      page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
      await page.goto(`${ORIGIN}?renderer=canvas2d`);
      await expect.poll(() => page.evaluate(() => window.__app?.stats?.processed ?? 0), { timeout: 60_000, intervals: [250] }).toBeGreaterThan(2);
      // An error that is not the engine's (as a bad background file would give).
      await page.evaluate(() => {
        const element = window.__app!.app.replacerElement!;
        element.dispatchEvent(new CustomEvent('error', { detail: new Error('an unrelated problem'), bubbles: true, composed: true }));
      });
      await crashEngineWorker(page);
      const messages = page.getByTestId('error-message');
      await expect(messages.filter({ hasText: /crashed .*restarting it/ })).toHaveCount(1, { timeout: 30_000 });
      await expect.poll(() => page.evaluate(() => window.__app?.stats?.ready === true), { timeout: 60_000, intervals: [250] }).toBe(true);
      await expect(messages.filter({ hasText: /crashed .*restarting it/ })).toHaveCount(0);
      await expect(messages.filter({ hasText: 'an unrelated problem' })).toHaveCount(1);
    } finally {
      await browser.close();
    }
  });

  test("the blur cover's cost per frame at 1280×720 and 1920×1080 (printed; README's figure)", async ({ page }) => {
    await page.route(`${ORIGIN}blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
    await page.goto(`${ORIGIN}blank`);
    const results = await page.evaluate(async (url) => {
      const { NotReadyCover } = (await import(/* @vite-ignore */ url)) as typeof import('../../src/element/notReadyFrame');
      const out: { size: string; medianMs: number; cover: [number, number, number] }[] = [];
      for (const [width, height] of [
        [1280, 720],
        [1920, 1080],
      ] as const) {
        // A textured frame (noise), as a camera's.
        const canvas = new OffscreenCanvas(width, height);
        const ctx = canvas.getContext('2d')!;
        const image = ctx.createImageData(width, height);
        for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 2654435761) >>> 24;
        ctx.putImageData(image, 0, 0);
        const cover = new NotReadyCover();
        const times: number[] = [];
        let last: [number, number, number] = [0, 0, 0];
        for (let i = 0; i < 25; i++) {
          const frame = new VideoFrame(canvas, { timestamp: i * 33_333 });
          const t0 = performance.now();
          const covered = await cover.cover(frame, 'blur');
          if (i >= 5) times.push(performance.now() - t0);
          last = [covered.displayWidth, covered.displayHeight, covered.timestamp];
          covered.close();
          frame.close();
        }
        times.sort((a, b) => a - b);
        out.push({ size: `${width}×${height}`, medianMs: times[times.length >> 1]!, cover: last });
      }
      return out;
    }, '/src/element/notReadyFrame.ts');
    for (const r of results) console.log(`blur cover ${r.size}: median ${r.medianMs.toFixed(2)} ms a frame (20 frames after 5 warm-up)`);
    expect(results.map((r) => r.cover)).toEqual([
      [1280, 720, 24 * 33_333],
      [1920, 1080, 24 * 33_333],
    ]);
  });
});
