import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ROOT, sharedPath, tempDir } from './support';

/** Runs `npm run bench -- ARGS` (the same script) and returns its exit status and output. */
function bench(args: string[], timeoutMs = 170_000): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/bench.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface Row {
  id: string;
  timing: { frames: number; fps: number; medianMs: number; p95Ms: number };
  records: { index: number; ms: number }[];
  cpu: { main: number; workers: number; gpuProcess: number | null };
  heap: { page: number; workers: number | null };
  gpuMemory: { liveBytes: number } | null;
  ratio: { value: number; peer: string; frames: number[]; ours: number; theirs: number } | null;
  reasons: Record<string, string>;
}

test.describe('bench command', () => {
  test('a tiny run: every system timed on the same frames, the Twilio ratio from this run, quality columns in range', async () => {
    test.setTimeout(180_000);
    sharedPath('eval/dev');
    sharedPath('real/webcam_clips');
    const json = join(tempDir('bench'), 'bench.json');
    const run = bench(['--sizes', '640x360', '--frames', '3', '--warmup', '1', '--systems', 'ours-blur,twilio-blur,tasks-vision', '--stills', 'dev_00_0', '--clips', 'none', '--no-refine', '--no-bandwidth', '--json', json]);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    console.log(run.stdout);
    expect(run.stdout).toMatch(/^system\s+mode\s+backend\s+frames\s+fps/m);

    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.chromium).toMatch(/^\d+\./);
    expect(report.adapter).toMatch(/swiftshader/i);
    expect(report.args.sizes).toEqual([{ width: 640, height: 360 }]);
    expect(report.sizes).toHaveLength(1);
    const rows = report.sizes[0].rows as Row[];
    expect(rows.map((r) => r.id)).toEqual(['ours-blur', 'twilio-blur', 'tasks-vision']);
    for (const r of rows) {
      expect(r.timing.frames, r.id).toBe(3);
      expect(r.timing.fps, r.id).toBeGreaterThan(0);
      expect(r.timing.p95Ms, r.id).toBeGreaterThanOrEqual(r.timing.medianMs);
      expect(r.records.map((x) => x.index), r.id).toEqual([0, 1, 2]);
      expect(r.cpu.main, r.id).toBeGreaterThanOrEqual(0);
      expect(r.cpu.workers, r.id).toBeGreaterThanOrEqual(0);
      expect(r.heap.page, r.id).toBeGreaterThan(0);
    }
    const [ours, twilio, floor] = rows as [Row, Row, Row];
    expect(ours.gpuMemory!.liveBytes).toBeGreaterThan(0);
    expect(twilio.gpuMemory).toBeNull();
    expect(twilio.reasons.gpuMemory).toBeTruthy();
    // The ratio divides by Twilio's fps measured in this run, on the same frames.
    for (const r of [ours, floor]) {
      expect(r.ratio!.peer).toBe('twilio-blur');
      expect(r.ratio!.frames).toEqual([0, 1, 2]);
      expect(r.ratio!.theirs).toBeCloseTo(twilio.timing.fps, 9);
      expect(r.ratio!.value).toBeCloseTo(r.timing.fps / twilio.timing.fps, 9);
    }
    expect(twilio.ratio).toBeNull();

    for (const id of ['ours', 'twilio', 'tasks-vision']) {
      const q = report.quality[id];
      expect(q.stills.map((s: { id: string }) => s.id), id).toEqual(['dev_00_0']);
      expect(q.summary.sad, id).toBeGreaterThan(0);
      expect(q.summary.sad, id).toBeLessThan(100);
      expect(q.summary.band_sad, id).toBeGreaterThan(0);
      expect(q.summary.band_sad, id).toBeLessThanOrEqual(q.summary.sad);
      expect(q.summary.iou, id).toBeGreaterThan(0.5);
      expect(q.summary.iou, id).toBeLessThanOrEqual(1);
      expect(q.summary.clip_dtssd, id).toBeNull();
    }
    // Twilio composites linearly: its alpha comes back from black and white to within a level.
    const check = report.quality.twilio.alphaCheck;
    expect(check.notOpaque).toBe(0);
    expect(check.meanResidual).toBeLessThan(1);
    expect(check.meanChannelSpread).toBeLessThan(0.01);
    expect(report.bandwidth.measured).toBe(false);
    // Adaptive quality: on the pipeline fixed, 30 fps and a target between the fixed rate and the
    // last level's; then 30 fps with the default renderer (auto).
    const adaptive = report.adaptive;
    expect(adaptive.measured).toBe(true);
    type Run = { targetFps: number; renderer: string; path: string; levels: number[]; finalLevel: number; fps: number; held: boolean };
    const runs = adaptive.runs as Run[];
    expect(runs.map((r) => [r.targetFps, r.renderer])).toEqual([
      [0, 'webgpu'],
      [30, 'webgpu'],
      [adaptive.reachableTarget, 'webgpu'],
      [30, 'auto'],
    ]);
    const [fixedRun, at30, , asShipped] = runs;
    expect(fixedRun!.levels.every((l) => l === 0)).toBe(true);
    expect(runs.slice(0, 3).every((r) => r.path === 'webgpu')).toBe(true);
    // Slower than 30 fps at full quality (SwiftShader): the 30 fps run must have stepped down.
    if (fixedRun!.fps < 30) expect(at30!.finalLevel).toBeGreaterThan(0);
    // On a software adapter the default renderer takes the Canvas 2D path.
    if (/swiftshader|llvmpipe/i.test(report.adapter)) expect(asShipped!.path).toBe('canvas2d');
  });

  test('bad arguments: a one-line error and exit 1', async () => {
    const run = bench(['--sizes', '641x360'], 60_000);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^bench: --sizes: 641x360 has an odd side/);
  });
});
