import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { iou, largestComponent } from '../../src/eval/metrics';
import { readAlphaPng } from '../../scripts/lib/png';
import { decodePng, ROOT, sharedPath, tempDir } from './support';

// Standing-speaker mode (Options.standing) through the replay command.
// 1. Real full-body frames (people standing in a room, shared/real/one-by-one-person-detection.mp4)
//    are segmented as two overlapping squares; with no ground truth there, the matte is scored
//    against a background-subtraction mask from the same video's empty frame (a proxy), next
//    to the same frames without the mode.
// 2. A head-and-shoulders portrait (a 9:16 crop of a dev still) is tall too but not a full
//    body: the mode must leave it to the ordinary region of interest.

function replay(args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/replay.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 170_000,
  });
  return { status: run.status, stderr: run.stderr };
}

function ffmpegFrame(video: string, seconds: number, out: string): void {
  const run = spawnSync('ffmpeg', ['-v', 'error', '-y', '-ss', String(seconds), '-i', video, '-frames:v', '1', out], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffmpeg: ${run.stderr}`);
}

/** Person mask by background subtraction: the largest region where a channel differs from the plate by more than 40/255. */
function subtractionMask(framePath: string, platePath: string): { mask: Float32Array; width: number; height: number } {
  const f = decodePng(readFileSync(framePath));
  const p = decodePng(readFileSync(platePath));
  const raw = new Uint8Array(f.width * f.height);
  for (let i = 0; i < raw.length; i++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(f.data[i * 4 + c]! - p.data[i * 4 + c]!));
    raw[i] = d > 40 ? 1 : 0;
  }
  return { mask: Float32Array.from(largestComponent(raw, f.width, f.height)), width: f.width, height: f.height };
}

test('standing-speaker mode on full-body frames: two squares used, matte no worse than one region of interest', async () => {
  test.setTimeout(360_000);
  const video = sharedPath('real/one-by-one-person-detection.mp4');
  const dir = tempDir('standing-walk');
  const input = join(dir, 'in');
  mkdirSync(input);
  const times = [40, 60];
  times.forEach((t, i) => ffmpegFrame(video, t, join(input, `${String(i).padStart(4, '0')}.png`)));
  ffmpegFrame(video, 5, join(dir, 'plate.png')); // the empty room
  const proxies = times.map((_, i) => subtractionMask(join(input, `${String(i).padStart(4, '0')}.png`), join(dir, 'plate.png')));

  const results: Record<string, { iou: number[]; standing: number }> = {};
  for (const standing of [false, true]) {
    const out = join(dir, standing ? 'standing' : 'roi');
    const run = replay(['--input', input, '--output-type', 'pha', '--backend', 'tasks-vision', ...(standing ? ['--standing'] : []), '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
    const scores = proxies.map((proxy, i) => iou(readAlphaPng(join(out, 'pha', `${String(i).padStart(4, '0')}.png`)).alpha, proxy.mask));
    results[standing ? 'standing' : 'roi'] = { iou: scores, standing: stats.standing };
  }
  console.log(`full-body frames, IoU against background subtraction: ${JSON.stringify(results)}`);
  expect(results.standing!.standing).toBe(times.length);
  expect(results.roi!.standing).toBe(0);
  results.standing!.iou.forEach((score, i) => {
    expect(score).toBeGreaterThan(0.75);
    // The split and its feathered seam must not cost quality.
    expect(score).toBeGreaterThanOrEqual(results.roi!.iou[i]! - 0.02);
  });
});

test('a head-and-shoulders portrait is left to the ordinary region of interest', async () => {
  test.setTimeout(200_000);
  const still = sharedPath('eval/dev/stills/dev_03_0');
  const src = PNG.sync.read(readFileSync(join(still, 'image.png')));
  const width = Math.round((src.height * 9) / 16);
  const x0 = Math.round((src.width - width) / 2);
  const crop = new PNG({ width, height: src.height });
  for (let y = 0; y < src.height; y++) src.data.copy(crop.data, y * width * 4, (y * src.width + x0) * 4, (y * src.width + x0 + width) * 4);
  const dir = tempDir('standing-portrait');
  mkdirSync(join(dir, 'in'));
  writeFileSync(join(dir, 'in', '0000.png'), PNG.sync.write(crop));
  const run = replay(['--input', join(dir, 'in'), '--output-type', 'pha', '--backend', 'tasks-vision', '--standing', '--out', join(dir, 'out')]);
  expect(run.status, run.stderr).toBe(0);
  expect(JSON.parse(readFileSync(join(dir, 'out', 'stats.json'), 'utf8')).standing).toBe(0);
});
