import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { launchChromium } from '../../scripts/lib/browser';
import { decodePng, sharedPath, storedPlate, tempDir, type Rgba } from './support';

const ORIGIN = `http://127.0.0.1:${Number(process.env.PW_PORT ?? 5199)}/`;
// The WebGPU pipeline, also on SwiftShader (renderer auto would pick the Canvas 2D path there).
const APP = `${ORIGIN}?renderer=webgpu`;
const WIDTH = 640;
const HEIGHT = 360;
/** The fake camera's clip, looped by Chromium from when the camera opens: scene and seconds. */
const SCENES = [
  { name: 'empty', seconds: 8 },
  { name: 'person', seconds: 4 },
] as const;
/** `dark` (the person with the light dimmed) is shown from a file, not in the camera clip. */
type Scene = (typeof SCENES)[number]['name'] | 'dark';
/** Tiny versions of each scene, for telling in the page which one the camera shows. */
const TINY = { width: 32, height: 18 };

/** Runs ffmpeg; returns its stdout. @throws Error with ffmpeg's message */
function ffmpeg(args: string[]): Buffer {
  const run = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`ffmpeg failed: ${run.error?.message ?? run.stderr.toString()}`);
  return run.stdout;
}

/** ffmpeg filters turning input `i` into scene `name` at WIDTH×HEIGHT. */
function sceneFilter(name: Scene, i: number, out: string): string {
  // The dark scene: the person's frame with the light dimmed to 60 % (the plate no longer fits).
  const dim = name === 'dark' ? ',lutrgb=r=val*0.6:g=val*0.6:b=val*0.6' : '';
  return `[${i}:v]scale=${WIDTH}:${HEIGHT},setsar=1,format=rgb24${dim}[${out}]`;
}

/** The dev still's file a scene is made from. */
function sceneSource(name: Scene): string {
  return join(sharedPath('eval/dev/stills/dev_00_0'), name === 'empty' ? 'plate.png' : 'image.png');
}

/**
 * Writes the fake camera clip (15 fps y4m): the empty room (the dev still's plate), then the
 * person in it; and the scenes' tiny RGB versions.
 */
function sceneClip(dir: string): { y4m: string; tiny: Partial<Record<Scene, number[]>> } {
  const source = (name: Scene): string => sceneSource(name);
  const inputs = SCENES.flatMap((s) => ['-loop', '1', '-framerate', '15', '-t', String(s.seconds), '-i', source(s.name)]);
  const filters = SCENES.map((s, i) => sceneFilter(s.name, i, `s${i}`));
  const concat = `${SCENES.map((_, i) => `[s${i}]`).join('')}concat=n=${SCENES.length}:v=1[v]`;
  const y4m = join(dir, 'scenes.y4m');
  ffmpeg([...inputs, '-filter_complex', [...filters, concat].join(';'), '-map', '[v]', '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', y4m]);
  const tiny: Partial<Record<Scene, number[]>> = {};
  SCENES.forEach((s) => {
    const filter = `${sceneFilter(s.name, 0, 'a')};[a]scale=${TINY.width}:${TINY.height}:flags=area[b]`;
    tiny[s.name] = [...ffmpeg(['-i', source(s.name), '-filter_complex', filter, '-map', '[b]', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'])];
  });
  return { y4m, tiny };
}

/** A scene as PNG bytes at the clip's size. */
function scenePng(name: Scene): Buffer {
  return ffmpeg(['-i', sceneSource(name), '-filter_complex', sceneFilter(name, 0, 'a'), '-map', '[a]', '-f', 'image2pipe', '-c:v', 'png', '-']);
}

/** A scene as an RGBA image at the clip's size (for comparing with the captured plate). */
function sceneImage(name: Scene): Rgba {
  return decodePng(scenePng(name));
}

/** The person's box in the dev still (alpha > 0.5), scaled to WIDTH×HEIGHT. */
function personBox(): { x0: number; x1: number; y0: number; y1: number } {
  const alpha = decodePng(ffmpeg(['-i', join(sharedPath('eval/dev/stills/dev_00_0'), 'alpha.png'), '-vf', `scale=${WIDTH}:${HEIGHT}`, '-f', 'image2pipe', '-c:v', 'png', '-']));
  let x0 = WIDTH;
  let x1 = 0;
  let y0 = HEIGHT;
  let y1 = 0;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      if (alpha.data[(y * WIDTH + x) * 4]! <= 128) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  return { x0, x1, y0, y1 };
}

/** Mean absolute RGB difference (0..255) of two images over a box. */
function meanAbsDiff(a: Rgba, b: Rgba, box: { x0: number; x1: number; y0: number; y1: number }): number {
  let sum = 0;
  let n = 0;
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const i = (y * a.width + x) * 4;
      for (let c = 0; c < 3; c++) sum += Math.abs(a.data[i + c]! - b.data[i + c]!);
      n += 3;
    }
  }
  return sum / n;
}

/** Waits until the engine is ready and has processed at least `frames` frames. */
async function waitProcessed(page: Page, frames: number): Promise<void> {
  await page.waitForFunction((n) => window.__app?.stats?.ready === true && (window.__app.stats.processed ?? 0) >= n, frames, {
    timeout: 150_000,
    polling: 250,
  });
}

/**
 * Reads the camera in the page until it switches to the empty scene (from another one), so a
 * capture started now has the whole empty scene ahead of it.
 */
async function waitForEmptySceneStart(page: Page, tiny: Partial<Record<Scene, number[]>>): Promise<void> {
  const loopMs = SCENES.reduce((t, s) => t + s.seconds, 0) * 1000;
  await page.evaluate(
    async ({ tiny, size, timeoutMs }) => {
      const track = window.__app!.input!.getVideoTracks()[0]!.clone();
      const Processor = (window as unknown as { MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> } })
        .MediaStreamTrackProcessor;
      const reader = new Processor({ track }).readable.getReader();
      const context = new OffscreenCanvas(size.width, size.height).getContext('2d', { willReadFrequently: true })!;
      const end = performance.now() + timeoutMs;
      let previous: string | null = null;
      try {
        while (performance.now() < end) {
          const { value: frame } = await reader.read();
          if (!frame) throw new Error('the camera track ended');
          context.drawImage(frame, 0, 0, size.width, size.height);
          frame.close();
          const pixels = context.getImageData(0, 0, size.width, size.height).data;
          // The nearest scene by squared RGB distance.
          let scene = '';
          let best = Infinity;
          for (const [name, ref] of Object.entries(tiny)) {
            let d = 0;
            for (let k = 0; k < size.width * size.height; k++) {
              for (let c = 0; c < 3; c++) d += (pixels[k * 4 + c]! - ref[k * 3 + c]!) ** 2;
            }
            if (d < best) [best, scene] = [d, name];
          }
          if (scene === 'empty' && previous !== null && previous !== 'empty') return;
          previous = scene;
        }
        throw new Error(`the camera did not switch to the empty scene within ${timeoutMs} ms`);
      } finally {
        await reader.cancel();
        track.stop();
      }
    },
    { tiny, size: TINY, timeoutMs: loopMs * 2 + 10_000 },
  );
}


/** Records the replacer's plate events in the page (window.__plateEvents). */
async function recordPlateEvents(page: Page): Promise<void> {
  await page.evaluate(() => {
    const events: { type: string; detail: unknown }[] = [];
    (window as unknown as { __plateEvents: typeof events }).__plateEvents = events;
    const element = window.__app!.app.replacerElement!;
    for (const type of ['platecountdown', 'platestale']) {
      element.addEventListener(type, (e) => events.push({ type, detail: (e as CustomEvent<unknown>).detail }));
    }
  });
}

async function plateEvents(page: Page, type: string): Promise<unknown[]> {
  return page.evaluate(
    (t) => (window as unknown as { __plateEvents: { type: string; detail: unknown }[] }).__plateEvents.filter((e) => e.type === t).map((e) => e.detail),
    type,
  );
}

test('background plate: capture with countdown, thumbnail, stale warning, restore after reload, clear', async () => {
  // Software WebGPU processes 1-2 frames a second with the refiner, and the fit is measured
  // every 30 processed frames.
  test.setTimeout(400_000);
  const { y4m, tiny } = sceneClip(tempDir('plate'));
  const box = personBox();
  const browser = await launchChromium({ fakeCameraY4m: y4m });
  // One context: its IndexedDB survives page.reload().
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  try {
    await page.goto(APP);
    await expect(page.getByTestId('plate-thumbnail')).toHaveCount(0);
    await waitProcessed(page, 3);
    expect(await page.evaluate(() => window.__app!.stats!.plate)).toBe(false);
    await expect(page.getByTestId('hud-plate')).toHaveText('none');
    await recordPlateEvents(page);

    // Capture through the button (its default 3-second countdown), at the start of the empty scene.
    await waitForEmptySceneStart(page, tiny);
    const clicked = Date.now();
    await page.getByTestId('plate-capture').click();
    await expect(page.getByTestId('plate-countdown')).toContainText('Step out of the frame');
    await expect(page.getByTestId('plate-thumbnail')).toBeVisible({ timeout: 30_000 });
    const captureSeconds = (Date.now() - clicked) / 1000;
    await expect(page.getByTestId('plate-countdown')).toHaveCount(0);
    expect(await plateEvents(page, 'platecountdown')).toEqual([3, 2, 1, 0]);
    await page.waitForFunction(() => window.__app!.stats!.plate === true, null, { timeout: 10_000 });
    expect(await page.evaluate(() => window.__app!.errors.map((e) => e.message))).toEqual([]);

    // The plate is the empty room, not the person: compare where the person will stand.
    const plate = await storedPlate(page);
    expect([plate.width, plate.height]).toEqual([WIDTH, HEIGHT]);
    expect(plate.recordSize).toEqual([WIDTH, HEIGHT]);
    expect(Math.abs(plate.capturedAt - Date.now())).toBeLessThan(120_000);
    const toEmpty = meanAbsDiff(plate, sceneImage('empty'), box);
    const toPerson = meanAbsDiff(plate, sceneImage('person'), box);
    console.log(`capture took ${captureSeconds.toFixed(1)} s; plate vs empty room ${toEmpty.toFixed(1)}, vs person ${toPerson.toFixed(1)} (0..255, person box)`);
    expect(toEmpty).toBeLessThan(8);
    expect(toPerson).toBeGreaterThan(30);

    // The engine measures the fit (every 30 processed frames): the light dims (a file of the
    // dimmed scene as the input) → stale, with a warning; the normal scene → fits, no warning.
    const dir = tempDir('plate-scenes');
    writeFileSync(join(dir, 'dark.png'), scenePng('dark'));
    writeFileSync(join(dir, 'person.png'), scenePng('person'));
    await page.getByTestId('source-file').setInputFiles(join(dir, 'dark.png'));
    await expect(page.getByTestId('plate-stale-warning')).toBeVisible({ timeout: 90_000 });
    await expect(page.getByTestId('plate-stale-warning')).toContainText('re-capture it');
    const stale = await page.evaluate(() => window.__app!.stats!.plateFit!);
    await expect(page.getByTestId('hud-plate')).toContainText('stale');
    await page.getByTestId('source-file').setInputFiles(join(dir, 'person.png'));
    await expect(page.getByTestId('plate-stale-warning')).toBeHidden({ timeout: 90_000 });
    const fit = await page.evaluate(() => window.__app!.stats!.plateFit!);
    console.log(`plate fit: dimmed ${JSON.stringify(stale)}, then ${JSON.stringify(fit)}`);
    expect(stale.brightness).toBeLessThan(0.85);
    expect(fit.stale).toBe(false);
    expect(Math.abs(fit.brightness - 1)).toBeLessThan(0.1);
    await expect(page.getByTestId('hud-plate')).toContainText('fits');
    expect(await plateEvents(page, 'platestale')).toHaveLength(1);
    // Adaptive quality is on by default; SwiftShader's frames are far slower than 30 fps, so
    // the HUD shows the lowest level (no refinement). The refiner is checked at full quality.
    await expect(page.getByTestId('hud-quality')).toHaveText('level 4/4 @ 30 fps');
    await page.getByTestId('adaptive-toggle').uncheck();
    await expect(page.getByTestId('hud-quality')).toHaveText('full (fixed)', { timeout: 30_000 });
    // The engine counts refined tiles in the `ref` debug view; the HUD shows their share.
    await expect(page.getByTestId('hud-refined')).toHaveCount(0);
    await page.getByTestId('view-select').selectOption('ref');
    await expect(page.getByTestId('hud-refined')).toHaveText(/^\d+\.\d %$/, { timeout: 30_000 });
    const refine = await page.evaluate(() => window.__app!.stats!.refine!);
    console.log(`refined in the ref view: ${JSON.stringify(refine)}`);
    expect(refine.share).toBeGreaterThan(0);
    expect(refine.share).toBeLessThanOrEqual(1);
    await page.getByTestId('view-select').selectOption('com');

    // Reload: the plate comes back from IndexedDB, shown and given to the engine.
    await page.reload();
    await expect(page.getByTestId('plate-thumbnail')).toBeVisible({ timeout: 30_000 });
    await waitProcessed(page, 3);
    await page.waitForFunction(() => window.__app!.stats!.plate === true, null, { timeout: 10_000 });
    expect((await storedPlate(page)).capturedAt).toBe(plate.capturedAt);
    // The engine measures the restored plate against the scene, and it fits.
    await page.waitForFunction(() => window.__app!.stats!.plateFit !== null, null, { timeout: 90_000 });
    const restoredFit = await page.evaluate(() => window.__app!.stats!.plateFit!);
    console.log(`restored plate fit: ${JSON.stringify(restoredFit)}`);
    expect(restoredFit.stale).toBe(false);
    await expect(page.getByTestId('hud-plate')).toContainText('fits');

    // Clear: gone from the page and the engine, and after another reload too.
    await page.getByTestId('plate-clear').click();
    await expect(page.getByTestId('plate-thumbnail')).toHaveCount(0);
    await page.waitForFunction(() => window.__app!.stats!.plate === false, null, { timeout: 10_000 });
    await page.reload();
    await waitProcessed(page, 3);
    await page.waitForTimeout(1000);
    await expect(page.getByTestId('plate-thumbnail')).toHaveCount(0);
    expect(await page.evaluate(() => window.__app!.stats!.plate)).toBe(false);
    await expect(page.getByTestId('plate-capture')).toHaveText('Capture background');
    expect(await page.evaluate(() => window.__app!.errors.map((e) => e.message))).toEqual([]);
  } finally {
    await browser.close();
  }
});

test('capturePlate() API: rejects before a stream is processed, aborts, validates options', async () => {
  const browser = await launchChromium();
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  // An empty page of the app's origin, so only this test's replacer runs.
  await page.route(`${ORIGIN}blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  try {
    await page.goto(`${ORIGIN}blank`);
    const outcome = await page.evaluate(async (moduleUrl) => {
      const { createBackgroundReplacer } = (await import(/* @vite-ignore */ moduleUrl)) as typeof import('../../src/element/api');
      const replacer = await createBackgroundReplacer({ renderer: 'webgpu' });
      const describe = (p: Promise<unknown>): Promise<string> =>
        p.then(
          () => 'resolved',
          (e: unknown) => `${(e as Error).name}:${(e as { code?: string }).code ?? ''}:${(e as Error).message}`,
        );
      const results: Record<string, string> = {};
      results.starting = await describe(replacer.capturePlate({ countdownSeconds: 0 }));
      await replacer.whenReady();
      results.noStream = await describe(replacer.capturePlate({ countdownSeconds: 0 }));
      results.badFrames = await describe(replacer.capturePlate({ frames: 0 }));
      results.badCountdown = await describe(replacer.capturePlate({ countdownSeconds: -1 }));
      // A canvas stream as the input; abort during the countdown.
      const canvas = document.createElement('canvas');
      canvas.width = 64;
      canvas.height = 36;
      const ctx = canvas.getContext('2d')!;
      const timer = setInterval(() => {
        ctx.fillStyle = '#3a6';
        ctx.fillRect(0, 0, 64, 36);
      }, 30);
      replacer.process(canvas.captureStream(30));
      const abort = new AbortController();
      const counts: number[] = [];
      replacer.addEventListener('platecountdown', (e) => counts.push(e.detail));
      const aborted = describe(replacer.capturePlate({ countdownSeconds: 2, signal: abort.signal }));
      setTimeout(() => abort.abort(new DOMException('user cancelled', 'AbortError')), 300);
      results.aborted = await aborted;
      results.counts = counts.join(',');
      // A real capture from the canvas: a 64×36 plate of its colour.
      const plate = await replacer.capturePlate({ countdownSeconds: 0, frames: 3 });
      const c2 = new OffscreenCanvas(plate.width, plate.height).getContext('2d')!;
      c2.drawImage(plate, 0, 0);
      results.plate = `${plate.width}x${plate.height}:${[...c2.getImageData(10, 10, 1, 1).data].join(',')}`;
      results.stats = String(replacer.stats.plate);
      await replacer.clearPlate();
      results.cleared = String(replacer.stats.plate);
      clearInterval(timer);
      await replacer.dispose();
      results.disposed = await describe(replacer.capturePlate());
      return results;
    }, `${ORIGIN}src/element/api.ts`);
    console.log(JSON.stringify(outcome, null, 1));
    expect(outcome.starting).toMatch(/^ReplacerError:engine-not-ready:.*still starting/);
    expect(outcome.noStream).toMatch(/^ReplacerError:engine-not-ready:No video is being processed/);
    expect(outcome.badFrames).toMatch(/^InvalidOptionError:invalid-option:.*"frames"/);
    expect(outcome.badCountdown).toMatch(/^InvalidOptionError:invalid-option:.*"countdownSeconds"/);
    expect(outcome.aborted).toMatch(/^AbortError:\d*:user cancelled/);
    expect(outcome.counts).toBe('2');
    expect(outcome.plate).toMatch(/^64x36:5\d,1[67]\d,10\d,255$/);
    expect(outcome.stats).toBe('true');
    expect(outcome.cleared).toBe('false');
    expect(outcome.disposed).toMatch(/^ReplacerError:disposed:/);
  } finally {
    await browser.close();
  }
});
