// npm run bench:gpu -- [--sizes 1280x720,1920x1080,3840x2160] [--frames N] [--warmup N] [--max-seconds S]
//                      [--json FILE] [--table FILE] [--no-base-network]
// The frame pipeline's GPU time per stage, in plain Node on Dawn (the npm package `webgpu`):
// builds the harness (scripts/lib/gpuBench/, bundled by Vite into .cache/gpu-bench/build/) and
// runs it on this checkout's files: the dev still dev_00_0 and its plate (../shared/eval/dev),
// the base network (public/models) and onnxruntime-web's runtime (public/ort), the recorded masks
// in .cache/gpu-bench/masks (recorded on the first run at each size). Without a GPU adapter it
// runs on Chromium's SwiftShader. The portable bundle for GPU machines: scripts/gpu-bundle.ts.
import { join } from 'node:path';
import { buildGpuBench } from './lib/gpuBench/build';
import { CACHE, fileFlags, repoBenchFiles, runHarness } from './lib/gpuBench/paths';

const log = (line: string): void => void process.stderr.write(`bench:gpu: ${line}\n`);

let files;
try {
  files = repoBenchFiles();
} catch (err) {
  log(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
const bench = await buildGpuBench(join(CACHE, 'build'));
process.exit(await runHarness(bench, [...fileFlags(files), ...process.argv.slice(2)], log));
