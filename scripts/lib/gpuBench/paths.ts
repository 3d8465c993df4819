// Where the Node GPU bench finds its files in this repository, and how it runs its harness
// (shared by scripts/bench-gpu.ts and scripts/gpu-bundle.ts; not part of the bundled harness).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { ASSET_FILES } from '../../../src/assets';
import type { BenchFiles } from './args';
import { ROOT } from './build';
import { NO_ADAPTER_EXIT } from './exit';
import { readInstalled } from '../modelFiles';

/** The repository's git-ignored cache of the GPU bench: the built harness, the recorded masks. */
export const CACHE = join(ROOT, '.cache/gpu-bench');

/** The dev still the bench runs on (its image.png and plate.png), and the image-mode background. */
export const DEV_STILL = resolve(ROOT, '../shared/eval/dev/stills/dev_00_0');
export const DEV_BACKGROUND = resolve(ROOT, '../shared/eval/dev/stills/dev_01_0/plate.png');

/** Chromium's SwiftShader Vulkan driver (Debian's chromium package), or $SWIFTSHADER_ICD. */
export function swiftShaderIcd(): string {
  return process.env.SWIFTSHADER_ICD ?? '/usr/lib/chromium/vk_swiftshader_icd.json';
}

export type { BenchFiles };

/**
 * The installed dawn.node of the npm package `webgpu` for this platform.
 * @throws Error when the package or its binary for this platform is missing
 */
export function dawnNodePath(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('webgpu/package.json');
  } catch (err) {
    throw new Error('the npm package `webgpu` is not installed (a devDependency): run `npm install`', { cause: err });
  }
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  const path = join(dirname(pkg), 'dist', `${process.platform}-${arch}`, 'dawn.node');
  if (!existsSync(path)) throw new Error(`the npm package webgpu has no dawn.node for ${process.platform}-${arch} (${path})`);
  return path;
}

/** Robust Video Matting's graph as `npm run models:fetch -- rvm` installed it in public/models, or null when it is not installed. */
export function installedRvmGraph(): string | null {
  const models = join(ROOT, 'public/models');
  const entry = readInstalled(models).find((m) => m.id === 'rvm');
  const path = entry ? join(models, entry.file) : null;
  return path && existsSync(path) ? path : null;
}

/**
 * The files the harness reads from this checkout and ../shared.
 * @param masks where recorded masks are kept (the repository's cache by default)
 * @param rvm Robust Video Matting's graph (model.json): by default the installed one, if any
 * @throws Error naming what is missing and how to get it
 */
export function repoBenchFiles(masks = join(CACHE, 'masks'), rvm = installedRvmGraph()): BenchFiles {
  const files: BenchFiles = {
    dawn: dawnNodePath(),
    model: join(ROOT, 'public/models/selfie_segmentation_landscape.onnx'),
    ort: join(ROOT, 'public/ort'),
    still: DEV_STILL,
    background: DEV_BACKGROUND,
    masks,
    rvm,
  };
  if (rvm !== null && !existsSync(rvm)) throw new Error(`${rvm} is missing: Robust Video Matting's model.json (npm run models:fetch -- rvm installs it)`);
  const ortFiles = ASSET_FILES.filter((f) => f.startsWith('ort/')).map((f) => join(ROOT, 'public', f));
  for (const file of [files.model, ...ortFiles]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: \`npm install\` installs the model and onnxruntime-web's runtime into public/`);
  }
  for (const file of [join(files.still, 'image.png'), join(files.still, 'plate.png'), files.background]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: the bench runs on the dev set of ../shared/eval/dev`);
  }
  return files;
}

/** The harness's arguments for `files`. */
export function fileFlags(files: BenchFiles): string[] {
  const rvm = files.rvm === null ? [] : ['--rvm', files.rvm];
  return ['--dawn', files.dawn, '--model', files.model, '--ort', files.ort, '--still', files.still, '--background', files.background, '--masks', files.masks, ...rvm];
}

/**
 * Runs the built harness with `node` (this process's), its output on this process's. When it
 * finds no WebGPU adapter and VK_ICD_FILENAMES is not set, it runs again on Chromium's
 * SwiftShader (a machine without a GPU), saying so.
 * @returns the harness's exit status
 */
export async function runHarness(bench: string, args: readonly string[], log: (line: string) => void): Promise<number> {
  const once = (env: NodeJS.ProcessEnv): Promise<number> =>
    new Promise((done, fail) => {
      const child = spawn(process.execPath, [bench, ...args], { stdio: 'inherit', env });
      child.on('error', fail);
      child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
    });
  const status = await once(process.env);
  if (status !== NO_ADAPTER_EXIT || process.env.VK_ICD_FILENAMES) return status;
  const icd = swiftShaderIcd();
  if (!existsSync(icd)) return status;
  log(`no GPU adapter: running on Chromium's SwiftShader (VK_ICD_FILENAMES=${icd}): CPU-emulated WebGPU, not a GPU's speed`);
  return once({ ...process.env, VK_ICD_FILENAMES: icd });
}
