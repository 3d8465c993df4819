// npm run bench:backends -- [--still DIR] [--sizes 1280x720,1920x1080] [--frames N] [--warmup N] [--gpu] [--json FILE]
// A measurement, not a test: the engine's time per frame with each base-network backend
// (onnx-webgpu and tasks-vision), in one browser run, at each size: the real pipeline
// (import → base network with its ROI passes → matting → blur → composite → output
// VideoFrame) on a dev still resized to the size, `warmup` frames untimed, then `frames`
// timed frames per backend, backends alternating per size. Prints medians per stage and the
// ratio onnx-webgpu / tasks-vision. SwiftShader by default; --gpu uses the machine's GPU.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from '@playwright/test';
import { PNG } from 'pngjs';
import type { Backend } from '../src/options';
import { chromiumArgs, chromiumPath } from './lib/browser';
import type { BackendBench } from './lib/gpuBenchProtocol';
import { ROOT, startReplayServer, type ReplayServer } from './lib/replayServer';
import { summarise } from './lib/stats';

const USAGE = 'usage: npm run bench:backends -- [--still DIR] [--sizes 1280x720,1920x1080] [--frames N] [--warmup N] [--gpu] [--json FILE]';

function fail(message: string): never {
  console.error(`bench-backends: ${message.split('\n')[0]}`);
  process.exit(1);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        still: { type: 'string', default: resolve(ROOT, '../shared/eval/dev/stills/dev_00_0') },
        sizes: { type: 'string', default: '1280x720,1920x1080' },
        frames: { type: 'string', default: '10' },
        warmup: { type: 'string', default: '3' },
        gpu: { type: 'boolean', default: false },
        json: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  const frames = Number(args.frames);
  const warmup = Number(args.warmup);
  if (!Number.isInteger(frames) || frames < 1) fail(`--frames must be a positive integer, got ${args.frames}`);
  if (!Number.isInteger(warmup) || warmup < 0) fail(`--warmup must be a non-negative integer, got ${args.warmup}`);
  const sizes = args.sizes.split(',').map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) fail(`--sizes: "${s}" is not WIDTHxHEIGHT`);
    return { width: Number(m[1]), height: Number(m[2]) };
  });
  let png;
  const imagePath = resolve(args.still, 'image.png');
  try {
    png = PNG.sync.read(readFileSync(imagePath));
  } catch (err) {
    fail(`cannot read ${imagePath}: ${err instanceof Error ? err.message : String(err)}`);
  }

  let server: ReplayServer | null = null;
  let browser: Browser | null = null;
  const runs: BackendBench[] = [];
  try {
    server = await startReplayServer();
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: chromiumArgs(args.gpu) });
    const page = await browser.newPage();
    let pageError: string | null = null;
    page.on('pageerror', (err) => (pageError = err.message));
    await page.goto(`${server.url}test/gpu/harness.html`);
    await page.waitForFunction(() => 'segmentCases' in window, null, { timeout: 60_000 });
    const rgba = png.data.toString('base64');
    for (const size of sizes) {
      for (const backend of ['onnx-webgpu', 'tasks-vision'] as const satisfies readonly Backend[]) {
        const r = await page.evaluate((o) => window.segmentCases.benchBackend(o), {
          rgba,
          srcWidth: png.width,
          srcHeight: png.height,
          ...size,
          backend,
          frames,
          warmup,
        });
        if (pageError) fail(`page error: ${pageError}`);
        const s = summarise(r.frames);
        console.log(
          `bench-backends: ${size.width}×${size.height} ${backend.padEnd(12)} total ${s.total!.median.toFixed(1)} ms (p95 ${s.total!.p95.toFixed(1)}), ` +
            `segment ${s.segment!.median.toFixed(1)}, gpu ${s.gpu!.median.toFixed(1)}, import ${s.import!.median.toFixed(1)}; output ${r.outputPath}`,
        );
        runs.push(r);
      }
    }
  } finally {
    await browser?.close();
    await server?.close();
  }
  const table = sizes.map((size) => {
    const at = (backend: string): BackendBench => runs.find((r) => r.backend === backend && r.width === size.width && r.height === size.height)!;
    const onnx = summarise(at('onnx-webgpu').frames);
    const tasks = summarise(at('tasks-vision').frames);
    const ratio = onnx.total!.median / tasks.total!.median;
    console.log(`bench-backends: ${size.width}×${size.height}: onnx-webgpu / tasks-vision time per frame = ${ratio.toFixed(3)}`);
    return { ...size, onnxWebgpu: onnx, tasksVision: tasks, ratio };
  });
  const adapter = runs[0]?.adapter ?? 'unknown';
  console.log(`bench-backends: adapter ${adapter}, ${frames} timed frames after ${warmup} warm-up per backend and size`);
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ adapter, still: args.still, frames, warmup, sizes: table, runs }, null, 2)}\n`);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
