// The app in a browser without WebGPU: the engine falls back to the Canvas 2D path (tasks-vision
// mask, OffscreenCanvas compositing) and says so, instead of passing the camera through.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { launchChromium } from '../../scripts/lib/browser';
import { readAlphaPng } from '../../scripts/lib/png';
import type { SupportReport } from '../../src/support';
import type { EngineInfo } from '../../src/worker/protocol';
import { erode, grabFrame, highFrequencyEnergy, meanOver, sharedPath, syntheticY4m, tempDir, toY4m, type Rgba } from './support';

/** What WebGPU the page and a worker of it see: whether navigator.gpu exists, and whether it gives an adapter. */
async function probeWebGpu(page: Page): Promise<{ page: string; worker: string }> {
  return page.evaluate(async () => {
    const source = `(async () => {
      const gpu = self.navigator.gpu;
      if (!gpu) return 'no navigator.gpu';
      return (await gpu.requestAdapter()) ? 'adapter' : 'no adapter';
    })().then((r) => postMessage(r), (e) => postMessage('error: ' + e));`;
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const worker = new Worker(url);
    try {
      const inWorker = await new Promise<string>((resolve, reject) => {
        worker.onmessage = (event) => resolve(String(event.data));
        worker.onerror = (event) => reject(new Error(`probe worker failed: ${event.message}`));
      });
      const gpu = navigator.gpu;
      const inPage = !gpu ? 'no navigator.gpu' : (await gpu.requestAdapter()) ? 'adapter' : 'no adapter';
      return { page: inPage, worker: inWorker };
    } finally {
      worker.terminate();
      URL.revokeObjectURL(url);
    }
  });
}

/** What isSupported() (the package's) says in `page`. */
async function isSupportedIn(page: Page): Promise<SupportReport> {
  const support = await page.evaluate(async (url) => {
    const { isSupported } = (await import(/* @vite-ignore */ url)) as typeof import('../../src/support');
    return isSupported();
  }, '/src/support.ts');
  console.log(`isSupported(): ${JSON.stringify(support)}`);
  return support;
}

/** Waits until the app has processed `frames` frames, or shown an error (which the caller then reports). */
async function waitProcessedOrError(page: Page, frames: number): Promise<void> {
  await page.waitForFunction((n) => (window.__app?.stats?.processed ?? 0) >= n || (window.__app?.errors.length ?? 0) > 0, frames, {
    timeout: 150_000,
    polling: 250,
  });
  expect(await page.evaluate(() => window.__app!.errors.map((e) => e.message))).toEqual([]);
}

/** Mean R, G and B (0..255) over the pixels where `region` is 1. */
function meanRgb(img: Rgba, region: Uint8Array): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < region.length; i++) {
    if (!region[i]) continue;
    for (let c = 0; c < 3; c++) sum[c]! += img.data[4 * i + c]!;
    n++;
  }
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

/** Mean absolute difference (0..255) of the RGB channels of two images over the pixels where `region` is 1. */
function meanAbsDiff(a: Rgba, b: Rgba, region: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < region.length; i++) {
    if (!region[i]) continue;
    for (let c = 0; c < 3; c++) sum += Math.abs(a.data[4 * i + c]! - b.data[4 * i + c]!);
    n += 3;
  }
  return sum / n;
}

/** Removes navigator.gpu and the GPU* globals from the scope it runs in (a page or a worker). */
const REMOVE_WEBGPU = `for (const name of Object.getOwnPropertyNames(self)) if (name.startsWith('GPU')) delete self[name];
for (const type of [self.Navigator, self.WorkerNavigator]) if (type) delete type.prototype.gpu;`;

/**
 * Makes `page` behave like a browser with no WebGPU API at all (Firefox, older Safari): runs
 * REMOVE_WEBGPU in the page and, through a wrapper module served in place of the worker entries
 * the page starts (it imports a module running REMOVE_WEBGPU, then the real entry), in the
 * engine worker before any of its modules load. (The segmenter worker the engine starts is not
 * intercepted; tasks-vision does not use WebGPU.) Chromium's flags cannot do this: navigator.gpu
 * stays in every secure context.
 */
async function removeWebGpuApi(page: Page): Promise<void> {
  await page.addInitScript(REMOVE_WEBGPU);
  await page.route('**/__remove-webgpu.js', (route) => route.fulfill({ body: REMOVE_WEBGPU, contentType: 'text/javascript' }));
  await page.route(/\/src\/[\w/]+\.worker\.ts\?worker_file/, async (route) => {
    const url = route.request().url();
    if (url.endsWith('&webgpu-removed')) return route.continue();
    const body = `import '/__remove-webgpu.js';\nimport ${JSON.stringify(`${url}&webgpu-removed`)};`;
    return route.fulfill({ body, contentType: 'text/javascript' });
  });
}

test('without WebGPU the app blurs on the Canvas 2D path and says so (dev still as the camera)', async ({ baseURL }) => {
  test.setTimeout(240_000);
  const still = sharedPath('eval/dev/stills/dev_00_0');
  const y4m = toY4m(join(still, 'image.png'), join(tempDir('no-webgpu'), 'still.y4m'), { still: true, frames: 45 });
  const gt = readAlphaPng(join(still, 'alpha.png'));
  const browser = await launchChromium({ fakeCameraY4m: y4m, webgpu: false });
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(baseURL!);
    const webgpu = await probeWebGpu(page);
    console.log(`WebGPU in the test browser: ${JSON.stringify(webgpu)}`);
    expect(['no navigator.gpu', 'no adapter']).toContain(webgpu.page);
    expect(['no navigator.gpu', 'no adapter']).toContain(webgpu.worker);
    const support = await isSupportedIn(page);
    expect(support).toMatchObject({ supported: true, webgpu: false, softwareAdapter: null, adapter: null, renderer: 'canvas2d', insertableStreams: true });
    expect(support.reasons.join(' ')).toMatch(/WebGPU/);

    await waitProcessedOrError(page, 3);
    const info: EngineInfo = await page.evaluate(() => window.__app!.replacer!.whenReady());
    const stats = await page.evaluate(() => window.__app!.stats!);
    console.log(`engine: ${JSON.stringify(info)}; last frame ${JSON.stringify(stats.last)}`);
    expect(info.renderer).toBe('canvas2d');
    expect(info.notice).toMatch(/WebGPU/);
    expect(info.notice).toMatch(/Canvas 2D/);
    expect(info.backend).toBe('tasks-vision');
    expect(stats.ready).toBe(true);
    expect(stats.processed).toBeGreaterThan(0);
    expect(stats.adapter).toBe('none (Canvas 2D)');
    expect(stats.last!.gpu).toBe(0);
    expect(stats.renderer).toBe('canvas2d');
    await expect(page.getByTestId('engine-notice')).toContainText(info.notice!);

    const input = await grabFrame(page, 'input');
    const output = await grabFrame(page, 'output');
    expect([output.width, output.height]).toEqual([gt.width, gt.height]);
    // Regions well inside the person and well away from them (ground truth, eroded).
    const person = erode((i) => gt.alpha[i]! >= 0.999, gt.width, gt.height, 6);
    const background = erode((i) => gt.alpha[i]! <= 0.001, gt.width, gt.height, 24);
    const bgRatio = highFrequencyEnergy(output, background) / highFrequencyEnergy(input, background);
    const personRatio = highFrequencyEnergy(output, person) / highFrequencyEnergy(input, person);
    const personDiff = meanAbsDiff(output, input, person);
    console.log(`high-frequency energy out/in: background ${bgRatio.toFixed(3)}, person ${personRatio.toFixed(3)}; person |out − in| ${personDiff.toFixed(2)}/255`);
    expect(bgRatio).toBeLessThan(0.25);
    expect(personRatio).toBeGreaterThan(0.8);
    expect(personDiff).toBeLessThan(6);

    await page.evaluate(() => window.__app!.replacer!.setOptions({ view: 'pha' }));
    const pha = await grabFrame(page, 'output');
    const alphaPerson = meanOver(pha, person);
    const alphaBackground = meanOver(pha, background);
    console.log(`alpha: person ${alphaPerson.toFixed(3)}, background ${alphaBackground.toFixed(3)}`);
    expect(alphaPerson).toBeGreaterThan(0.9);
    expect(alphaBackground).toBeLessThan(0.05);

    await page.evaluate(() => window.__app!.replacer!.setOptions({ view: 'com', mode: 'color', color: '#ff0000' }));
    const colored = await grabFrame(page, 'output');
    const [r, g, b] = meanRgb(colored, background);
    expect(r).toBeGreaterThan(245);
    expect(Math.max(g, b)).toBeLessThan(10);
    expect(meanAbsDiff(colored, input, person)).toBeLessThan(6);

    expect(await page.evaluate(() => window.__app!.errors.map((e) => e.message))).toEqual([]);
    expect(pageErrors).toEqual([]);
  } finally {
    await browser.close();
  }
});

test('with no WebGPU API at all (no navigator.gpu, no GPU* globals) the engine starts on the Canvas 2D path', async ({ baseURL }) => {
  const y4m = syntheticY4m(join(tempDir('no-webgpu-api'), 'cam.y4m'));
  const browser = await launchChromium({ fakeCameraY4m: y4m, webgpu: false });
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await removeWebGpuApi(page);
    await page.goto(baseURL!);
    expect(await page.evaluate(() => 'gpu' in navigator || 'GPUShaderStage' in self)).toBe(false);
    const support = await isSupportedIn(page);
    expect(support).toMatchObject({ supported: true, webgpu: false, renderer: 'canvas2d' });
    expect(support.reasons).toContain('No WebGPU in this browser: the Canvas 2D path runs instead.');
    await waitProcessedOrError(page, 3);
    const info: EngineInfo = await page.evaluate(() => window.__app!.replacer!.whenReady());
    console.log(`engine: ${JSON.stringify(info)}`);
    expect(info.renderer).toBe('canvas2d');
    // The engine worker itself saw no navigator.gpu.
    expect(info.notice).toMatch(/^WebGPU is not available in this browser/);
    expect(await page.evaluate(() => window.__app!.errors.map((e) => e.message))).toEqual([]);
    expect(pageErrors).toEqual([]);
  } finally {
    await browser.close();
  }
});

// The engine alone, in a page of the app's origin with WebGPU (SwiftShader): after the device is
// lost, no adapter is to be had any more; the engine switches to the Canvas 2D path.
test('a lost GPU device that cannot be replaced: the engine goes on on the Canvas 2D path', async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  const still = join(sharedPath('eval/dev/stills/dev_00_0'), 'image.png');
  await page.route(`${baseURL}blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  await page.route('**/__still.png', (route) => route.fulfill({ body: readFileSync(still), contentType: 'image/png' }));
  await page.goto(`${baseURL}blank`);
  const r = await page.evaluate(async ([engineUrl, optionsUrl]) => {
    const { Engine } = (await import(/* @vite-ignore */ engineUrl)) as typeof import('../../src/worker/engine');
    const { resolveOptions } = (await import(/* @vite-ignore */ optionsUrl)) as typeof import('../../src/options');
    const image = await createImageBitmap(await (await fetch('/__still.png')).blob(), { resizeWidth: 320, resizeHeight: 180, resizeQuality: 'high' });
    const meanAlpha = (data: Uint8Array): number => data.reduce((a, b) => a + b, 0) / data.length / 255;
    const engine = new Engine();
    try {
      const info = await engine.init(resolveOptions({ mode: 'blur', backend: 'tasks-vision', temporalSmoothing: 0, targetFps: 0 }), { base: new URL('/', location.href).href, files: {} });
      const run = async (i: number): Promise<{ outputPath: string; alpha: number }> => {
        const result = await engine.process(new VideoFrame(image, { timestamp: i }), ['pha']);
        result.frame.close();
        return { outputPath: result.outputPath, alpha: meanAlpha(result.readbacks!.pha!.data) };
      };
      const before = await run(0);
      navigator.gpu.requestAdapter = async () => null;
      (engine as unknown as { gpu: { device: GPUDevice } }).gpu.device.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const outcomes: string[] = [];
      let alphaAfter = Number.NaN;
      for (let i = 1; i <= 3; i++) {
        try {
          const after = await run(i);
          outcomes.push(after.outputPath);
          alphaAfter = after.alpha;
        } catch (err) {
          outcomes.push(`${(err as { code?: string }).code ?? (err as Error).name}: ${(err as Error).message}`);
        }
      }
      // A new backend choice returns the engine's info, which now describes the Canvas 2D path.
      const infoAfter = await engine.setOptions(resolveOptions({ mode: 'blur', backend: 'auto', temporalSmoothing: 0, targetFps: 0 }));
      return { rendererBefore: info.renderer, outputBefore: before.outputPath, alphaBefore: before.alpha, outcomes, alphaAfter, infoAfter };
    } finally {
      image.close();
      await engine.dispose();
    }
  }, ['/src/worker/engine.ts', '/src/options.ts'] as const);
  console.log(`device lost, no adapter: ${JSON.stringify(r)}`);
  expect(r.rendererBefore).toBe('webgpu');
  expect(r.outputBefore).not.toBe('canvas2d');
  // At most the first frame after the loss may fail; then the Canvas 2D path runs.
  expect(r.outcomes.slice(1)).toEqual(['canvas2d', 'canvas2d']);
  expect(r.infoAfter?.renderer).toBe('canvas2d');
  expect(r.infoAfter?.notice).toMatch(/^The GPU device was lost and no new one could be had: No WebGPU adapter/);
  // The same person is found (the WebGPU path refines the edges; the mask alone does not).
  expect(r.alphaBefore).toBeGreaterThan(0.05);
  expect(Math.abs(r.alphaAfter - r.alphaBefore)).toBeLessThan(0.03);
});

// options.renderer: the Canvas 2D path chosen where WebGPU works (e.g. a software adapter), and
// the switch back to WebGPU through setOptions.
test('renderer canvas2d is honoured with WebGPU present, and setOptions switches back to WebGPU', async ({ baseURL }) => {
  test.setTimeout(180_000);
  const y4m = syntheticY4m(join(tempDir('renderer-option'), 'cam.y4m'));
  const browser = await launchChromium({ fakeCameraY4m: y4m });
  try {
    const page = await browser.newPage();
    await page.goto(`${baseURL}?renderer=webgpu`);
    await waitProcessedOrError(page, 2);
    expect((await page.evaluate(() => window.__app!.replacer!.whenReady())).renderer).toBe('webgpu');
    await page.evaluate(() => window.__app!.replacer!.setOptions({ renderer: 'canvas2d' }));
    await page.waitForFunction(() => window.__app?.stats?.renderer === 'canvas2d', null, { timeout: 60_000 });
    const processed = await page.evaluate(() => window.__app!.stats!.processed);
    await page.waitForFunction((n) => window.__app!.stats!.processed >= n + 3, processed, { timeout: 60_000 });
    expect(await page.evaluate(() => window.__app!.stats!.last!.gpu)).toBe(0);
    await page.evaluate(() => window.__app!.replacer!.setOptions({ renderer: 'webgpu' }));
    await page.waitForFunction(() => window.__app?.stats?.renderer === 'webgpu', null, { timeout: 60_000 });
    const again = await page.evaluate(() => window.__app!.stats!.processed);
    await page.waitForFunction((n) => window.__app!.stats!.processed >= n + 2, again, { timeout: 90_000 });
    expect(await page.evaluate(() => window.__app!.stats!.last!.gpu)).toBeGreaterThan(0);
    expect(await page.evaluate(() => window.__app!.errors.map((e) => e.message))).toEqual([]);
  } finally {
    await browser.close();
  }
});

// renderer auto on a software adapter (SwiftShader here) with the app's real-time target: the
// Canvas 2D path, and a notice that says why; with adaptive quality off (targetFps 0) the pipeline.
test('renderer auto picks the Canvas 2D path on a software adapter for real time, the pipeline at full quality', async ({ baseURL }) => {
  test.setTimeout(180_000);
  const y4m = syntheticY4m(join(tempDir('renderer-auto'), 'cam.y4m'));
  const browser = await launchChromium({ fakeCameraY4m: y4m });
  try {
    const page = await browser.newPage();
    await page.goto(baseURL!);
    await waitProcessedOrError(page, 3);
    const info: EngineInfo = await page.evaluate(() => window.__app!.replacer!.whenReady());
    expect(info.renderer).toBe('canvas2d');
    expect(info.notice).toMatch(/software one \(google swiftshader\)/i);
    await expect(page.getByTestId('engine-notice')).toContainText('Canvas 2D');
    // Adaptive quality off: full quality, so the WebGPU pipeline.
    await page.getByTestId('adaptive-toggle').uncheck();
    await page.waitForFunction(() => window.__app?.stats?.renderer === 'webgpu', null, { timeout: 90_000 });
    expect(await page.evaluate(() => window.__app!.errors.map((e) => e.message))).toEqual([]);
  } finally {
    await browser.close();
  }
});
