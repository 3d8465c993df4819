// Helpers shared by the end-to-end tests: ../shared data, generated clips, image regions.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { readAlphaPng } from '../../scripts/lib/png';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SHARED = resolve(ROOT, '../shared');

/**
 * Path inside ../shared. When it is missing the calling test fails under CI=true and is
 * skipped, with the reason printed, elsewhere.
 */
export function sharedPath(relative: string): string {
  const path = join(SHARED, relative);
  if (!existsSync(path)) {
    const reason = `${path} is missing (../shared beside the checkout holds the test data)`;
    if (process.env.CI) throw new Error(reason);
    console.log(`skipped: ${reason}`);
    test.skip(true, reason);
  }
  return path;
}

/** A fresh temporary folder for one test. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `bg-${prefix}-`));
}

/**
 * Writes a synthetic .y4m (I420, limited range): a grey background with a bright moving
 * square, `frames` frames at 15 fps. Only for flow tests: there is no person in it.
 */
export function syntheticY4m(path: string, width = 320, height = 180, frames = 20): string {
  const ySize = width * height;
  const cSize = (width / 2) * (height / 2);
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F15:1 Ip A1:1 C420jpeg XCOLORRANGE=LIMITED\n`)];
  for (let f = 0; f < frames; f++) {
    const frame = Buffer.alloc(ySize + 2 * cSize, 128);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inSquare = Math.abs(x - (40 + f * 8)) < 24 && Math.abs(y - height / 2) < 24;
        frame[y * width + x] = inSquare ? 220 : 60 + ((x + y) % 32);
      }
    }
    parts.push(Buffer.from('FRAME\n'), frame);
  }
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

/**
 * Converts a video or a still image to .y4m with ffmpeg (a still is repeated for `frames`
 * frames; `size` scales it to width×height). @throws Error with ffmpeg's message when it fails
 */
export function toY4m(input: string, output: string, options: { still?: boolean; frames?: number; size?: [number, number] } = {}): string {
  const args = ['-v', 'error', '-nostdin', '-y'];
  if (options.still) args.push('-loop', '1', '-framerate', '15');
  args.push('-i', input);
  if (options.frames) args.push('-frames:v', String(options.frames));
  if (options.size) args.push('-vf', `scale=${options.size[0]}:${options.size[1]}`);
  args.push('-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', output);
  const run = spawnSync('ffmpeg', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffmpeg failed: ${run.error?.message ?? run.stderr}`);
  return output;
}

/** An RGBA image decoded from PNG bytes. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

export function decodePng(bytes: Buffer): Rgba {
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, data: png.data };
}

/**
 * A 1280×720 dev still at half size (640×360, the mean of each 2×2 block): its image, and its
 * person (alpha ≥ 0.999, eroded by 3 px) and background (alpha ≤ 0.001, eroded by 12 px) regions.
 * @param still the still's folder (image.png, alpha.png)
 */
export function halfSizeStill(still: string): { image: Rgba; person: Uint8Array; background: Uint8Array } {
  const full = decodePng(readFileSync(join(still, 'image.png')));
  const gt = readAlphaPng(join(still, 'alpha.png'));
  if (gt.width !== 1280 || gt.height !== 720 || full.width !== 1280 || full.height !== 720) throw new Error(`${still}: expected 1280×720`);
  const width = 640;
  const height = 360;
  const alpha = new Float32Array(width * height);
  const image: Rgba = { width, height, data: new Uint8Array(width * height * 4) };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 2 * y * gt.width + 2 * x;
      const block = [i, i + 1, i + gt.width, i + gt.width + 1];
      alpha[y * width + x] = block.reduce((sum, j) => sum + gt.alpha[j]!, 0) / 4;
      for (let c = 0; c < 4; c++) image.data[(y * width + x) * 4 + c] = Math.round(block.reduce((sum, j) => sum + full.data[j * 4 + c]!, 0) / 4);
    }
  }
  return {
    image,
    person: erode((i) => alpha[i]! >= 0.999, width, height, 3),
    background: erode((i) => alpha[i]! <= 0.001, width, height, 12),
  };
}

/**
 * Pixels whose whole (2r+1)² neighbourhood satisfies `inside` (an erosion), as a mask.
 * @param inside per-pixel predicate over a width×height grid
 */
export function erode(inside: (i: number) => boolean, width: number, height: number, r: number): Uint8Array {
  const integral = new Int32Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += inside(y * width + x) ? 1 : 0;
      integral[(y + 1) * (width + 1) + x + 1] = integral[y * (width + 1) + x + 1]! + row;
    }
  }
  const out = new Uint8Array(width * height);
  const n = (2 * r + 1) ** 2;
  for (let y = r; y < height - r; y++) {
    for (let x = r; x < width - r; x++) {
      const x0 = x - r;
      const y0 = y - r;
      const x1 = x + r + 1;
      const y1 = y + r + 1;
      const sum = integral[y1 * (width + 1) + x1]! - integral[y0 * (width + 1) + x1]! - integral[y1 * (width + 1) + x0]! + integral[y0 * (width + 1) + x0]!;
      out[y * width + x] = sum === n ? 1 : 0;
    }
  }
  return out;
}

/** Mean squared Laplacian of luma over the pixels where `region` is 1: high-frequency energy. */
export function highFrequencyEnergy(img: Rgba, region: Uint8Array): number {
  const { width, height, data } = img;
  const luma = (x: number, y: number): number => {
    const i = (y * width + x) * 4;
    return 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
  };
  let sum = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      if (!region[y * width + x]) continue;
      const lap = 4 * luma(x, y) - luma(x - 1, y) - luma(x + 1, y) - luma(x, y - 1) - luma(x, y + 1);
      sum += lap * lap;
      n++;
    }
  }
  if (n === 0) throw new Error('empty region');
  return sum / n;
}

/** Mean of channel 0 (0..1) over the pixels where `region` is 1. */
export function meanOver(img: Rgba, region: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < region.length; i++) {
    if (!region[i]) continue;
    sum += img.data[i * 4]! / 255;
    n++;
  }
  if (n === 0) throw new Error('empty region');
  return sum / n;
}

/**
 * One frame of `track` as a base64 PNG, read through a track processor on a clone of it, after
 * skipping 3 (so that it reflects the latest options). Runs in the page: pass it to
 * `JSHandle.evaluate` on a handle of the track.
 */
export async function trackFramePng(track: MediaStreamTrack): Promise<string> {
  const clone = track.clone();
  // MediaStreamTrackProcessor (Chromium, main thread) is not in TypeScript's DOM lib yet.
  const Processor = (window as unknown as { MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> } })
    .MediaStreamTrackProcessor;
  const reader = new Processor({ track: clone }).readable.getReader();
  try {
    for (let i = 0; i < 3; i++) (await reader.read()).value?.close();
    const { value: frame } = await reader.read();
    if (!frame) throw new Error('the track ended');
    const canvas = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
    canvas.getContext('2d')!.drawImage(frame, 0, 0);
    frame.close();
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  } finally {
    // Stopping the clone ends the stream; the frames still in it are read out and closed (a
    // cancel would drop them unclosed: see src/sources/trackFrames.ts).
    clone.stop();
    for (let r = await reader.read(); !r.done; r = await reader.read()) r.value.close();
  }
}

/** One frame of the app's output (or input) stream, read through a track processor, as RGBA. */
export async function grabFrame(page: Page, which: 'output' | 'input'): Promise<Rgba> {
  const track = await page.evaluateHandle((w) => (w === 'output' ? window.__app!.output! : window.__app!.input!).getVideoTracks()[0]!, which);
  try {
    return decodePng(Buffer.from(await track.evaluate(trackFramePng), 'base64'));
  } finally {
    await track.dispose();
  }
}

/**
 * The plate stored in IndexedDB (PNG, decoded) and its record; also checks that the thumbnail
 * shows an image of the same size. (Chromium here refuses fetch() of blob: URLs, so the
 * thumbnail's own URL cannot be read back.)
 */
export async function storedPlate(page: Page): Promise<Rgba & { recordSize: [number, number]; capturedAt: number }> {
  await expect(page.getByTestId('plate-thumbnail')).toHaveJSProperty('complete', true);
  const shown = await page.getByTestId('plate-thumbnail').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
  const record = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('bg-replacer');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      type Record = { blob: Blob; width: number; height: number; capturedAt: number };
      const read = (): Promise<Record | undefined> =>
        new Promise((resolve, reject) => {
          const request = db.transaction('plate').objectStore('plate').get('current');
          request.onsuccess = () => resolve(request.result as Record | undefined);
          request.onerror = () => reject(request.error);
        });
      // The app stores the plate just after showing its thumbnail.
      let value = await read();
      for (let i = 0; i < 50 && !value; i++) {
        await new Promise((r) => setTimeout(r, 100));
        value = await read();
      }
      if (!value) throw new Error('no plate stored in IndexedDB');
      const bytes = new Uint8Array(await value.blob.arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { png: btoa(binary), type: value.blob.type, width: value.width, height: value.height, capturedAt: value.capturedAt };
    } finally {
      db.close();
    }
  });
  expect(record.type).toBe('image/png');
  expect(shown).toEqual([record.width, record.height]);
  return { ...decodePng(Buffer.from(record.png, 'base64')), recordSize: [record.width, record.height], capturedAt: record.capturedAt };
}
