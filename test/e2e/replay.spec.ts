import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { iou } from '../../src/eval/metrics';
import { readAlphaPng } from '../../scripts/lib/png';
import { decodePng, ROOT, sharedPath, syntheticY4m, tempDir } from './support';

/** Runs `npm run replay -- ARGS` (the same script) and returns its exit status and output. */
function replay(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/replay.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 170_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function writePng(path: string, width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): void {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      png.data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  writeFileSync(path, PNG.sync.write(png));
}

test.describe('replay command', () => {
  test('dev_clip0 in blur mode: every frame composited, alpha IoU ≥ 0.90 against ground truth', async () => {
    const clip = sharedPath('eval/dev/clips/dev_clip0');
    const out = tempDir('replay-clip0');
    const run = replay(['--input', join(clip, 'clip.y4m'), '--mode', 'blur', '--output-type', 'com,pha', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    const names = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(4, '0')}.png`);
    expect(readdirSync(join(out, 'com')).sort()).toEqual(names);
    expect(readdirSync(join(out, 'pha')).sort()).toEqual(names);
    const first = PNG.sync.read(readFileSync(join(out, 'pha', names[0]!)));
    expect([first.width, first.height]).toEqual([640, 360]);
    const scores = names.map((n) => iou(readAlphaPng(join(out, 'pha', n)).alpha, readAlphaPng(join(clip, 'alpha', n)).alpha));
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    console.log(`dev_clip0 mean IoU ${mean.toFixed(4)} (min ${Math.min(...scores).toFixed(4)})`);
    expect(mean).toBeGreaterThanOrEqual(0.9);
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
    expect(stats.frames).toBe(30);
    expect(stats.fps).toBeGreaterThan(0);
    for (const stage of ['import', 'segment', 'gpu', 'total']) {
      expect(stats.stages[stage].median).toBeGreaterThan(0);
      expect(stats.stages[stage].p95).toBeGreaterThanOrEqual(stats.stages[stage].median);
    }
    expect(stats.adapter).toMatch(/\w/);
    expect(stats.backend).toBe('tasks-vision');
  });

  test('a folder of PNG frames: every output type written at input size; off mode returns the input', async () => {
    const dir = tempDir('replay-png');
    const input = join(dir, 'in');
    mkdirSync(input);
    const pixel = (f: number) => (x: number, y: number): [number, number, number] => [(x * 5 + f * 40) % 256, (y * 7) % 256, 90];
    for (const f of [2, 0, 1]) writePng(join(input, `frame_${f}.png`), 96, 54, pixel(f));
    const out = join(dir, 'out');
    const run = replay(['--input', input, '--mode', 'off', '--output-type', 'com,pha,fgr,err', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    for (const type of ['com', 'pha', 'fgr', 'err']) {
      expect(readdirSync(join(out, type)).sort()).toEqual(['0000.png', '0001.png', '0002.png']);
    }
    const pha = PNG.sync.read(readFileSync(join(out, 'pha', '0000.png')));
    expect([pha.width, pha.height]).toEqual([96, 54]);
    // Frames are taken in name order, and `off` composites the frame untouched.
    for (const f of [0, 1, 2]) {
      const com = decodePng(readFileSync(join(out, 'com', `000${f}.png`)));
      const want = pixel(f);
      let maxDiff = 0;
      for (let y = 0; y < 54; y++) {
        for (let x = 0; x < 96; x++) {
          const [r, g, b] = want(x, y);
          const i = (y * 96 + x) * 4;
          maxDiff = Math.max(maxDiff, Math.abs(com.data[i]! - r), Math.abs(com.data[i + 1]! - g), Math.abs(com.data[i + 2]! - b));
        }
      }
      expect(maxDiff).toBeLessThanOrEqual(1);
    }
  });

  test('colour mode on a clip with nobody in it gives the colour', async () => {
    const dir = tempDir('replay-color');
    const y4m = syntheticY4m(join(dir, 'empty.y4m'), 160, 90, 4);
    const out = join(dir, 'out');
    const run = replay(['--input', y4m, '--mode', 'color', '--color', '#2060c0', '--output-type', 'com', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    const com = decodePng(readFileSync(join(out, 'com', '0003.png')));
    const mean = [0, 1, 2].map((c) => {
      let s = 0;
      for (let i = 0; i < com.width * com.height; i++) s += com.data[i * 4 + c]!;
      return s / (com.width * com.height);
    });
    expect(Math.abs(mean[0]! - 0x20)).toBeLessThan(12);
    expect(Math.abs(mean[1]! - 0x60)).toBeLessThan(12);
    expect(Math.abs(mean[2]! - 0xc0)).toBeLessThan(12);
  });

  test('video mode: output frame i shows background video frame i, looped', async () => {
    const dir = tempDir('replay-video');
    // Six solid colours, one per frame of a VP8 WebM made by ffmpeg (the file path replay users take).
    const palette: [number, number, number][] = [
      [220, 40, 40],
      [40, 200, 60],
      [40, 60, 220],
      [230, 210, 40],
      [40, 210, 210],
      [210, 40, 200],
    ];
    palette.forEach((rgb, i) => writePng(join(dir, `bg${i}.png`), 64, 36, () => rgb));
    const video = join(dir, 'background.webm');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-framerate', '6', '-i', join(dir, 'bg%d.png'), '-c:v', 'libvpx', '-b:v', '1M', '-pix_fmt', 'yuv420p', video], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const y4m = syntheticY4m(join(dir, 'empty.y4m'), 160, 90, 8);
    const out = join(dir, 'out');
    const run = replay(['--input', y4m, '--mode', 'video', '--background', video, '--output-type', 'com', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
    expect(stats.mode).toBe('video');
    expect(stats.backgroundFrames).toBe(6);
    const shown: number[] = [];
    for (let i = 0; i < 8; i++) {
      const com = decodePng(readFileSync(join(out, 'com', `${String(i).padStart(4, '0')}.png`)));
      // The mean colour of the top band (the moving square never reaches it): the nearest palette entry.
      let n = 0;
      const mean = [0, 0, 0];
      for (let y = 0; y < 20; y++) {
        for (let x = 0; x < com.width; x++) {
          for (let c = 0; c < 3; c++) mean[c]! += com.data[(y * com.width + x) * 4 + c]!;
          n++;
        }
      }
      const rgb = mean.map((v) => v / n);
      const distance = palette.map((p) => Math.hypot(p[0] - rgb[0]!, p[1] - rgb[1]!, p[2] - rgb[2]!));
      const nearest = distance.indexOf(Math.min(...distance));
      expect(distance[nearest], `frame ${i}: rgb ${rgb.map((v) => v.toFixed(0)).join(',')}`).toBeLessThan(30);
      shown.push(nearest);
    }
    expect(shown).toEqual([0, 1, 2, 3, 4, 5, 0, 1]);
  });

  test('bad arguments and unreadable input: one-line error, non-zero exit, nothing half-written', async () => {
    const dir = tempDir('replay-bad');
    const truncated = join(dir, 'truncated.y4m');
    const whole = readFileSync(syntheticY4m(join(dir, 'whole.y4m'), 64, 36, 2));
    writeFileSync(truncated, whole.subarray(0, whole.length - 100));
    const cases: [string[], RegExp][] = [
      [['--out', join(dir, 'o1')], /--input is required/],
      [['--input', join(dir, 'missing.y4m'), '--out', join(dir, 'o2')], /no such file/],
      [['--input', truncated, '--out', join(dir, 'o3')], /truncated/],
      [['--input', join(dir, 'whole.y4m'), '--mode', 'purple', '--out', join(dir, 'o4')], /Invalid option "mode"/],
      [['--input', join(dir, 'whole.y4m'), '--output-type', 'com,xyz', '--out', join(dir, 'o5')], /Invalid option "output-type"/],
      [['--input', join(dir, 'whole.y4m'), '--frobnicate', '--out', join(dir, 'o6')], /Unknown option/],
      [['--input', join(dir, 'whole.y4m'), '--mode', 'image', '--out', join(dir, 'o7')], /--background/],
      [['--input', join(dir, 'whole.y4m'), '--mode', 'video', '--out', join(dir, 'o8')], /--mode video needs --background/],
      [['--input', join(dir, 'whole.y4m'), '--mode', 'video', '--background', join(dir, 'missing.webm'), '--out', join(dir, 'o9')], /^replay: --background: .*no such file/],
    ];
    for (const [args, message] of cases) {
      const run = replay(args);
      expect(run.status, args.join(' ')).not.toBe(0);
      const lines = run.stderr.trim().split('\n');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^replay: /);
      expect(lines[0]).toMatch(message);
    }
    expect(existsSync(join(dir, 'o3'))).toBe(false);
  });
});
