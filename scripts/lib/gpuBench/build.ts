// The Node GPU bench as one ES module: Vite bundles the harness (scripts/lib/gpuBench/main.ts)
// with the pipeline's stages and passes, turning the passes' WGSL `?raw` imports into strings,
// and onnxruntime-web's JavaScript; dawn.node and onnxruntime-web's wasm runtime stay files.
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { ortWasmNotInlined } from '../vite/ortWasmNotInlined';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../../..');

/** The bundle's file name in the output folder. */
export const BENCH_FILE = 'bench-gpu.mjs';

/**
 * Builds the bench into `outDir` (emptied first).
 * @returns the absolute path of the module to run with `node`
 * @throws whatever Vite throws (a missing module, a type the bundler cannot strip)
 */
export async function buildGpuBench(outDir: string): Promise<string> {
  await build({
    configFile: false,
    root: ROOT,
    publicDir: false,
    logLevel: 'warn',
    plugins: [ortWasmNotInlined()],
    ssr: { noExternal: true, target: 'node' },
    build: {
      ssr: join(ROOT, 'scripts/lib/gpuBench/main.ts'),
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: false,
      rollupOptions: { output: { format: 'es', entryFileNames: BENCH_FILE, codeSplitting: false } },
    },
  });
  return join(outDir, BENCH_FILE);
}
