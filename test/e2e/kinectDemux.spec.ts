// The k4arecorder demuxer and the colour-frame helper really run in Chromium under vite (ts-ebml
// on the `buffer` shim): recordings written by test/kinect/buildRecording.ts, and the real
// ../shared file, are routed to test/kinect/demux.html, which parses them and decodes colour.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { buildRecording, type BuildOptions } from '../kinect/buildRecording';
import type { DemuxFailure, DemuxReport } from '../kinect/demux';
import { sharedPath } from './support';

async function openDemuxPage(page: Page, files: Record<string, Uint8Array>): Promise<void> {
  page.on('pageerror', (err) => {
    throw err;
  });
  await page.route('**/kinect-fixture/*', async (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop() ?? '';
    const body = files[name];
    await (body ? route.fulfill({ status: 200, contentType: 'video/x-matroska', body: Buffer.from(body) }) : route.fulfill({ status: 404 }));
  });
  await page.goto('/test/kinect/demux.html');
  await page.waitForFunction(() => 'kinectDemux' in window, null, { timeout: 60_000 });
}

async function demux(page: Page, name: string): Promise<DemuxReport> {
  const result = await page.evaluate((url) => window.kinectDemux(url), `/kinect-fixture/${name}`);
  if ('error' in result) throw new Error(`${name}: ${result.error.name} ${result.error.code}: ${result.error.message}`);
  return result;
}

const sum = (samples: Uint16Array): number => samples.reduce((s, v) => s + v, 0);

test.describe('Kinect MKV demux in the browser', () => {
  test('synthetic recordings: captures paired, colour decoded to VideoFrames with the right pixels', async ({ page }) => {
    const formats: Record<string, BuildOptions> = {
      'bgra.mkv': { colorFormat: 'BGRA', captures: 3 },
      'nv12.mkv': { colorFormat: 'NV12', colorWidth: 32, colorHeight: 16, captures: 2, depthDelayNs: 20_000_000n },
      'yuy2.mkv': { colorFormat: 'YUY2', colorWidth: 32, colorHeight: 16, captures: 2, dropColor: [1] },
      'mjpg.mkv': { colorFormat: 'MJPG', captures: 2, splitCluster: [1], blockGroup: [0] },
    };
    const built = Object.fromEntries(Object.entries(formats).map(([name, options]) => [name, buildRecording(options)]));
    const truncated = built['bgra.mkv']!.bytes.subarray(0, 30_000);
    await openDemuxPage(page, { ...Object.fromEntries(Object.entries(built).map(([n, b]) => [n, b.bytes])), 'cut.mkv': truncated });

    for (const [name, recording] of Object.entries(built)) {
      const report = await demux(page, name);
      expect(report.bufferShimmed, 'the buffer shim installed a Buffer').toBe(true);
      expect(report.tags.K4A_DEPTH_MODE).toBe('NFOV_2X2BINNED');
      expect(report.colorUid).toBe('226376802450399186');
      expect(report.captures.map((c) => [c.colorUs, c.depthUs, c.irUs])).toEqual(
        recording.captures.map((c) => [c.colorUs ?? null, c.depthUs ?? null, c.irUs ?? null]),
      );
      report.captures.forEach((capture, i) => {
        expect(capture.depthSum, `${name} capture ${i} depth`).toBe(sum(recording.depth[i]!));
        if (capture.colorUs === null) {
          expect(capture.frame).toBeNull();
          return;
        }
        expect(capture.frame, `${name} capture ${i}`).toMatchObject({ width: recording.colorWidth, height: recording.colorHeight, timestamp: capture.colorUs });
        const stored = recording.color[i]!;
        if (name === 'bgra.mkv') {
          expect(capture.frame!.format).toBe('BGRA');
          expect(capture.framePrefix).toEqual(Array.from(stored.subarray(0, 64)));
        } else if (name === 'nv12.mkv') {
          expect(capture.frame!.format).toBe('NV12');
          expect(capture.framePrefix).toEqual(Array.from(stored.subarray(0, 64))); // the Y plane's first two rows
        } else if (name === 'yuy2.mkv') {
          expect(capture.frame!.format).toBe('I420');
          expect(capture.framePrefix).toEqual(Array.from({ length: 64 }, (_, k) => stored[2 * k])); // Y0 U Y1 V → luma
        }
      });
    }
    const failure = (await page.evaluate(() => window.kinectDemux('/kinect-fixture/cut.mkv'))) as DemuxFailure;
    expect(failure.error).toMatchObject({ name: 'InputError', code: 'corrupt-input' });
    expect(failure.error.message).toMatch(/truncated|cut off/);
  });

  test('the real k4arecorder file: one capture, the 1280×720 JPEG decodes at 800222 µs', async ({ page }) => {
    const bytes = new Uint8Array(readFileSync(sharedPath('kinect/pyk4a_recording.mkv')));
    await openDemuxPage(page, { 'real.mkv': bytes });
    const report = await demux(page, 'real.mkv');
    expect(report.tags.K4A_COLOR_MODE).toBe('MJPG_720P');
    expect(report.colorUid).toBe('226376802450399186');
    expect(report.calibrationLength).toBe(3900);
    expect(report.captures).toHaveLength(1);
    const [capture] = report.captures;
    expect([capture!.colorUs, capture!.depthUs, capture!.irUs]).toEqual([800222, 800222, 800222]);
    expect(capture!.frame).toMatchObject({ width: 1280, height: 720, timestamp: 800222 });
    expect(capture!.depthSum).toBe(380924829); // numpy: sum of the '>u2' depth samples
  });
});
