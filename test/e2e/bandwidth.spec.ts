// The bandwidth benchmark on tiny inputs: generated flat and noisy clips (camera only, no
// pipeline run), and dev_clip0 cut to 10 frames with medium blur. Checks the figures are
// sane: a flat clip is far cheaper than a noisy one, blur costs fewer bits than the camera,
// every frame holds the quantizer (measureBandwidth throws otherwise), the JSON is complete.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { measureBandwidth } from '../../scripts/lib/bandwidth/measure';
import { formatBandwidthTable } from '../../scripts/lib/bandwidth/table';
import type { BandwidthReport } from '../../scripts/lib/bandwidth/types';
import { y4mHeader } from '../../scripts/lib/bandwidth/y4m';
import { ROOT, sharedPath, tempDir } from './support';

/** A 160×96 I420 clip of `frames` frames at 15 fps: `sample(frame, index)` gives each byte. */
function writeClip(path: string, frames: number, sample: (frame: number, index: number) => number): string {
  const size = 160 * 96 * 1.5;
  const parts: Buffer[] = [Buffer.from(y4mHeader(160, 96, 15))];
  for (let f = 0; f < frames; f++) parts.push(Buffer.from('FRAME\n'), Buffer.from(Uint8Array.from({ length: size }, (_, i) => sample(f, i))));
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

/** A small deterministic pseudo-random byte source (xorshift32). */
function noise(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) & 255;
  };
}

test.describe('bandwidth benchmark', () => {
  test('a flat grey clip costs far fewer bits than a noisy one, at the quantizer asked for', async () => {
    const dir = tempDir('bandwidth-flat');
    const flat = writeClip(join(dir, 'flat.y4m'), 10, () => 128);
    const next = noise(12345);
    const noisy = writeClip(join(dir, 'noisy.y4m'), 10, () => 16 + (next() % 220));
    const report = await measureBandwidth({ clips: [flat, noisy], quantizers: [20], strengths: [], extraModes: [], codecs: ['vp8-libvpx', 'vp9-webcodecs'] });
    console.log(formatBandwidthTable(report));
    expect(report.adapter).toBeNull(); // no pipeline run for camera-only
    for (const codec of ['vp8-libvpx', 'vp9-webcodecs'] as const) {
      const at = (clip: string): BandwidthReport['rows'][number] => report.rows.find((r) => r.codec === codec && r.clip === clip && r.variant === 'camera')!;
      expect(at('flat').kbps).toBeGreaterThan(0);
      expect(at('flat').bytes * 20).toBeLessThan(at('noisy').bytes);
      expect(at('flat').psnrY).toBeGreaterThan(45);
      for (const clip of ['flat', 'noisy']) {
        expect(at(clip).keyFrames).toBe(1);
        expect(at(clip).frames).toBe(10);
        expect(at(clip).qIndex).toBe(codec === 'vp8-libvpx' ? 25 : 80);
      }
    }
  });

  test('dev_clip0, 10 frames: medium blur costs fewer bits than the camera; the JSON is complete', async () => {
    const clip = sharedPath('eval/dev/clips/dev_clip0/clip.y4m');
    const lines: string[] = [];
    const report = await measureBandwidth({ clips: [clip], maxFrames: 10, quantizers: [20], strengths: ['medium'], extraModes: [], onProgress: (l) => lines.push(l) });
    console.log(formatBandwidthTable(report));
    expect(lines.some((l) => l.startsWith('dev_clip0 blur-medium: 10 frames through the pipeline'))).toBe(true);
    expect(report.clips).toEqual([{ name: 'dev_clip0', path: clip, width: 640, height: 360, fps: 15, frames: 10 }]);
    expect(report.variants).toEqual(['camera', 'blur-medium']);
    expect(report.codecs.slice(0, 2)).toEqual(['vp8-libvpx', 'vp9-webcodecs']);
    expect(report.adapter).toBeTruthy();
    for (const codec of report.codecs) {
      const camera = report.rows.find((r) => r.codec === codec && r.variant === 'camera')!;
      const medium = report.rows.find((r) => r.codec === codec && r.variant === 'blur-medium')!;
      expect(camera.kbps).toBeGreaterThan(0);
      expect(camera.deltaKbps).toBeGreaterThan(0);
      expect(camera.deltaKbps).toBeLessThan(camera.kbps); // the key frame costs more than a delta frame
      expect(medium.kbps, codec).toBeLessThan(camera.kbps);
      expect(medium.saving!).toBeGreaterThan(0.05);
      expect(medium.saving!).toBeLessThan(0.95);
      expect(medium.saving!).toBeCloseTo(1 - medium.kbps / camera.kbps, 12);
      expect(camera.psnrY).toBeGreaterThan(30);
      expect(medium.keyFrames).toBe(1);
    }
    const json = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(
      ['adapter', 'backend', 'clips', 'codecs', 'encoders', 'latencyMode', 'means', 'quantizerScale', 'quantizers', 'rows', 'skipped', 'variants', 'wallMs'].sort(),
    );
    expect(Object.keys(report.rows[0]!).sort()).toEqual(
      ['bytes', 'clip', 'codec', 'deltaKbps', 'deltaSaving', 'fps', 'frames', 'keyFrames', 'kbps', 'psnrY', 'psnrYuv', 'qIndex', 'quantizer', 'saving', 'variant'].sort(),
    );
    expect(report.means).toHaveLength(report.codecs.length * 2);
    expect(report.encoders['vp8-libvpx']).toContain('-qmin Q -qmax Q');
    expect(report.encoders['vp9-webcodecs']).toContain("bitrateMode 'quantizer'");
  });

  test('the command rejects a bad argument with one line and exit status 1', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/bench-bandwidth.ts'), '--q', '20,99'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('--q: "99" is not an integer in 0..63');
  });
});
