import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { launchChromium } from '../../scripts/lib/browser';
import { readAlphaPng } from '../../scripts/lib/png';
import { registerDepthReference } from '../../src/gpu/reference/registerDepth';
import { segmentDepth } from '../../src/pipeline/depthBand';
import { parseKinectCalibration } from '../../src/sources/kinect/calibration';
import { type KinectCalibration } from '../../src/types/kinect';
import { parseKinectRecording } from '../../src/sources/kinect/recording';
import { buildRecording } from '../kinect/buildRecording';
import { decodePng, grabFrame, ROOT, sharedPath, syntheticY4m, tempDir } from './support';

// Azure Kinect input end to end: the replay command on the real k4arecorder file and on
// recordings built here, and the app's live path through `npm run kinect-bridge --replay`.

const APP = `http://127.0.0.1:${Number(process.env.PW_PORT ?? 5199)}/`;
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');

function replay(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [TSX, join(ROOT, 'scripts/replay.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The real calibration.json of the shared recording, and the calibration for 720P colour and NFOV unbinned depth. */
function realCalibration(): { json: string; cal: KinectCalibration } {
  const recording = parseKinectRecording(readFileSync(sharedPath('kinect/pyk4a_recording.mkv')));
  const json = recording.calibrationJson!;
  return { json, cal: parseKinectCalibration(json, 'NFOV_UNBINNED', '720P') };
}

const WALL_MM = 3000;
const SUBJECT_MM = 1200;
const GREY = 128;

/**
 * A scene a colour-only model cannot segment: a flat grey colour image, and depth with a
 * person-like shape (head and torso) at 1.2 m in front of a wall at 3 m, plus a column of
 * invalid pixels (the IR shadow) beside the body. Depth is 640×576 (NFOV unbinned).
 */
function personDepth(width: number, height: number): Uint16Array {
  const depth = new Uint16Array(width * height).fill(WALL_MM);
  const cx = width / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const head = (x - cx) ** 2 + (y - 150) ** 2 < 55 ** 2;
      const torso = Math.abs(x - cx) < 110 && y > 200;
      if (head || torso) depth[y * width + x] = SUBJECT_MM + Math.round(Math.abs(x - cx) / 4);
      else if (Math.abs(x - cx - 125) < 8 && y > 200) depth[y * width + x] = 0;
    }
  }
  return depth;
}

function flatBgra(_capture: number, width: number, height: number): Uint8Array {
  return new Uint8Array(width * height * 4).fill(GREY).map((v, i) => (i % 4 === 3 ? 255 : v));
}

/** Writes the synthetic recording and returns its path and where the subject lands in colour. */
function writeSubjectRecording(dir: string, options: { captures: number; depth?: boolean; dropColor?: number[] }) {
  const { json, cal } = realCalibration();
  const built = buildRecording({
    captures: options.captures,
    fps: 30,
    colorFormat: 'BGRA',
    colorWidth: 1280,
    colorHeight: 720,
    depthMode: 'NFOV_UNBINNED',
    depth: options.depth ?? true,
    dropColor: options.dropColor ?? [],
    calibrationJson: json,
    depthImage: (_c, w, h) => personDepth(w, h),
    colorImage: flatBgra,
  });
  const path = join(dir, options.depth === false ? 'subject-colour-only.mkv' : 'subject.mkv');
  writeFileSync(path, built.bytes);
  // Where the subject's depth lands in the colour image (the TS reference of the registration).
  const depth = personDepth(cal.depth.width, cal.depth.height);
  const band = segmentDepth(depth, cal.depth.width, cal.depth.height)!;
  const registered = registerDepthReference(cal, depth, band.mask);
  return { path, registered, cal };
}

/** Mean alpha over the pixels where `select` holds. */
function meanWhere(alpha: Float32Array, select: (i: number) => boolean): number {
  let sum = 0;
  let n = 0;
  alpha.forEach((a, i) => {
    if (select(i)) (sum += a), n++;
  });
  return n ? sum / n : NaN;
}

test.describe('Azure Kinect recordings in the replay command', () => {
  test('the real k4arecorder file: com, pha and registered depth written', async () => {
    const out = tempDir('kinect-real');
    const run = replay(['--input', sharedPath('kinect/pyk4a_recording.mkv'), '--output-type', 'com,pha,depth', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    for (const type of ['com', 'pha', 'depth']) expect(readdirSync(join(out, type))).toEqual(['0000.png']);
    const depth = decodePng(readFileSync(join(out, 'depth', '0000.png')));
    expect([depth.width, depth.height]).toEqual([1280, 720]);
    // Registered depth covers the middle of the colour image (the NFOV depth camera sees less
    // than the colour camera) and shows more than one depth.
    let covered = 0;
    const levels = new Set<number>();
    for (let i = 0; i < depth.width * depth.height; i++) {
      const [r, g, b] = [depth.data[i * 4]!, depth.data[i * 4 + 1]!, depth.data[i * 4 + 2]!];
      if (r + g + b > 0) covered++, levels.add((r << 16) | (g << 8) | b);
    }
    const share = covered / (depth.width * depth.height);
    console.log(`real recording: registered depth covers ${(100 * share).toFixed(1)} % of the colour frame, ${levels.size} colours`);
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.98);
    expect(levels.size).toBeGreaterThan(50);
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
    expect(stats.frames).toBe(1);
    expect(stats.depth).toHaveLength(1);
    expect(stats.depth[0]).not.toBeNull();
  });

  test('a colour-ambiguous subject: depth makes the matte, the colour model alone cannot; captures without colour are skipped', async () => {
    const dir = tempDir('kinect-subject');
    const { path, registered } = writeSubjectRecording(dir, { captures: 3, dropColor: [1] });
    const out = join(dir, 'out');
    const run = replay(['--input', path, '--output-type', 'pha,depth', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(join(out, 'pha')).sort()).toEqual(['0000.png', '0001.png']);
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
    expect(stats.frames).toBe(2);
    expect(stats.depth[0].band.near).toBeGreaterThanOrEqual(SUBJECT_MM - 100);
    expect(stats.depth[0].band.near).toBeLessThanOrEqual(SUBJECT_MM + 50);

    const colourOnly = join(dir, 'colour-only');
    const { path: noDepth } = writeSubjectRecording(dir, { captures: 1, depth: false });
    const run2 = replay(['--input', noDepth, '--output-type', 'pha', '--out', colourOnly]);
    expect(run2.status, run2.stderr).toBe(0);

    const subject = (i: number) => registered.subject[i]! > 0.5;
    const wall = (i: number) => registered.depth[i]! > WALL_MM - 500;
    for (const frame of ['0000.png', '0001.png']) {
      const pha = readAlphaPng(join(out, 'pha', frame)).alpha;
      const inside = meanWhere(pha, subject);
      const outside = meanWhere(pha, wall);
      console.log(`${frame}: mean alpha on the subject ${inside.toFixed(3)}, on the wall ${outside.toFixed(3)}`);
      expect(inside).toBeGreaterThan(0.7);
      expect(outside).toBeLessThan(0.1);
    }
    const alone = readAlphaPng(join(colourOnly, 'pha', '0000.png')).alpha;
    console.log(`colour model alone: mean alpha on the subject ${meanWhere(alone, subject).toFixed(3)}`);
    expect(meanWhere(alone, subject)).toBeLessThan(0.3);
  });

  test('a truncated recording: one-line error, non-zero exit', async () => {
    const dir = tempDir('kinect-truncated');
    const bytes = readFileSync(sharedPath('kinect/pyk4a_recording.mkv'));
    const path = join(dir, 'cut.mkv');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const run = replay(['--input', path, '--output-type', 'com', '--out', join(dir, 'out')]);
    expect(run.status).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^replay: .*(truncated|corrupt|cut)/i);
  });

  test('--output-type depth on an input without depth is refused with a clear message', async () => {
    const dir = tempDir('kinect-nodepth');
    const png = join(dir, 'f.png');
    writeFileSync(png, readFileSync(sharedPath('eval/dev/stills/dev_00_0/image.png')));
    const run = replay(['--input', png, '--output-type', 'depth', '--out', join(dir, 'out')]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/depth needs an Azure Kinect recording/);
  });
});

/** Starts `npm run kinect-bridge -- --replay FILE --port 0 --loop` and resolves with its ws:// URL. */
async function startBridge(file: string): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [TSX, join(ROOT, 'scripts/kinect-bridge.ts'), '--replay', file, '--port', '0', '--loop'], { cwd: ROOT });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the bridge did not start: ${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (ws:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the bridge exited (${code}): ${out}`)));
  });
  return { url, process: child };
}

async function waitDepthFrames(page: Page, frames: number): Promise<void> {
  await page.waitForFunction((n) => (window.__app?.stats?.processed ?? 0) >= n && window.__app?.stats?.depth != null, frames, { timeout: 150_000, polling: 250 });
}

test('live path: the app connected to kinect-bridge --replay composites with the depth segmentation', async () => {
  test.setTimeout(300_000);
  const dir = tempDir('kinect-bridge');
  const { path, registered } = writeSubjectRecording(dir, { captures: 4 });
  const bridge = await startBridge(path);
  const browser = await launchChromium({});
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
    await page.goto(`${APP}?renderer=webgpu&kinect=${encodeURIComponent(bridge.url)}`);
    await page.getByTestId('mode-color').click();
    await waitDepthFrames(page, 3);
    await expect(page.getByTestId('source-label')).toContainText('Azure Kinect');
    const stats = await page.evaluate(() => window.__app!.stats!);
    expect(stats.depth!.band).not.toBeNull();
    await expectColourComposite(page, registered, 'live');
    expect(await page.evaluate(() => window.__app!.errors.map((e) => e.message))).toEqual([]);
  } finally {
    await browser.close();
    bridge.process.kill('SIGTERM');
  }
});

/**
 * Colour mode on the subject recording: the wall must become the key colour (#00b140) and the
 * subject keep its grey, where the TS registration says each lands.
 */
async function expectColourComposite(page: Page, registered: { depth: Float32Array; subject: Float32Array }, label: string): Promise<void> {
  const out = await grabFrame(page, 'output');
  expect([out.width, out.height]).toEqual([1280, 720]);
  const green = (i: number) => Math.abs(out.data[i * 4]! - 0x00) + Math.abs(out.data[i * 4 + 1]! - 0xb1) + Math.abs(out.data[i * 4 + 2]! - 0x40);
  const grey = (i: number) => Math.abs(out.data[i * 4]! - GREY) + Math.abs(out.data[i * 4 + 1]! - GREY) + Math.abs(out.data[i * 4 + 2]! - GREY);
  let onSubject = 0;
  let subjectPixels = 0;
  let onWall = 0;
  let wallPixels = 0;
  for (let i = 0; i < out.width * out.height; i++) {
    if (registered.subject[i]! > 0.5) (subjectPixels++, grey(i) < 30 && onSubject++);
    else if (registered.depth[i]! > WALL_MM - 500) (wallPixels++, green(i) < 30 && onWall++);
  }
  console.log(`${label}: subject kept ${(onSubject / subjectPixels).toFixed(3)}, wall replaced ${(onWall / wallPixels).toFixed(3)}`);
  expect(onSubject / subjectPixels).toBeGreaterThan(0.8);
  expect(onWall / wallPixels).toBeGreaterThan(0.9);
}

test('a Kinect recording picked as the file source in the app plays with its depth', async () => {
  test.setTimeout(300_000);
  const dir = tempDir('kinect-file');
  const { path, registered } = writeSubjectRecording(dir, { captures: 4 });
  const browser = await launchChromium({ fakeCameraY4m: syntheticY4m(join(dir, 'cam.y4m')) });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
    await page.goto(`${APP}?renderer=webgpu`);
    await page.getByTestId('source-file').setInputFiles(path);
    await expect(page.getByTestId('source-label')).toContainText('Azure Kinect recording');
    await page.getByTestId('mode-color').click();
    await waitDepthFrames(page, 3);
    await expectColourComposite(page, registered, 'file');
  } finally {
    await browser.close();
  }
});

test('the app says how to start the bridge when none is running', async () => {
  const browser = await launchChromium({});
  try {
    const page = await browser.newPage();
    await page.goto(`${APP}?kinect=${encodeURIComponent('ws://127.0.0.1:9')}`);
    await page.waitForFunction(() => (window.__app?.errors.length ?? 0) > 0, null, { timeout: 30_000 });
    const messages = await page.evaluate(() => window.__app!.errors.map((e) => e.message));
    expect(messages.join('\n')).toMatch(/kinect-bridge/);
  } finally {
    await browser.close();
  }
});
