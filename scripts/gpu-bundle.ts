// npm run bundle:gpu -- [--out DIR] [--sizes 1280x720,1920x1080,3840x2160] [--xz-preset 0..9] [--rvm MODEL_JSON | --no-rvm]
// Makes the portable GPU bench bundle (scripts/lib/gpuBundle/make.ts): one folder of at most
// 60 MiB to copy onto a headless Linux machine with a GPU and run there with `./run.sh OUT_DIR`
// (README, "Measuring on a GPU"). Default folder: gpu-bundle/ (git-ignored). Robust Video Matting
// (GPL-3.0) goes in for the rvm rows when it is installed (npm run models:fetch -- rvm) or named
// by --rvm; --no-rvm leaves it out (the rvm rows then say they were not measured).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SIZES, parseBenchSizes } from './lib/gpuBench/args';
import { ROOT } from './lib/gpuBench/build';
import { makeGpuBundle, shown } from './lib/gpuBundle/make';

const USAGE = 'usage: npm run bundle:gpu -- [--out DIR] [--sizes 1280x720,1920x1080,3840x2160] [--xz-preset 0..9] [--rvm MODEL_JSON | --no-rvm]';
const log = (line: string): void => void process.stderr.write(`bundle:gpu: ${line}\n`);

function fail(message: string): never {
  log(message);
  process.exit(1);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      out: { type: 'string', default: resolve(ROOT, 'gpu-bundle') },
      sizes: { type: 'string', default: DEFAULT_SIZES },
      'xz-preset': { type: 'string', default: '6' },
      rvm: { type: 'string' },
      'no-rvm': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
}
if (values['no-rvm'] && values.rvm) fail(`--rvm and --no-rvm exclude each other\n${USAGE}`);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
let sizes;
try {
  sizes = parseBenchSizes(values.sizes);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
const started = performance.now();
try {
  const bundle = await makeGpuBundle({ out: resolve(values.out), sizes, xzPreset: Number(values['xz-preset']), busybox: process.env.BUSYBOX ?? '/bin/busybox', ...(values['no-rvm'] ? { rvm: null } : values.rvm ? { rvm: resolve(values.rvm) } : {}), log });
  const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  for (const f of bundle.files.filter((f) => f.bytes > 1e6)) log(`  ${f.path}: ${mib(f.bytes)}`);
  log(`${shown(bundle.dir)}: ${bundle.files.length} files, ${mib(bundle.bytes)}, made in ${((performance.now() - started) / 1000).toFixed(0)} s; copy the folder to the GPU machine and run ./run.sh OUT_DIR there`);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
