// The package as an app installs it: `npm run build:lib && npm pack`, then a project in a
// temporary folder outside this repository installs only the tarball and Vite, builds pages made of
// the README's snippets (the plain example, the element, assetsPath with a folder made by
// `npx bg-replacer copy-assets`), serves them with the README's Content-Security-Policy, and a
// fake camera checks that frames are processed and that no request leaves the origin.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { launchChromium } from '../../scripts/lib/browser';
import { readAlphaPng } from '../../scripts/lib/png';
import { readmeSnippet } from '../lib/readme';
import { erode, highFrequencyEnergy, ROOT, sharedPath, tempDir, toY4m, type Rgba } from './support';

const PORT = 5391;
const ORIGIN = `http://127.0.0.1:${PORT}/`;
const WIDTH = 640;
const HEIGHT = 360;

/** Runs a command to completion. @throws Error with its output when it fails */
function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' }, maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** A page of the consumer project: the snippet as its body. */
function page(title: string, snippet: string): string {
  return `<!doctype html>\n<html>\n<head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n${snippet}</body>\n</html>\n`;
}

let project = '';
let server: ChildProcess | null = null;
let y4m = '';
let regions: { person: Uint8Array; background: Uint8Array } | null = null;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(600_000);
  const still = sharedPath('eval/dev/stills/dev_00_0');
  y4m = toY4m(join(still, 'image.png'), join(tempDir('package-cam'), 'still.y4m'), { still: true, frames: 30, size: [WIDTH, HEIGHT] });
  // Ground-truth regions at the camera's size (the still is 1280×720: every other pixel).
  const gt = readAlphaPng(join(still, 'alpha.png'));
  const step = gt.width / WIDTH;
  const alpha = (i: number): number => gt.alpha[Math.floor(i / WIDTH) * step * gt.width + (i % WIDTH) * step]!;
  regions = {
    person: erode((i) => alpha(i) >= 0.999, WIDTH, HEIGHT, 3),
    background: erode((i) => alpha(i) <= 0.001, WIDTH, HEIGHT, 12),
  };

  // The tarball, as `npm run build:lib && npm pack` makes it.
  run('npm', ['run', 'build:lib'], ROOT);
  const packDir = tempDir('pack');
  // npm pack runs `prepare` (the models' install check), which prints before the JSON report.
  const packOut = run('npm', ['pack', '--json', '--pack-destination', packDir], ROOT);
  const [packed] = JSON.parse(packOut.slice(packOut.search(/^\[/m))) as { filename: string; size: number; unpackedSize: number; files: { path: string; size: number }[] }[];
  const tarball = join(packDir, packed!.filename);
  console.log(`tarball ${packed!.filename}: ${(packed!.size / 1e6).toFixed(1)} MB packed, ${(packed!.unpackedSize / 1e6).toFixed(1)} MB unpacked, ${packed!.files.length} files:`);
  for (const f of packed!.files) console.log(`  ${f.path} ${(f.size / 1e3).toFixed(1)} kB`);
  expect(packed!.files.some((f) => f.path.startsWith('src/'))).toBe(false);

  // A project outside the repository with only the tarball and Vite.
  project = tempDir('consumer');
  const viteVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules/vite/package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  const tsVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules/typescript/package.json'), 'utf8')) as { version: string }).version;
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `vite@${viteVersion}`, `typescript@${tsVersion}`], project);
  const installed = JSON.parse(readFileSync(join(project, 'node_modules/bg-replacer/package.json'), 'utf8')) as { dependencies?: object; scripts?: Record<string, string> };
  expect(Object.keys(installed.dependencies ?? {}), 'the package depends on lit only (the element\'s base class)').toEqual(['lit']);
  expect(Object.keys(installed.scripts ?? {}).filter((s) => /^(pre|post)?install$/.test(s)), 'install scripts a consumer would run').toEqual([]);

  // The declarations, strictly, without skipLibCheck: the root, the element and their types.
  writeFileSync(
    join(project, 'check.ts'),
    `import { createBackgroundReplacer, isSupported, ReplacerError, type BackgroundReplacer, type ReplacerStats, type SupportReport, type ErrorCode } from 'bg-replacer';
import { BgReplacerElement } from 'bg-replacer/element';

const support: SupportReport = await isSupported();
const replacer: BackgroundReplacer = await createBackgroundReplacer({ mode: 'blur', blurStrength: 'medium', assetsPath: '/static/bg-replacer/' });
const stats: ReplacerStats = replacer.stats;
const element: BgReplacerElement = document.createElement('bg-replacer');
replacer.addEventListener('error', (event) => {
  const error: ReplacerError = event.detail;
  const code: ErrorCode = error.code;
  console.log(code, stats.fps, support.renderer, element.output);
});
// @ts-expect-error not a mode
await replacer.setOptions({ mode: 'sepia' });
`,
  );
  run('npx', ['--no-install', 'tsc', '--noEmit', '--strict', '--skipLibCheck', 'false', '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022', '--lib', 'es2023,dom,dom.iterable', 'check.ts'], project);

  // The README's snippets as pages; the copy-assets command as written there.
  writeFileSync(join(project, 'index.html'), page('plain', readmeSnippet('plain')));
  writeFileSync(join(project, 'element.html'), page('element', readmeSnippet('element')));
  writeFileSync(join(project, 'custom.html'), page('assets-path', readmeSnippet('assets-path')));
  // Not a README snippet: a wrong assetsPath, and isSupported()'s report.
  writeFileSync(
    join(project, 'wrong.html'),
    page(
      'wrong',
      `<script type="module">
  import { createBackgroundReplacer, isSupported, ReplacerError } from 'bg-replacer';
  window.support = await isSupported();
  try {
    await createBackgroundReplacer({ assetsPath: '/nowhere/' });
    window.result = { name: 'resolved' };
  } catch (e) {
    window.result = { name: e.name, code: e.code, message: e.message, isReplacerError: e instanceof ReplacerError };
  }
</script>
`,
    ),
  );
  const copy = readmeSnippet('copy-assets').trim().split(/\s+/);
  expect(copy.slice(0, 3)).toEqual(['npx', 'bg-replacer', 'copy-assets']);
  console.log(run('npx', ['--no-install', ...copy.slice(1)], project).trim());
  const csp = readmeSnippet('csp').trim();
  writeFileSync(
    join(project, 'vite.config.js'),
    `export default {\n  build: { target: 'es2022', rollupOptions: { input: { index: 'index.html', element: 'element.html', custom: 'custom.html', wrong: 'wrong.html' } } },\n  preview: { headers: { 'Content-Security-Policy': ${JSON.stringify(csp)} } },\n};\n`,
  );
  run('npx', ['--no-install', 'vite', 'build', '--logLevel', 'warn'], project);
  expect(existsSync(join(project, 'dist/static/bg-replacer/workers/engine.worker.js')), 'copy-assets output served from public/').toBe(true);

  // Its own process group, so that afterAll stops vite and not only npx.
  server = spawn('npx', ['--no-install', 'vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { cwd: project, stdio: 'ignore', detached: true });
  const exited = new Promise<never>((_, reject) => server!.once('exit', (code) => reject(new Error(`vite preview exited (${code}): is port ${PORT} taken?`))));
  void exited.catch(() => undefined);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) await exited;
    try {
      if ((await fetch(ORIGIN)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`vite preview did not answer at ${ORIGIN}`);
});

test.afterAll(() => {
  if (server?.pid) process.kill(-server.pid);
});

/** The pixels a <video> shows now (found by `selector`, which may pierce one shadow root as `host >>> video`). */
async function grabVideo(page: Page, selector: string): Promise<Rgba> {
  const { data, width, height } = await page.evaluate(async (sel) => {
    const [host, inner] = sel.split(' >>> ');
    const root = inner ? document.querySelector(host!)!.shadowRoot! : document;
    const video = root.querySelector(inner ?? host!) as HTMLVideoElement;
    while (video.readyState < 2 || video.videoWidth === 0) await new Promise((r) => setTimeout(r, 100));
    const canvas = new OffscreenCanvas(video.videoWidth, video.videoHeight);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(video, 0, 0);
    return { data: [...ctx.getImageData(0, 0, canvas.width, canvas.height).data], width: canvas.width, height: canvas.height };
  }, selector);
  return { width, height, data: Uint8Array.from(data) };
}

/** One frame of the fake camera, opened again by the page. */
async function grabCamera(page: Page): Promise<Rgba> {
  const { data, width, height } = await page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 } });
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = stream;
    await video.play();
    while (video.videoWidth === 0) await new Promise((r) => setTimeout(r, 50));
    const canvas = new OffscreenCanvas(video.videoWidth, video.videoHeight);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(video, 0, 0);
    for (const t of stream.getTracks()) t.stop();
    return { data: [...ctx.getImageData(0, 0, canvas.width, canvas.height).data], width: canvas.width, height: canvas.height };
  });
  return { width, height, data: Uint8Array.from(data) };
}

/**
 * Opens `path` with the fake camera and waits until the video shows processed frames: the
 * background's high-frequency energy far below the camera's while the person's stays (a frame
 * covered while the engine starts is blurred everywhere, a raw one nowhere).
 * @returns every URL the page and its workers requested
 */
async function expectProcessed(path: string, video: string): Promise<string[]> {
  const browser: Browser = await launchChromium({ fakeCameraY4m: y4m });
  try {
    const context = await browser.newContext();
    const requests: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    // Failed requests (the browser's own favicon probe aside); tasks-vision logs its INFO lines as console errors.
    context.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`HTTP ${r.status()} ${r.url()}`);
    });
    await page.goto(ORIGIN + path);
    const input = await grabCamera(page);
    const { person, background } = regions!;
    let ratios = { background: 1, person: 0 };
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const output = await grabVideo(page, video);
      expect([output.width, output.height]).toEqual([input.width, input.height]);
      ratios = {
        background: highFrequencyEnergy(output, background) / highFrequencyEnergy(input, background),
        person: highFrequencyEnergy(output, person) / highFrequencyEnergy(input, person),
      };
      if (ratios.background < 0.25 && ratios.person > 0.8) break;
      await page.waitForTimeout(1000);
    }
    console.log(`${path || 'index.html'}: high-frequency energy out/in: background ${ratios.background.toFixed(3)}, person ${ratios.person.toFixed(3)}`);
    expect(errors, 'page errors and failed requests').toEqual([]);
    expect(ratios.background).toBeLessThan(0.25);
    expect(ratios.person).toBeGreaterThan(0.8);
    expect(requests.length).toBeGreaterThan(0);
    const foreign = requests.filter((url) => !url.startsWith(ORIGIN) && !url.startsWith('blob:') && !url.startsWith('data:'));
    expect(foreign, 'requests that left the origin').toEqual([]);
    return requests;
  } finally {
    await browser.close();
  }
}

test.describe('the package installed from its tarball outside the repository', () => {
  test('the README plain example: frames processed, every asset from the app origin (the bundler copies)', async () => {
    test.setTimeout(240_000);
    const requests = await expectProcessed('', '#self-view');
    const model = requests.filter((url) => /selfie_segmentation_landscape.*\.(onnx|tflite)$/.test(url));
    expect(model.length, 'the model was fetched').toBeGreaterThan(0);
    expect(requests.some((url) => url.includes('/static/bg-replacer/')), 'no use of the copy-assets folder').toBe(false);
  });

  test('assetsPath: the assets from the folder copy-assets made, under another path', async () => {
    test.setTimeout(240_000);
    const requests = await expectProcessed('custom.html', '#self-view');
    const assets = requests.filter((url) => /\.(onnx|tflite|wasm)$|worker\.js$/.test(url));
    expect(assets.length).toBeGreaterThan(0);
    expect(assets.filter((url) => !url.startsWith(`${ORIGIN}static/bg-replacer/`)), 'assets not from assetsPath').toEqual([]);
  });

  test('the element: <bg-replacer> processes the camera', async () => {
    test.setTimeout(240_000);
    await expectProcessed('element.html', 'bg-replacer >>> video');
  });

  // The README's fetch-model command, with ../shared's copy of RVM as its --path, into a folder
  // copy-assets made (not the served one); then a copy with one byte changed.
  test('fetch-model: RVM installed into a copy-assets folder from a local copy, checked; a tampered copy is refused and installs nothing', () => {
    const command = readmeSnippet('fetch-model').trim().split(/\s+/);
    expect(command.slice(0, 4)).toEqual(['npx', 'bg-replacer', 'fetch-model', 'rvm']);
    const model = sharedPath('models/rvm_tfjs');
    const assets = join(tempDir('rvm-assets'), 'bg-replacer');
    run('npx', ['--no-install', 'bg-replacer', 'copy-assets', assets], project);
    const out = run('npx', ['--no-install', 'bg-replacer', 'fetch-model', 'rvm', assets, '--path', model], project);
    console.log(out.trim());
    expect(out).toMatch(/Licence: GPL-3\.0/);
    const list = JSON.parse(readFileSync(join(assets, 'models/installed.json'), 'utf8')) as { version: number; models: { id: string; file: string; sha256: string; weights: { file: string; sha256: string }[]; licence: string }[] };
    expect(list.version).toBe(1);
    const rvm = list.models.find((m) => m.id === 'rvm')!;
    expect(rvm.licence).toBe('GPL-3.0');
    for (const { file, sha256 } of [rvm, ...rvm.weights]) expect(createHash('sha256').update(readFileSync(join(assets, 'models', file))).digest('hex'), file).toBe(sha256);

    const tampered = tempDir('rvm-tampered');
    const weights = readFileSync(join(model, 'group1-shard1of1.bin'));
    weights[1000] = weights[1000]! ^ 1;
    writeFileSync(join(tampered, 'group1-shard1of1.bin'), weights);
    writeFileSync(join(tampered, 'model.json'), readFileSync(join(model, 'model.json')));
    const other = join(tempDir('rvm-assets-2'), 'bg-replacer');
    run('npx', ['--no-install', 'bg-replacer', 'copy-assets', other], project);
    const refused = spawnSync('npx', ['--no-install', 'bg-replacer', 'fetch-model', 'rvm', other, '--path', tampered], { cwd: project, encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/sha256 mismatch/);
    expect(existsSync(join(other, 'models/installed.json')), 'nothing recorded').toBe(false);
    expect(existsSync(join(other, 'models/rvm')), 'nothing installed').toBe(false);
  });

  test('a wrong assetsPath rejects with a ReplacerError naming the URL; isSupported() tells what this browser has', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${ORIGIN}wrong.html`);
      await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, null, { timeout: 60_000 });
      const { result, support } = await page.evaluate(() => {
        const w = window as unknown as { result: { name: string; code: string; message: string; isReplacerError: boolean }; support: Record<string, unknown> };
        return { result: w.result, support: w.support };
      });
      console.log(`wrong assetsPath: ${result.name} ${result.code}: ${result.message}`);
      expect(result.isReplacerError).toBe(true);
      expect(result.code).toBe('model-load');
      expect(result.message).toContain(`${ORIGIN}nowhere/workers/engine.worker.js`);
      console.log(`isSupported(): ${JSON.stringify(support)}`);
      // Headless Chromium here: WebGPU on SwiftShader (a software adapter), insertable streams.
      expect(support).toMatchObject({ supported: true, webgpu: true, softwareAdapter: true, renderer: 'canvas2d', insertableStreams: true, offscreenCanvas: true, videoFrame: true, workers: true });
    } finally {
      await browser.close();
    }
  });
});
