// Saving the background memory as the plate (BackgroundReplacer.saveMemoryAsPlate and the app's
// *Save as plate* button), with a fake camera playing a dev clip on SwiftShader.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { launchChromium } from '../../scripts/lib/browser';
import { decodePng, sharedPath, storedPlate, type Rgba } from './support';

const ORIGIN = `http://127.0.0.1:${Number(process.env.PW_PORT ?? 5199)}/`;
/** The fake camera: a dev clip (640×360, 15 fps, a fixed camera) and the clean plate of its room. */
const CLIP = sharedPath('eval/dev/clips/dev_clip0/clip.y4m');
const CLIP_PLATE = sharedPath('eval/dev/clips/dev_clip0/plate.png');
const WIDTH = 640;
const HEIGHT = 360;
/** How long the memory may take to know part of the frame on SwiftShader, after the engine is ready (ms). */
const LEARN_TIMEOUT_MS = 90_000;

/** How many pixels of `image` have alpha 255 (known), 0 (unknown) and anything else. */
function alphaCounts(image: Rgba): { known: number; unknown: number; other: number } {
  const counts = { known: 0, unknown: 0, other: 0 };
  for (let i = 3; i < image.data.length; i += 4) {
    const a = image.data[i]!;
    if (a === 255) counts.known++;
    else if (a === 0) counts.unknown++;
    else counts.other++;
  }
  return counts;
}

/** Mean absolute RGB difference (0..255) of two images over the pixels `image` knows (alpha 255). */
function knownDiff(image: Rgba, reference: Rgba): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    if (image.data[i + 3] !== 255) continue;
    for (let c = 0; c < 3; c++) sum += Math.abs(image.data[i + c]! - reference.data[i + c]!);
    n += 3;
  }
  return sum / n;
}


test('saveMemoryAsPlate(): rejects before a stream; saves what the memory learned as the plate, alpha marking the unknown', async () => {
  test.setTimeout(300_000);
  const browser = await launchChromium({ fakeCameraY4m: CLIP });
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  // An empty page of the app's origin, so only this test's replacer runs.
  await page.route(`${ORIGIN}blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  try {
    await page.goto(`${ORIGIN}blank`);
    const outcome = await page.evaluate(
      async ({ moduleUrl, learnTimeoutMs }) => {
        const { createBackgroundReplacer } = (await import(/* @vite-ignore */ moduleUrl)) as typeof import('../../src/element/api');
        const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
        const describe = (p: Promise<unknown>): Promise<string> =>
          p.then(
            () => 'resolved',
            (e: unknown) => `${(e as Error).name}:${(e as { code?: string }).code ?? ''}:${(e as Error).message}`,
          );
        const replacer = await createBackgroundReplacer({ mode: 'blur', renderer: 'webgpu' });
        const starting = await describe(replacer.saveMemoryAsPlate());
        await replacer.whenReady();
        const noStream = await describe(replacer.saveMemoryAsPlate());

        const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 } });
        replacer.process(camera);
        const learnStart = performance.now();
        while (!((replacer.stats.memory?.coverage ?? 0) > 0)) {
          if (performance.now() - learnStart > learnTimeoutMs) {
            throw new Error(`the memory knew nothing after ${learnTimeoutMs} ms: ${JSON.stringify(replacer.stats)}`);
          }
          await sleep(250);
        }
        const learnSeconds = (performance.now() - learnStart) / 1000;
        const memoryBefore = replacer.stats.memory;
        const plateBefore = replacer.stats.plate;

        const plate = await replacer.saveMemoryAsPlate();
        const plateAfter = replacer.stats.plate;
        // Frames processed from now on have the plate: the memory starts again from it (keeping it
        // fresh) and is measured again, in use at once.
        const processed = replacer.stats.processed;
        const settleStart = performance.now();
        while (!(replacer.stats.processed >= processed + 3 && replacer.stats.memory) && performance.now() - settleStart < 90_000) await sleep(100);
        const memoryAfter = replacer.stats.memory;
        const framesAfter = replacer.stats.processed - processed;

        const canvas = new OffscreenCanvas(plate.width, plate.height);
        canvas.getContext('2d')!.drawImage(plate, 0, 0);
        const png = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
        let binary = '';
        for (let i = 0; i < png.length; i += 0x8000) binary += String.fromCharCode(...png.subarray(i, i + 0x8000));
        const size = [plate.width, plate.height];
        plate.close();
        camera.getTracks().forEach((t) => t.stop());
        await replacer.dispose();
        return { starting, noStream, learnSeconds, memoryBefore, plateBefore, plateAfter, memoryAfter, framesAfter, size, png: btoa(binary) };
      },
      { moduleUrl: `${ORIGIN}src/element/api.ts`, learnTimeoutMs: LEARN_TIMEOUT_MS },
    );
    const { png, ...summary } = outcome;
    const image = decodePng(Buffer.from(png, 'base64'));
    const counts = alphaCounts(image);
    const diff = knownDiff(image, decodePng(readFileSync(CLIP_PLATE)));
    console.log(JSON.stringify(summary, null, 1));
    console.log(`saved plate: ${JSON.stringify(counts)} pixels (alpha 255 / 0 / other); known pixels vs the clip's clean plate: ${diff.toFixed(1)} (0..255)`);

    expect(outcome.starting).toMatch(/^ReplacerError:engine-not-ready:The background engine is still starting — save the background memory as the plate/);
    expect(outcome.noStream).toMatch(/^ReplacerError:engine-not-ready:No video is being processed .* before saving the background memory as the plate/);
    expect(outcome.memoryBefore!.coverage).toBeGreaterThan(0);
    expect(outcome.plateBefore).toBe(false);
    expect(outcome.size).toEqual([WIDTH, HEIGHT]);
    // The engine holds the plate, and the memory went on from it: it knows at least what the
    // plate knew, and the frames use it.
    expect(outcome.plateAfter).toBe(true);
    expect(outcome.framesAfter).toBeGreaterThanOrEqual(3);
    expect(outcome.memoryAfter?.inUse).toBe(true);
    expect(outcome.memoryAfter!.resets).toBeGreaterThan(outcome.memoryBefore!.resets);
    expect(outcome.memoryAfter!.coverage).toBeGreaterThanOrEqual(outcome.memoryBefore!.coverage * 0.9);
    // Alpha marks what the memory knew (255) and did not (0), nothing in between.
    expect(counts.known).toBeGreaterThan(0);
    expect(counts.unknown).toBeGreaterThan(0);
    expect(counts.other).toBe(0);
    // What it knew is the room behind the person.
    expect(diff).toBeLessThan(20);
  } finally {
    await browser.close();
  }
});

test('the app: Save as plate is enabled once the memory knows part of the frame, and stores the plate with its alpha', async () => {
  test.setTimeout(300_000);
  const browser = await launchChromium({ fakeCameraY4m: CLIP });
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  try {
    await page.goto(`${ORIGIN}?renderer=webgpu`);
    const save = page.getByTestId('plate-save-memory');
    await expect(save).toBeDisabled();
    await page.waitForFunction(() => window.__app?.stats?.ready === true, null, { timeout: 150_000, polling: 250 });
    await expect(save).toBeEnabled({ timeout: LEARN_TIMEOUT_MS });
    await save.click();
    await expect(page.getByTestId('plate-thumbnail')).toBeVisible({ timeout: 30_000 });
    await page.waitForFunction(() => window.__app!.stats!.plate === true, null, { timeout: 10_000 });
    // With a plate the memory goes on from it (keeping it fresh), in use, and can be saved again.
    await page.waitForFunction(() => window.__app!.stats!.memory?.inUse === true, null, { timeout: 90_000, polling: 250 });
    await expect(save).toBeEnabled();

    const stored = await storedPlate(page);
    const counts = alphaCounts(stored);
    console.log(`stored plate ${stored.width}×${stored.height}: ${JSON.stringify(counts)} pixels (alpha 255 / 0 / other)`);
    expect(stored.recordSize).toEqual([WIDTH, HEIGHT]);
    expect([stored.width, stored.height]).toEqual([WIDTH, HEIGHT]);
    expect(counts.known).toBeGreaterThan(0);
    expect(counts.unknown).toBeGreaterThan(0);
    expect(counts.other).toBe(0);
    expect(await page.evaluate(() => window.__app!.errors.map((e) => e.message))).toEqual([]);
  } finally {
    await browser.close();
  }
});
