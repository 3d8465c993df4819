// The system Chromium (never Playwright's own download) with WebGPU on SwiftShader, or on
// the real GPU through Vulkan when gpu is true, or without WebGPU at all when webgpu is false.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from '@playwright/test';

/** Path of the Chromium binary: $CHROMIUM_PATH or /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/**
 * Chromium flags for headless WebGPU.
 * @param gpu true: the machine's GPU via Vulkan; false: SwiftShader (CPU)
 * @param fakeCameraY4m a .y4m file to use as the fake camera, if any
 * @param webgpu false: a browser without WebGPU, as many still are: the WebGPU flags are left
 *   out, so (on a machine without a GPU Chromium supports for WebGPU) `navigator.gpu` is there
 *   but requestAdapter() gives null; WebGL stays (on SwiftShader)
 */
export function chromiumArgs(gpu = false, fakeCameraY4m?: string, webgpu = true): string[] {
  const args = [
    ...(webgpu ? ['--enable-unsafe-webgpu'] : []),
    '--enable-features=Vulkan',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
  ];
  if (gpu) args.push('--use-angle=vulkan', '--ignore-gpu-blocklist');
  else args.push('--use-vulkan=swiftshader', ...(webgpu ? ['--use-webgpu-adapter=swiftshader'] : []));
  if (fakeCameraY4m) {
    args.push('--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${fakeCameraY4m}`);
  }
  return args;
}

/**
 * Launches headless Chromium (with WebGPU unless `webgpu` is false; see chromiumArgs).
 * @param options.extraArgs more Chromium flags, after chromiumArgs' (e.g. `--js-flags=--expose-gc`)
 * @throws Error with an install hint when the binary is missing
 */
export async function launchChromium(options: { gpu?: boolean; fakeCameraY4m?: string; webgpu?: boolean; extraArgs?: string[] } = {}): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...chromiumArgs(options.gpu, options.fakeCameraY4m, options.webgpu ?? true), ...(options.extraArgs ?? [])],
  });
}
