import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ROOT, tempDir } from './support';

/** Runs `npm run soak -- ARGS` (the same script) and returns its exit status and output. */
function soak(args: string[], timeoutMs = 280_000): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/soak.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every number in a nested object of counts. */
function leaves(counts: object): number[] {
  return Object.values(counts).flatMap((v: unknown) => (typeof v === 'number' ? [v] : leaves(v as object)));
}

interface RealmFigures {
  realm: string;
  frames: { entered: Record<string, number> };
}

test.describe('soak command', () => {
  test('150 frames with every mode, view, background and plate action: no frame, heap or GPU object left behind', async () => {
    test.setTimeout(300_000);
    const json = join(tempDir('soak'), 'soak.json');
    const run = soak(['--frames', '150', '--json', json]);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    console.log(run.stdout);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.ok).toBe(true);
    expect(report.frames.end.processed).toBeGreaterThanOrEqual(150);
    expect(report.end.liveVideoFrames).toBe(0);
    expect(report.start.liveVideoFrames).toBe(0);
    expect(report.end.gpu).toEqual(report.start.gpu);
    expect(report.start.gpu.buffers + report.start.gpu.textures).toBeGreaterThan(0);
    expect(report.heapGrowth).toBeLessThanOrEqual(0.1);
    expect(report.start.heapUsed).toBeGreaterThan(0);
    expect(report.fps.start).toBeGreaterThan(0);
    expect(report.fps.end).toBeGreaterThan(0);
    expect(report.gcWarnings).toBe(0);
    expect(report.errors).toEqual([]);
    expect(Math.min(...leaves(report.scenario)), JSON.stringify(report.scenario)).toBeGreaterThanOrEqual(2);
    // The probes are really hooked up: more frames counted than processed, in the page and in the engine worker.
    expect(report.end.framesCounted).toBeGreaterThan(150);
    const realms = report.end.realms as RealmFigures[];
    expect(realms.map((r) => r.realm).sort()).toEqual(['engine', 'page', 'segmenter']);
    const engine = realms.find((r) => r.realm === 'engine')!;
    expect(engine.frames.entered.received).toBeGreaterThanOrEqual(150);
  });

  test('--inject-leak (a VideoFrame cloned and never closed) fails the run, showing it live', async () => {
    test.setTimeout(200_000);
    const json = join(tempDir('soak-leak'), 'soak.json');
    const run = soak(['--frames', '5', '--inject-leak', '--json', json], 190_000);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(1);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.end.liveVideoFrames).toBeGreaterThanOrEqual(1);
    expect(report.checks.find((c: { name: string }) => /live VideoFrames/.test(c.name)).ok).toBe(false);
  });

  test('bad arguments: one-line error, exit 1', async () => {
    const cases: [string[], RegExp][] = [
      [[], /--frames is required/],
      [['--frames', '0'], /--frames must be a positive integer/],
      [['--frames', '2.5'], /--frames must be a positive integer/],
      [['--frames', '10', '--size', '320'], /--size must be WxH/],
      [['--frames', '10', '--timeout', '0'], /--timeout must be a positive number/],
      [['--frames', '10', '--frobnicate'], /Unknown option/],
    ];
    for (const [args, message] of cases) {
      const run = soak(args, 60_000);
      expect(run.status, args.join(' ')).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0], args.join(' ')).toMatch(message);
    }
  });
});
