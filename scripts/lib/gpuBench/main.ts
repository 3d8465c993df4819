// The Node GPU bench's harness (bundled by scripts/lib/gpuBench/build.ts; run by
// `npm run bench:gpu` and by the GPU bundle's run.sh): the frame pipeline on Dawn, per stage.
//
//   node bench-gpu.mjs --dawn dawn.node --model selfie.onnx --ort ORT_DIR --still STILL_DIR \
//        --background PNG --masks DIR [--sizes …] [--frames N] [--warmup N] [--max-seconds S]
//        [--json FILE] [--table FILE] [--no-base-network]
//
// Exit status: 0 when every row was measured (the base-network row may be "not measured" with
// its reason: onnxruntime-web's WebGPU provider is optional); 1 when another row failed or the
// arguments are bad; 3 when there is no WebGPU adapter (no GPU, no Vulkan driver); 4 when
// dawn.node does not load.
import { parseGpuBenchArgs, USAGE, type GpuBenchArgs } from './args';
import { installDawn } from './dawn';
import { DAWN_LOAD_EXIT, fail } from './exit';

let args: GpuBenchArgs | null;
try {
  args = parseGpuBenchArgs(process.argv.slice(2));
} catch (err) {
  fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
}
if (!args) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
try {
  installDawn(args.dawn);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err), DAWN_LOAD_EXIT);
}
// The pipeline's modules read WebGPU's globals when they load: import them once Dawn is installed.
const { runBench } = await import('./bench');
runBench(args).then(
  (status) => process.exit(status),
  (err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
