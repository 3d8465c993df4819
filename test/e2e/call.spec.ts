// A video call in one page (test/pages/call.html): a fake camera playing a dev still at
// 640×360 → createBackgroundReplacer({ mode: 'blur' }) → an RTCPeerConnection loopback → the
// receiver's <video>. Checks that the other side of the call sees the blur (background detail
// gone, the person sharp), prints the received frame rate and the bytes sent with blur and with
// mode off, and checks that a hidden page — a real background tab — keeps the frame rate, also
// on the <video>/canvas fallbacks a browser without the breakout box takes.
//
// A real background tab: Playwright's launch adds --disable-background-timer-throttling,
// --disable-renderer-backgrounding and --disable-backgrounding-occluded-windows (chromiumArgs
// adds the first two as well), and every page Playwright creates gets focus emulation
// (Emulation.setFocusEmulationEnabled), which keeps it visible: behind another tab its
// document.visibilityState stays 'visible' and its timers run at full rate. So Chromium is
// started here without those flags and with a DevTools port, and Playwright attaches with
// connectOverCDP({ noDefaults: true }), which leaves focus emulation off in the browser's own
// context: a page behind another tab is then hidden, its timers throttled to about one
// wake-up a second, its renderer backgrounded — as a user's.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { chromium, expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../../scripts/lib/browser';
import { readAlphaPng } from '../../scripts/lib/png';
import type { CallSample } from '../pages/call';
import { decodePng, erode, highFrequencyEnergy, sharedPath, tempDir, type Rgba } from './support';

const CALL_PAGE = `http://127.0.0.1:${Number(process.env.PW_PORT ?? 5199)}/test/pages/call.html`;
/** The flags that keep a background tab running as if it were in front (see the top comment). */
const NO_BACKGROUNDING = ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'];
/**
 * The fake camera's frame rate. On this 2-core machine, shared with other test runs, the call
 * (the Canvas 2D blur path that `auto` picks on SwiftShader, VP8 encode and decode, all in one
 * browser) keeps up with 10 fps; at 15 it drops frames even in front (~12–14 fps received).
 * CALL_CAMERA_FPS overrides it (to see what the engine achieves).
 */
const CAMERA_FPS = Number(process.env.CALL_CAMERA_FPS ?? 10);
/** The least share of the in-front frame rate a hidden tab must keep (throttled, it would keep about 0.1). */
const HIDDEN_RATE_SHARE = 0.8;
/**
 * CALL_CAMERA_NOISE: temporal noise on the fake camera (ffmpeg's noise filter, strength 0–100;
 * default 0, the still as it is), as a real sensor has — to see what bytes sent are like then.
 */
const CAMERA_NOISE = Number(process.env.CALL_CAMERA_NOISE ?? 0);
/** Length of each measuring window (ms): long enough to be stable on a loaded machine. */
const WINDOW_MS = 9_000;
/** The 640×360 still. */
const STILL = 'eval/dev/stills/dev_00_0';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The still `png` scaled to 640×360, as a .y4m of `seconds` at `fps` (the fake camera loops it),
 * with temporal noise of strength `noise` when it is above 0.
 */
function stillY4m(png: string, out: string, fps: number, noise = 0, seconds = 2): string {
  const filter = noise > 0 ? `scale=640:360,noise=alls=${noise}:allf=t` : 'scale=640:360';
  const args = ['-v', 'error', '-nostdin', '-y', '-loop', '1', '-framerate', String(fps), '-i', png];
  args.push('-frames:v', String(fps * seconds), '-vf', filter, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', out);
  const run = spawnSync('ffmpeg', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffmpeg failed: ${run.error?.message ?? run.stderr}`);
  return out;
}

/** The ground-truth alpha at half its size (2×2 means): the still's alpha at 640×360. */
function halfAlpha(path: string): { width: number; height: number; alpha: Float32Array } {
  const full = readAlphaPng(path);
  const width = full.width / 2;
  const height = full.height / 2;
  const alpha = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 2 * y * full.width + 2 * x;
      alpha[y * width + x] = (full.alpha[i]! + full.alpha[i + 1]! + full.alpha[i + full.width]! + full.alpha[i + full.width + 1]!) / 4;
    }
  }
  return { width, height, alpha };
}

interface Call {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts Chromium (SwiftShader WebGPU, the fake camera, no anti-backgrounding flags), attaches
 * without focus emulation (see the top comment) and opens the call page with `query`; resolves
 * once the call is up and the engine has processed a few frames.
 */
async function openCall(y4m: string, query = ''): Promise<Call> {
  const args = chromiumArgs(false, y4m).filter((a) => !NO_BACKGROUNDING.includes(a));
  const proc: ChildProcess = spawn(chromiumPath(), ['--headless', '--remote-debugging-port=0', `--user-data-dir=${tempDir('call-profile')}`, ...args, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stopChromium = async (): Promise<void> => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill();
    await Promise.race([exited, sleep(5_000)]);
  };
  let browser: Browser | null = null;
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let log = '';
      proc.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const match = /DevTools listening on (ws:\S+)/.exec(log);
        if (match) resolve(match[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`Chromium exited (${code}) before its DevTools port opened: ${log.slice(-2000)}`)));
      setTimeout(() => reject(new Error(`Chromium's DevTools port did not open in 30 s: ${log.slice(-2000)}`)), 30_000);
    });
    browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
    const context = browser.contexts()[0]!;
    // The dev server's HMR socket goes nowhere: other files being edited must not reload the call mid-window.
    await context.routeWebSocket(() => true, () => undefined);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
    await page.goto(`${CALL_PAGE}${query}`);
    await page.waitForFunction(() => window.__call ?? window.__callFailed, null, { timeout: 60_000 });
    expect(await page.evaluate(() => window.__callFailed ?? null), 'the call did not start').toBeNull();
    await page.waitForFunction(() => window.__call!.replacer.stats.processed >= 10 || window.__call!.errors.length > 0, null, { timeout: 120_000, polling: 250 });
    expect(await page.evaluate(() => window.__call!.errors)).toEqual([]);
    const connected = browser;
    return {
      page,
      context,
      close: async () => {
        await connected.close().catch(() => undefined);
        await stopChromium();
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    await stopChromium();
    throw err;
  }
}

/** One measuring window's rates. */
interface Window {
  label: string;
  visibility: string;
  mode: string;
  /** Frames the receiver decoded per second (inbound-rtp framesDecoded over the window, on the stats' clock). */
  receivedFps: number;
  /** inbound-rtp framesPerSecond at the end of the window (the browser's own ~1 s estimate). */
  statsFps: number;
  /** Camera frames per second (a second reader of the camera track). */
  cameraFps: number;
  processedFps: number;
  passedThroughFps: number;
  droppedFps: number;
  /** outbound-rtp bytesSent per second, in kbit/s. */
  sentKbps: number;
  bytesPerFrame: number;
  meanQp: number;
  size: string;
}

/** Measures `WINDOW_MS` of the call, which must be in `visibility` from start to end. */
async function measure(page: Page, label: string, mode: string, visibility: DocumentVisibilityState): Promise<Window> {
  const sample = (): Promise<CallSample> => page.evaluate(() => window.__call!.sample());
  const a = await sample();
  await sleep(WINDOW_MS);
  const b = await sample();
  expect(b.timeOrigin, `${label}: the page reloaded during the window`).toBe(a.timeOrigin);
  expect([a.visibility, b.visibility], `${label}: visibilityState at the window's start and end`).toEqual([visibility, visibility]);
  const inSeconds = (b.inbound.timestamp - a.inbound.timestamp) / 1000;
  const outSeconds = (b.outbound.timestamp - a.outbound.timestamp) / 1000;
  const pageSeconds = (b.at - a.at) / 1000;
  const encoded = b.outbound.framesEncoded - a.outbound.framesEncoded;
  const bytes = b.outbound.bytesSent - a.outbound.bytesSent;
  return {
    label,
    visibility,
    mode,
    receivedFps: (b.inbound.framesDecoded - a.inbound.framesDecoded) / inSeconds,
    statsFps: b.inbound.framesPerSecond,
    cameraFps: (b.cameraFrames - a.cameraFrames) / pageSeconds,
    processedFps: (b.replacer.processed - a.replacer.processed) / pageSeconds,
    passedThroughFps: (b.replacer.passedThrough - a.replacer.passedThrough) / pageSeconds,
    droppedFps: (b.replacer.dropped - a.replacer.dropped) / pageSeconds,
    sentKbps: (bytes * 8) / outSeconds / 1000,
    bytesPerFrame: encoded > 0 ? bytes / encoded : 0,
    meanQp: encoded > 0 ? (b.outbound.qpSum - a.outbound.qpSum) / encoded : 0,
    size: `${b.inbound.frameWidth}×${b.inbound.frameHeight}`,
  };
}

function formatTable(windows: Window[]): string {
  const head = ['window', 'page', 'mode', 'recv fps', 'stats fps', 'camera fps', 'processed/s', 'passed/s', 'dropped/s', 'sent kbit/s', 'bytes/frame', 'mean QP', 'size'];
  const rows = windows.map((w) => [
    w.label,
    w.visibility,
    w.mode,
    w.receivedFps.toFixed(2),
    String(w.statsFps),
    w.cameraFps.toFixed(2),
    w.processedFps.toFixed(2),
    w.passedThroughFps.toFixed(2),
    w.droppedFps.toFixed(2),
    w.sentKbps.toFixed(1),
    w.bytesPerFrame.toFixed(0),
    w.meanQp.toFixed(1),
    w.size,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

/** Brings a second tab to the front, so the call's tab is behind it; resolves once the call page is hidden. */
async function hide(call: Call): Promise<Page> {
  const front = await call.context.newPage();
  await front.bringToFront();
  await expect.poll(() => call.page.evaluate(() => document.visibilityState), { timeout: 10_000 }).toBe('hidden');
  return front;
}

/** Closes the tab in front and brings the call's tab back; resolves once it is visible. */
async function show(call: Call, front: Page): Promise<void> {
  await call.page.bringToFront();
  await front.close();
  await expect.poll(() => call.page.evaluate(() => document.visibilityState), { timeout: 10_000 }).toBe('visible');
}

async function grab(page: Page, which: 'camera' | 'received'): Promise<Rgba> {
  return decodePng(Buffer.from(await page.evaluate((w) => window.__call!.grab(w), which), 'base64'));
}

test.describe('a call in one page (fake camera → replacer → RTCPeerConnection loopback → <video>)', () => {
  test('the other side sees the blur; fps and bytes sent with blur and off; a hidden tab keeps the frame rate', async () => {
    const still = sharedPath(STILL);
    const y4m = stillY4m(join(still, 'image.png'), join(tempDir('call'), 'still.y4m'), CAMERA_FPS, CAMERA_NOISE);
    const gt = halfAlpha(join(still, 'alpha.png'));
    const started = Date.now();
    const call = await openCall(y4m);
    try {
      const { page } = call;
      console.log(`call up, engine processing after ${((Date.now() - started) / 1000).toFixed(1)} s; renderer ${await page.evaluate(() => window.__call!.replacer.stats.renderer)}`);
      await sleep(3_000); // the sender's bandwidth estimate ramps up
      const windows: Window[] = [];
      windows.push(await measure(page, 'blur, in front', 'blur', 'visible'));

      // What the other side sees, against the camera: the regions from the still's ground truth.
      const camera = await grab(page, 'camera');
      const received = await grab(page, 'received');
      expect([received.width, received.height], 'size of the received video').toEqual([gt.width, gt.height]);
      expect([camera.width, camera.height]).toEqual([gt.width, gt.height]);
      const person = erode((i) => gt.alpha[i]! >= 0.999, gt.width, gt.height, 3);
      const background = erode((i) => gt.alpha[i]! <= 0.001, gt.width, gt.height, 12);
      const bgRatio = highFrequencyEnergy(received, background) / highFrequencyEnergy(camera, background);
      const personRatio = highFrequencyEnergy(received, person) / highFrequencyEnergy(camera, person);

      const front = await hide(call);
      windows.push(await measure(page, 'blur, behind another tab', 'blur', 'hidden'));
      await show(call, front);
      windows.push(await measure(page, 'blur, in front again', 'blur', 'visible'));

      await page.evaluate(() => window.__call!.replacer.setOptions({ mode: 'off' }));
      await sleep(2_000);
      windows.push(await measure(page, 'off, in front', 'off', 'visible'));
      const receivedOff = await grab(page, 'received');
      const offBgRatio = highFrequencyEnergy(receivedOff, background) / highFrequencyEnergy(camera, background);
      const offPersonRatio = highFrequencyEnergy(receivedOff, person) / highFrequencyEnergy(camera, person);

      console.log(`640×360 still (${STILL}${CAMERA_NOISE ? `, noise ${CAMERA_NOISE}` : ''}) at ${CAMERA_FPS} fps, ${WINDOW_MS / 1000} s windows:\n${formatTable(windows)}`);
      console.log(
        `high-frequency energy received/camera: blur — background ${bgRatio.toFixed(3)}, person ${personRatio.toFixed(3)}; ` +
          `off — background ${offBgRatio.toFixed(3)}, person ${offPersonRatio.toFixed(3)}`,
      );
      const [front1, hidden, front2, off] = windows as [Window, Window, Window, Window];
      const inFront = (front1.receivedFps + front2.receivedFps) / 2;
      console.log(`received fps behind another tab / in front: ${(hidden.receivedFps / inFront).toFixed(3)}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);

      expect(await page.evaluate(() => window.__call!.errors)).toEqual([]);
      // The blur reaches the other side: background detail gone, the person as sharp as the codec leaves them.
      expect(bgRatio).toBeLessThan(0.25);
      expect(personRatio).toBeGreaterThan(0.7);
      // The codec alone leaves the background's detail (so the blur removed it).
      expect(offBgRatio).toBeGreaterThan(0.4);
      // The call runs at the camera's rate, processed in blur and passed through in off.
      for (const w of windows) {
        expect(w.receivedFps, `${w.label}: received fps`).toBeGreaterThan(0.7 * CAMERA_FPS);
        expect(w.sentKbps, `${w.label}: bytes sent`).toBeGreaterThan(0);
        expect(w.size, `${w.label}: received size`).toBe(`${gt.width}×${gt.height}`);
      }
      for (const w of [front1, hidden, front2]) {
        expect(w.processedFps, `${w.label}: processed per second`).toBeGreaterThan(0.7 * CAMERA_FPS);
        expect(w.passedThroughFps, `${w.label}: passed through per second`).toBe(0);
      }
      expect(off.processedFps).toBe(0);
      expect(off.passedThroughFps).toBeGreaterThan(0.7 * CAMERA_FPS);
      // Behind another tab the call keeps its frame rate (README: a hidden page processes at the full rate).
      // Throttling would cut it to a timer's 1 Hz (0.1 of the camera's rate) or stop it; 0.8 leaves room
      // for a loaded machine, where both windows' rates wobble (0.899 seen in CI beside an eval).
      expect(hidden.receivedFps / inFront, 'received fps behind another tab / in front').toBeGreaterThanOrEqual(HIDDEN_RATE_SHARE);
    } finally {
      await call.close();
    }
  });

  test('without the breakout box (<video> in, canvas out) a hidden tab keeps the frame rate too', async () => {
    const still = sharedPath(STILL);
    const y4m = stillY4m(join(still, 'image.png'), join(tempDir('call-fallback'), 'still.y4m'), CAMERA_FPS, CAMERA_NOISE);
    const call = await openCall(y4m, '?fallback=both');
    try {
      const { page } = call;
      expect(await page.evaluate(() => ['MediaStreamTrackProcessor' in window, 'MediaStreamTrackGenerator' in window])).toEqual([false, false]);
      await sleep(2_000);
      const inFront = await measure(page, 'blur, in front', 'blur', 'visible');
      const front = await hide(call);
      const hidden = await measure(page, 'blur, behind another tab', 'blur', 'hidden');
      await show(call, front);
      console.log(`fallbacks (<video> + requestVideoFrameCallback in, canvas captureStream out), ${CAMERA_FPS} fps camera:\n${formatTable([inFront, hidden])}`);
      expect(await page.evaluate(() => window.__call!.errors)).toEqual([]);
      expect(inFront.receivedFps).toBeGreaterThan(0.7 * CAMERA_FPS);
      expect(hidden.processedFps, 'processed per second behind another tab').toBeGreaterThan(0);
      expect(hidden.receivedFps / inFront.receivedFps, 'received fps behind another tab / in front').toBeGreaterThanOrEqual(HIDDEN_RATE_SHARE);
    } finally {
      await call.close();
    }
  });
});
