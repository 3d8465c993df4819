import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { scoreDirectory, scoresJson } from '../../scripts/lib/scoreSet';
import { ROOT, sharedPath, tempDir } from './support';

/** Runs `npm run eval -- ARGS` (the same script) and returns its exit status and output. */
function evaluate(args: string[], timeout = 170_000): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/eval.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test.describe('eval command', () => {
  test('a still and a clip of the dev set, no plate: mattes at input size, scores.json equal to the scorer, IoU > 0.8', async () => {
    test.setTimeout(300_000);
    const set = sharedPath('eval/dev');
    const out = tempDir('eval');
    const ids = ['dev_00_0', 'dev_clip0'];
    const run = evaluate(['--set', set, '--out', out, '--ids', ids.join(','), '--no-plate'], 280_000);
    expect(run.status, run.stderr).toBe(0);
    console.log(run.stdout.trim().split('\n').slice(-12).join('\n'));

    const still = PNG.sync.read(readFileSync(join(out, 'stills', 'dev_00_0.png')));
    expect([still.width, still.height, still.colorType, still.depth]).toEqual([1280, 720, 0, 8]);
    const frames = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(4, '0')}.png`);
    expect(readdirSync(join(out, 'clips', 'dev_clip0')).sort()).toEqual(frames);
    const frame = PNG.sync.read(readFileSync(join(out, 'clips', 'dev_clip0', '0029.png')));
    expect([frame.width, frame.height, frame.colorType, frame.depth]).toEqual([640, 360, 0, 8]);

    const scores = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8'));
    // The numbers are exactly what the scorer gives for the files that were written.
    const rescored = JSON.parse(scoresJson(scoreDirectory(set, out, ids)));
    expect({ summary: scores.summary, stills: scores.stills, clips: scores.clips }).toEqual(rescored);
    expect(scores.stills.map((s: { id: string }) => s.id)).toEqual(['dev_00_0']);
    expect(scores.clips.map((c: { id: string }) => c.id)).toEqual(['dev_clip0']);
    expect(scores.summary.missing).toBe(0);
    expect(scores.summary.iou).toBeGreaterThan(0.8);
    for (const k of ['sad', 'mse', 'grad', 'conn', 'band_sad', 'clip_sad', 'clip_mse', 'clip_band_sad', 'clip_dtssd']) {
      expect(Number.isFinite(scores.summary[k]), k).toBe(true);
      expect(scores.summary[k], k).toBeGreaterThanOrEqual(0);
    }
    expect(scores.summary.band_sad).toBeLessThanOrEqual(scores.summary.sad);

    // The run is described: options, adapter, per-stage timings.
    expect(scores.run.plate).toBe(false);
    expect(scores.run.options.refineMode).toMatch(/^(sampling|thresholding|full)$/);
    expect(scores.run.adapter).toMatch(/\w/);
    for (const kind of ['stills', 'clips']) {
      expect(scores.run.stages[kind].total.median, kind).toBeGreaterThan(0);
      expect(scores.run.stages[kind].total.p95, kind).toBeGreaterThanOrEqual(scores.run.stages[kind].total.median);
    }
    expect(run.stdout).toMatch(/band SAD/);
    expect(run.stdout).toMatch(/dtSSD/);
  });

  test('bad arguments: one-line error, non-zero exit, nothing run', async () => {
    const set = sharedPath('eval/dev');
    const dir = tempDir('eval-bad');
    const cases: [string[], RegExp][] = [
      [['--out', join(dir, 'o1')], /--set is required/],
      [['--set', set], /--out is required/],
      [['--set', join(dir, 'nowhere'), '--out', join(dir, 'o2')], /index\.json: no such file/],
      [['--set', set, '--out', join(dir, 'o3'), '--ids', 'dev_00_0,nobody'], /"nobody" not in/],
      [['--set', set, '--out', join(dir, 'o4'), '--plate', '--no-plate'], /exclude each other/],
      [['--set', set, '--out', join(dir, 'o5'), '--refine-mode', 'most'], /Invalid option "refineMode"/],
      [['--set', set, '--out', join(dir, 'o6'), '--timeout', '0'], /--timeout/],
      [['--set', set, '--out', join(dir, 'o7'), '--frobnicate'], /Unknown option/],
    ];
    for (const [args, message] of cases) {
      const run = evaluate(args, 60_000);
      expect(run.status, args.join(' ')).not.toBe(0);
      const lines = run.stderr.trim().split('\n');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^eval: /);
      expect(lines[0]).toMatch(message);
    }
    for (const o of ['o1', 'o3', 'o4', 'o5', 'o6', 'o7']) expect(existsSync(join(dir, o)), o).toBe(false);
  });
});
