// Camera-side faults in the app: the camera unplugged and plugged back, the permission denied
// and granted later, a video file the browser cannot play.
import { join } from 'node:path';
import { chromium, expect, test, type Page } from '@playwright/test';
import { chromiumArgs, chromiumPath, launchChromium } from '../../scripts/lib/browser';
import { syntheticY4m, tempDir } from './support';

const PORT = Number(process.env.PW_PORT ?? 5199);
// The WebGPU pipeline, also on SwiftShader (renderer auto would pick the Canvas 2D path there).
const ORIGIN = `http://127.0.0.1:${PORT}/`;
const APP = `${ORIGIN}?renderer=webgpu`;

async function processed(page: Page): Promise<number> {
  return page.evaluate(() => window.__app?.stats?.processed ?? 0);
}

async function waitProcessed(page: Page, atLeast: number): Promise<void> {
  await expect.poll(() => processed(page), { timeout: 120_000, intervals: [500] }).toBeGreaterThanOrEqual(atLeast);
}

/**
 * A camera the test can unplug: getUserMedia returns a MediaStreamTrackGenerator fed with
 * frames of a moving square; `unplug()` closes its writable, which ends the track the way an
 * unplugged device does (readyState 'ended', an `ended` event), and makes getUserMedia fail
 * with NotFoundError until `plug()`, which also fires `devicechange`.
 */
function pluggableCamera(): void {
  type Generator = MediaStreamTrack & { writable: WritableStream<VideoFrame> };
  const Ctor = (window as unknown as { MediaStreamTrackGenerator: new (init: { kind: 'video' }) => Generator }).MediaStreamTrackGenerator;
  let plugged = true;
  let opened = 0;
  const running: (() => Promise<void>)[] = [];
  navigator.mediaDevices.getUserMedia = async () => {
    if (!plugged) throw new DOMException('Requested device not found', 'NotFoundError');
    opened++;
    const generator = new Ctor({ kind: 'video' });
    const writer = generator.writable.getWriter();
    const canvas = new OffscreenCanvas(320, 180);
    const ctx = canvas.getContext('2d')!;
    let frame = 0;
    let stopped = false;
    const feed = async (): Promise<void> => {
      while (!stopped) {
        ctx.fillStyle = '#606060';
        ctx.fillRect(0, 0, 320, 180);
        ctx.fillStyle = '#e0e0e0';
        ctx.fillRect(40 + (frame % 200), 70, 48, 48);
        await writer.write(new VideoFrame(canvas, { timestamp: frame++ * 66_667 }));
        await new Promise((r) => setTimeout(r, 66));
      }
    };
    const done = feed().catch(() => undefined);
    running.push(async () => {
      stopped = true;
      await done;
      await writer.close();
    });
    return new MediaStream([generator]);
  };
  (window as unknown as { __camera: unknown }).__camera = {
    async unplug() {
      plugged = false;
      for (const stop of running.splice(0)) await stop();
    },
    plug() {
      plugged = true;
      navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
    },
    opened: () => opened,
  };
}

test.describe('camera faults in the app', () => {
  test('camera unplugged: the output ends, the app says so and resumes by itself when the camera returns', async () => {
    const browser = await launchChromium();
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
    await page.addInitScript(pluggableCamera);
    try {
      await page.goto(APP);
      await waitProcessed(page, 3);
      await page.evaluate(() => {
        const el = document.querySelector('bg-app')!.shadowRoot!.querySelector('bg-replacer')!;
        (window as unknown as { __ended: number }).__ended = 0;
        el.addEventListener('ended', () => (window as unknown as { __ended: number }).__ended++);
      });
      await page.evaluate(() => (window as unknown as { __camera: { unplug(): Promise<void> } }).__camera.unplug());
      await expect(page.getByTestId('camera-lost')).toBeVisible({ timeout: 30_000 });
      await expect(page.getByTestId('camera-lost')).toContainText('The camera disconnected');
      expect(await page.evaluate(() => (window as unknown as { __ended: number }).__ended)).toBe(1);
      const outputEnded = await page.evaluate(() => window.__app!.output!.getVideoTracks()[0]!.readyState);
      expect(outputEnded).toBe('ended');
      // Retries while it is gone fail quietly: no error banner, the notice stays.
      await page.waitForTimeout(4_500);
      await expect(page.getByTestId('camera-lost')).toBeVisible();
      expect(await page.evaluate(() => window.__app!.errors.length)).toBe(0);

      const before = await processed(page);
      await page.evaluate(() => (window as unknown as { __camera: { plug(): void } }).__camera.plug());
      await expect(page.getByTestId('camera-lost')).toBeHidden({ timeout: 30_000 });
      expect(await page.evaluate(() => (window as unknown as { __camera: { opened(): number } }).__camera.opened())).toBe(2);
      // A new stream restarts the counts; frames flow again.
      await expect.poll(() => processed(page), { timeout: 120_000, intervals: [500] }).toBeGreaterThan(0);
      console.log(`processed before the unplug: ${before}; after the return: ${await processed(page)}`);
      await expect(page.getByTestId('source-label')).toHaveText('Showing: camera');
      expect(await page.evaluate(() => window.__app!.errors.length)).toBe(0);
    } finally {
      await browser.close();
    }
  });

  test('camera permission denied: an actionable message; granting it later starts the camera', async () => {
    const y4m = syntheticY4m(join(tempDir('perm'), 'cam.y4m'));
    // A fake camera, but no fake permission prompt: headless Chromium denies the request.
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: [...chromiumArgs(), '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(APP);
      const banner = page.locator('[data-code="camera-permission-denied"]');
      await expect(banner).toBeVisible({ timeout: 30_000 });
      await expect(banner).toContainText('Camera permission denied — allow the camera in the address bar (site settings), then try again.');
      expect(await page.evaluate(() => window.__app!.input)).toBeNull();

      await context.grantPermissions(['camera'], { origin: ORIGIN });
      await waitProcessed(page, 2);
      await expect(banner).toBeHidden();
    } finally {
      await browser.close();
    }
  });

  test('a video file the browser cannot play: a clear error, the camera keeps running', async () => {
    const y4m = syntheticY4m(join(tempDir('badfile'), 'cam.y4m'));
    const browser = await launchChromium({ fakeCameraY4m: y4m });
    const page = await browser.newPage();
    try {
      await page.goto(APP);
      await waitProcessed(page, 2);
      await page.getByTestId('source-file').setInputFiles({ name: 'holiday.mp4', mimeType: 'video/mp4', buffer: Buffer.from('this is not a video'.repeat(100)) });
      const message = page.getByTestId('error-message');
      await expect(message).toContainText('holiday.mp4 could not be decoded', { timeout: 30_000 });
      await expect(page.getByTestId('source-label')).toHaveText('Showing: camera');
      const before = await processed(page);
      await waitProcessed(page, before + 2);
    } finally {
      await browser.close();
    }
  });
});
