import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { launchChromium } from '../../scripts/lib/browser';
import { readAlphaPng } from '../../scripts/lib/png';
import { erode, grabFrame, highFrequencyEnergy, meanOver, sharedPath, syntheticY4m, tempDir, toY4m } from './support';

const ORIGIN = `http://127.0.0.1:${Number(process.env.PW_PORT ?? 5199)}/`;
// The WebGPU pipeline, also on SwiftShader (renderer auto would pick the Canvas 2D path there).
const APP = `${ORIGIN}?renderer=webgpu`;

/** Opens the app with a fake camera playing `y4m`; records every request the page makes. */
async function openApp(y4m: string): Promise<{ page: Page; requests: string[]; close: () => Promise<void> }> {
  const browser = await launchChromium({ fakeCameraY4m: y4m });
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  await page.goto(APP);
  return { page, requests, close: () => browser.close() };
}

/** Waits until the engine is ready and has processed at least `frames` frames. */
async function waitProcessed(page: Page, frames: number): Promise<void> {
  await page.waitForFunction((n) => (window.__app?.stats?.processed ?? 0) >= n, frames, { timeout: 150_000, polling: 250 });
}

function expectSameOrigin(requests: string[]): void {
  expect(requests.length).toBeGreaterThan(0);
  const foreign = requests.filter((url) => !url.startsWith(ORIGIN) && !url.startsWith('blob:') && !url.startsWith('data:'));
  expect(foreign, 'requests that left the app origin').toEqual([]);
}

test.describe('the app with a fake camera', () => {
  test('generated clip: frames flow through the engine and no request leaves localhost', async () => {
    const y4m = syntheticY4m(join(tempDir('app-synthetic'), 'cam.y4m'));
    const { page, requests, close } = await openApp(y4m);
    try {
      await waitProcessed(page, 5);
      const stats = await page.evaluate(() => window.__app!.stats!);
      expect(stats.ready).toBe(true);
      expect(stats.adapter).toMatch(/\w/);
      expect(stats.last!.total).toBeGreaterThan(0);
      const out = await grabFrame(page, 'output');
      expect([out.width, out.height]).toEqual([320, 180]);
      await expect(page.getByTestId('hud-fps')).toBeVisible();
      expect(await page.evaluate(() => window.__app!.errors.length)).toBe(0);
      expectSameOrigin(requests);
    } finally {
      await close();
    }
  });

  test('dev still as the camera: blur removes background detail, keeps the person, alpha is right', async () => {
    const still = sharedPath('eval/dev/stills/dev_00_0');
    const y4m = toY4m(join(still, 'image.png'), join(tempDir('app-still'), 'still.y4m'), { still: true, frames: 45 });
    const gt = readAlphaPng(join(still, 'alpha.png'));
    const { page, requests, close } = await openApp(y4m);
    try {
      await waitProcessed(page, 3);
      const input = await grabFrame(page, 'input');
      const output = await grabFrame(page, 'output');
      expect([output.width, output.height]).toEqual([gt.width, gt.height]);
      // Regions well inside the person and well away from them (ground truth, eroded).
      const person = erode((i) => gt.alpha[i]! >= 0.999, gt.width, gt.height, 6);
      const background = erode((i) => gt.alpha[i]! <= 0.001, gt.width, gt.height, 24);
      const bgRatio = highFrequencyEnergy(output, background) / highFrequencyEnergy(input, background);
      const personRatio = highFrequencyEnergy(output, person) / highFrequencyEnergy(input, person);
      console.log(`high-frequency energy out/in: background ${bgRatio.toFixed(3)}, person ${personRatio.toFixed(3)}`);
      expect(bgRatio).toBeLessThan(0.25);
      expect(personRatio).toBeGreaterThan(0.8);

      await page.evaluate(() => window.__app!.replacer!.setOptions({ view: 'pha' }));
      const pha = await grabFrame(page, 'output');
      const alphaPerson = meanOver(pha, person);
      const alphaBackground = meanOver(pha, background);
      console.log(`alpha: person ${alphaPerson.toFixed(3)}, background ${alphaBackground.toFixed(3)}`);
      expect(alphaPerson).toBeGreaterThan(0.9);
      expect(alphaBackground).toBeLessThan(0.05);
      expectSameOrigin(requests);
    } finally {
      await close();
    }
  });

  test('real webcam clip as the camera: processed frames arrive, blurred', async () => {
    const clip = sharedPath('real/webcam_clips/again.mkv');
    const y4m = toY4m(clip, join(tempDir('app-webcam'), 'again.y4m'));
    const { page, requests, close } = await openApp(y4m);
    try {
      await waitProcessed(page, 5);
      const input = await grabFrame(page, 'input');
      const output = await grabFrame(page, 'output');
      expect([output.width, output.height]).toEqual([input.width, input.height]);
      const everywhere = new Uint8Array(input.width * input.height).fill(1);
      const ratio = highFrequencyEnergy(output, everywhere) / highFrequencyEnergy(input, everywhere);
      console.log(`webcam clip: whole-frame high-frequency energy out/in ${ratio.toFixed(3)}`);
      expect(ratio).toBeLessThan(0.9);
      expect(await page.evaluate(() => window.__app!.errors.length)).toBe(0);
      expectSameOrigin(requests);
    } finally {
      await close();
    }
  });

  test('the Video row: the built-in loop, then the user\'s own video file, play behind the person', async () => {
    const dir = tempDir('app-video');
    const y4m = syntheticY4m(join(dir, 'cam.y4m'));
    const red = join(dir, 'red.webm');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0xd02020:s=160x90:r=10:d=1', '-c:v', 'libvpx', '-b:v', '200k', red], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const browser = await launchChromium({ fakeCameraY4m: y4m });
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
    // The Canvas 2D path (fast here): the Video row works in both renderers.
    await page.goto(`${ORIGIN}?renderer=canvas2d`);
    /** Mean colour of the output's top-left 40×40 (the camera there is dark grey noise: background). */
    const corner = async (): Promise<number[]> => {
      const out = await grabFrame(page, 'output');
      const sum = [0, 0, 0];
      for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) for (let c = 0; c < 3; c++) sum[c]! += out.data[(y * out.width + x) * 4 + c]!;
      return sum.map((v) => v / 1600);
    };
    try {
      await waitProcessed(page, 3);
      await page.getByTestId('video-waves').click();
      await expect(page.getByTestId('mode-video')).toHaveAttribute('aria-pressed', 'true');
      // The loop's colours are saturated; the camera is grey.
      await expect.poll(async () => { const c = await corner(); return Math.max(...c) - Math.min(...c); }, { timeout: 60_000, intervals: [500] }).toBeGreaterThan(30);
      await page.getByTestId('video-file').setInputFiles(red);
      await expect.poll(async () => { const [r, g, b] = await corner(); return r! > 150 && g! < 80 && b! < 80; }, { timeout: 60_000, intervals: [500] }).toBe(true);
      await expect(page.getByTestId('video-waves')).toHaveAttribute('aria-pressed', 'false');
      expect(await page.evaluate(() => window.__app!.errors.map((e) => e.message))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
