// The Node GPU bench on Dawn, here on SwiftShader: `npm run bench:gpu` at a tiny size for one
// frame (every row must come out, measured, the rvm rows with the reference copy of Robust Video
// Matting in ../shared), then the portable GPU bundle made fresh without RVM and run through its
// entry point with no program of the machine's but /bin/sh (every other row again, the rvm rows
// saying why they were not measured), its retry with the bundled libraries and its refusal of a
// damaged copy. The bundle is made with
// xz's fastest preset (a preset is the only difference from `npm run bundle:gpu`'s default).
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_BACKGROUND, DEV_STILL, swiftShaderIcd } from '../../scripts/lib/gpuBench/paths';
import type { GpuBenchReport } from '../../scripts/lib/gpuBench/report';
import { ROW_IDS, ROWS } from '../../scripts/lib/gpuBench/rowSpecs';
import { isStaticElf } from '../../scripts/lib/gpuBundle/elf';
import { MAX_BUNDLE_BYTES } from '../../scripts/lib/gpuBundle/make';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const BUSYBOX = process.env.BUSYBOX ?? '/bin/busybox';
const TINY = '320x180';
const RVM_GRAPH = resolve(ROOT, '../shared/models/rvm_tfjs/model.json');
const RVM_ROWS: readonly string[] = ROWS.filter((r) => r.rvm).map((r) => r.id);

/** Why the bench cannot run here, or null when it can. */
function missingPrerequisite(): string | null {
  for (const file of [join(DEV_STILL, 'image.png'), join(DEV_STILL, 'plate.png'), DEV_BACKGROUND]) {
    if (!existsSync(file)) return `${file} is missing (../shared beside the checkout holds the test data)`;
  }
  if (!existsSync(join(ROOT, 'public/models/selfie_segmentation_landscape.onnx'))) return 'public/models is not installed (npm install)';
  if (!existsSync(RVM_GRAPH)) return `${RVM_GRAPH} is missing (../shared/models holds the reference copy of Robust Video Matting)`;
  if (!existsSync(swiftShaderIcd())) return `${swiftShaderIcd()} is missing (Debian's chromium package brings SwiftShader)`;
  if (!existsSync(BUSYBOX) || !isStaticElf(BUSYBOX)) return `${BUSYBOX} is not a static busybox (apt-get install busybox-static)`;
  return null;
}

const why = missingPrerequisite();
if (why && process.env.CI === 'true') throw new Error(`gpuBench: ${why}`);
if (why) console.log(`skipped: gpuBench: ${why}`);

const tmp = mkdtempSync(join(tmpdir(), 'gpu-bench-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a command to its end. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ status: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, env, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

/**
 * Every row of the tiny run measured, with the figures that say the rows did their work; with
 * `rvm` false, the rvm rows not measured, saying that Robust Video Matting is not installed.
 */
function expectEveryRow(report: GpuBenchReport, stdout: string, rvm: boolean): void {
  expect(report.adapter).toMatch(/swiftshader/i);
  expect(report.sizes.map((s) => `${s.width}x${s.height}`)).toEqual([TINY]);
  const [size] = report.sizes;
  expect(size!.rows.map((r) => r.id)).toEqual([...ROW_IDS]);
  for (const row of size!.rows) {
    if (RVM_ROWS.includes(row.id) && !rvm) {
      expect(row.error, row.id).toContain('Robust Video Matting is not installed');
      expect(stdout).toContain(`${row.label}: not measured — Robust Video Matting is not installed`);
      continue;
    }
    expect(row.error, row.id).toBeNull();
    expect(row.frames, row.id).toBe(1);
    expect(row.fps, row.id).toBeGreaterThan(0);
    expect(Number.isFinite(row.fps), row.id).toBe(true);
    expect(row.gpuMs, row.id).toBeGreaterThan(0);
    const stages = row.stages!;
    const prior = RVM_ROWS.includes(row.id) ? 'rvm' : 'upsample';
    expect(Object.keys(stages), row.id).toEqual(expect.arrayContaining(['import', prior, 'refine', 'temporal', 'composite']));
    for (const [name, ms] of Object.entries(stages)) expect(ms >= 0 && Number.isFinite(ms), `${row.id} ${name}: ${ms}`).toBe(true);
    expect(stdout, row.id).toContain(row.label);
  }
  const row = (id: string) => size!.rows.find((r) => r.id === id)!;
  // The stages each configuration must have run.
  expect(Object.keys(row('blur').stages!)).toEqual(expect.arrayContaining(['segment', 'roi', 'blur']));
  expect(Object.keys(row('image').stages!)).toEqual(expect.arrayContaining(['light-wrap']));
  // The background memory runs in its row only (its state after the row is printed).
  expect(Object.keys(row('memory').stages!)).toEqual(expect.arrayContaining(['memory', 'blur']));
  expect(Object.keys(row('blur').stages!)).not.toContain('memory');
  expect(stdout).toMatch(/^memory: /m);
  expect(Object.keys(row('plate').stages!)).toEqual(expect.arrayContaining(['plate', 'coarse']));
  expect(Object.keys(row('bgmv2').stages!)).toEqual(expect.arrayContaining(['bgmv2-base']));
  expect(Object.keys(row('bgmv2').stages!)).not.toContain('segment');
  // Sparse refinement works on a budget of the tiles, full on all of them.
  expect(row('plate-full').tileShare).toBe(1);
  for (const id of ['plate', 'bgmv2']) {
    expect(row(id).tileShare, id).toBeGreaterThan(0);
    expect(row(id).tileShare, id).toBeLessThanOrEqual(0.2);
  }
  expect(size!.sparseFullRatio).toBeGreaterThan(0);
  expect(size!.sparseFullRatio).toBeLessThan(1);
  // The base network ran on the device and agrees with its CPU run.
  expect(report.baseNetworkNote).toBeNull();
  expect(report.baseNetworkMaxDifference).toBeLessThanOrEqual(1e-3);
  expect(size!.baseNetworkMs).toBeGreaterThan(0);
  if (rvm) {
    // RVM replaces the segmentation prior; with refineBudget 0 nothing is refined.
    for (const id of RVM_ROWS) expect(Object.keys(row(id).stages!), id).not.toContain('segment');
    expect(row('rvm-alone').tileShare).toBe(0);
  }
  expect(stdout).toContain('sparse / full refine:');
  expect(report.targets.map((t) => t.what)).toContain('sparse / full refine');
}

describe.skipIf(why !== null)('the Node GPU bench on SwiftShader', () => {
  it('npm run bench:gpu: every row at 320×180 for one frame, the masks recorded by the real base network', async () => {
    const json = join(tmp, 'bench.json');
    const masks = join(tmp, 'masks');
    const env = { ...process.env, VK_ICD_FILENAMES: swiftShaderIcd() };
    // RVM on SwiftShader is slow: 1–2.5 minutes a row at this size (447 s for the whole run beside two evals).
    const r = await run(process.execPath, [TSX, 'scripts/bench-gpu.ts', '--sizes', TINY, '--frames', '1', '--warmup', '0', '--masks', masks, '--json', json, '--rvm', RVM_GRAPH], env, 900_000);
    console.log(`bench:gpu at ${TINY}, one frame: ${r.seconds.toFixed(0)} s`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${TINY}: recording the base network's masks`);
    expect(readdirSync(masks).filter((f) => f.endsWith('.f32'))).toHaveLength(1);
    expectEveryRow(JSON.parse(readFileSync(json, 'utf8')) as GpuBenchReport, r.stdout, true);
  }, 960_000);

  it('the GPU bundle, made fresh, runs every row through run.sh with /bin/sh and its own programs only', async () => {
    const bundle = join(tmp, 'bundle');
    const made = await run(process.execPath, [TSX, 'scripts/gpu-bundle.ts', '--out', bundle, '--sizes', TINY, '--xz-preset', '0', '--no-rvm'], process.env, 240_000);
    console.log(`bundle:gpu (xz -0): ${made.seconds.toFixed(0)} s`);
    expect(made.status, made.stderr).toBe(0);
    const sums = readFileSync(join(bundle, 'SHA256SUMS'), 'utf8');
    for (const file of ['run.sh', 'bin/busybox', 'bench/bench-gpu.mjs', 'payload/node.xz', 'payload/dawn.node.xz', 'payload/lib/libvulkan.so.1.xz', 'payload/ort/ort-wasm-simd-threaded.asyncify.wasm.xz']) {
      expect(sums, file).toContain(`  ${file}\n`);
    }
    const bytes = sums.split('\n').filter(Boolean).reduce((total, line) => total + readFileSync(join(bundle, line.slice(66))).length, 0);
    console.log(`the bundle: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    expect(bytes).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);

    // No PATH: every program run.sh uses is the bundle's busybox; the Vulkan loader and C++
    // runtime are the bundle's; SwiftShader stands in for the GPU machine's driver.
    const out = join(tmp, 'out');
    const bare = { PATH: '/nonexistent', VK_ICD_FILENAMES: swiftShaderIcd(), BG_GPU_BUNDLE_LIBS: 'bundled' };
    const r = await run('/bin/sh', [join(bundle, 'run.sh'), out, '--sizes', TINY, '--frames', '1', '--warmup', '0'], bare, 240_000);
    console.log(`run.sh at ${TINY}, one frame: ${r.seconds.toFixed(0)} s`);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'bench-gpu.json'), 'utf8')) as GpuBenchReport;
    expectEveryRow(report, r.stdout, false);
    expect(existsSync(join(bundle, 'model/rvm'))).toBe(false);
    expect(report.vulkanLoader).toContain(join(bundle, '.unpacked/lib/'));
    expect(r.stderr).not.toContain('recording the base network'); // the bundle brought its masks
    expect(readFileSync(join(out, 'bench-gpu.txt'), 'utf8').trim()).toBe(r.stdout.trim());
    expect(readFileSync(join(out, 'environment.txt'), 'utf8')).toContain('BG_GPU_BUNDLE_LIBS=bundled');

    // No adapter with the machine's libraries: run.sh retries with the bundle's, then gives the bench's status.
    const none = await run('/bin/sh', [join(bundle, 'run.sh'), join(tmp, 'out-none')], { PATH: '/nonexistent', VK_ICD_FILENAMES: join(tmp, 'no-such-icd.json') }, 60_000);
    expect(none.status, none.stderr).toBe(3);
    expect(none.stderr).toContain("retrying with the bundle's Vulkan loader");

    // A damaged copy is refused before anything runs.
    appendFileSync(join(bundle, 'data/background.png'), 'x');
    const damaged = await run('/bin/sh', [join(bundle, 'run.sh'), join(tmp, 'out-damaged')], { PATH: '/nonexistent' }, 60_000);
    expect(damaged.status).toBe(2);
    expect(damaged.stderr).toContain('differ from SHA256SUMS');
  }, 420_000);
});
