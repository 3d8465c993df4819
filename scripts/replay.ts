// npm run replay -- --input PATH [--plate PATH] [--mode blur|image|color|off] [--background PATH]
//                   [--output-type com,pha,fgr,err] [--blur-strength light|medium|strong] [--color #rrggbb]
//                   [--gpu] [--verbose] [--timeout SECONDS] --out DIR
// Runs the real app pipeline in headless Chromium on every frame of PATH, in order, and
// writes DIR/<type>/NNNN.png plus DIR/stats.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { ReplacerError } from '../src/errors';
import { parseOutputTypes, resolveOptions, type Options } from '../src/options';
import type { ReplayReport } from '../src/replay/jobProtocol';
import { launchChromium } from './lib/browser';
import { openFrameSource } from './lib/frames';
import { startReplayServer, type PostedOutput } from './lib/replayServer';
import { summarise } from './lib/stats';

const USAGE =
  'usage: npm run replay -- --input PATH [--mode blur|image|color|off] [--background PATH] [--output-type com,pha,fgr,err] --out DIR';

function fail(message: string): never {
  console.error(`replay: ${message.split('\n')[0]}`);
  process.exit(1);
}

/** Encodes one read-back as PNG: 8-bit grey for 1 channel, RGB for 4. */
function encodePng(o: PostedOutput): Buffer {
  if (o.data.length !== o.width * o.height * o.channels) throw new Error(`${o.type} ${o.index}: ${o.data.length} bytes for ${o.width}×${o.height}×${o.channels}`);
  const png = new PNG({ width: o.width, height: o.height, colorType: o.channels === 1 ? 0 : 2, inputColorType: o.channels === 1 ? 0 : 6, inputHasAlpha: o.channels === 4, bitDepth: 8 });
  png.data = o.data;
  return PNG.sync.write(png, { colorType: o.channels === 1 ? 0 : 2, inputColorType: o.channels === 1 ? 0 : 6, inputHasAlpha: o.channels === 4, bitDepth: 8 });
}

/** Reads an image given on the command line. Exits with a one-line error when it cannot. */
function readImageArg(flag: string, path: string): { mime: string; data: Buffer } {
  const mime = ({ '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' } as Record<string, string>)[
    extname(path).toLowerCase()
  ];
  if (!mime) fail(`${flag} ${path}: expected a .png, .jpg or .webp image`);
  try {
    return { mime, data: readFileSync(path) };
  } catch (err) {
    fail(`${flag} ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        input: { type: 'string' },
        out: { type: 'string' },
        plate: { type: 'string' },
        mode: { type: 'string' },
        background: { type: 'string' },
        'output-type': { type: 'string', default: 'com' },
        'blur-strength': { type: 'string' },
        color: { type: 'string' },
        'edge-sensitivity': { type: 'string' },
        gpu: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '1800' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (!args.input) fail(`--input is required. ${USAGE}`);
  if (!args.out) fail(`--out is required. ${USAGE}`);
  const timeoutMs = Number(args.timeout) * 1000;
  if (!(timeoutMs > 0)) fail(`--timeout must be a positive number of seconds, got ${args.timeout}`);

  let options: Readonly<Options>;
  let outputTypes;
  try {
    const partial: Partial<Options> = {};
    if (args.mode) partial.mode = args.mode as Options['mode'];
    if (args['blur-strength']) partial.blurStrength = args['blur-strength'] as Options['blurStrength'];
    if (args.color) partial.color = args.color;
    if (args['edge-sensitivity']) partial.edgeSensitivity = Number(args['edge-sensitivity']);
    options = resolveOptions(partial);
    outputTypes = parseOutputTypes(args['output-type']);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (options.mode === 'image' && !args.background) fail('--mode image needs --background PATH');
  const background = args.background ? readImageArg('--background', args.background) : null;
  const plate = args.plate ? readImageArg('--plate', args.plate) : null;

  let source;
  try {
    source = openFrameSource(args.input);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const outDir = args.out;
  for (const type of outputTypes) mkdirSync(join(outDir, type), { recursive: true });

  let written = 0;
  let settle: (r: { report?: ReplayReport; error?: string }) => void = () => {};
  const finished = new Promise<{ report?: ReplayReport; error?: string }>((r) => (settle = r));
  const { server, url } = await startReplayServer({
    job: { frames: source.count, outputTypes, options, hasBackground: background !== null, hasPlate: plate !== null, frameDurationUs: Math.round(1e6 / (source.fps ?? 30)) },
    source,
    background,
    plate,
    onOutput(o) {
      writeFileSync(join(outDir, o.type, `${String(o.index).padStart(4, '0')}.png`), encodePng(o));
      written++;
    },
    onDone: (report) => settle({ report }),
    onError: (e) => settle({ error: e.message }),
  });
  const browser = await launchChromium({ gpu: args.gpu });
  const timer = setTimeout(() => settle({ error: `timed out after ${args.timeout} s` }), timeoutMs);
  try {
    const page = await browser.newPage();
    if (args.verbose) page.on('console', (m) => console.error(`[page] ${m.text()}`));
    page.on('pageerror', (err) => settle({ error: `page error: ${err.message}` }));
    page.on('crash', () => settle({ error: 'the browser tab crashed' }));
    await page.goto(`${url}replay.html`);
    const { report, error } = await finished;
    if (error) fail(error);
    const expected = source.count * outputTypes.length;
    if (written !== expected) fail(`wrote ${written} of ${expected} outputs`);
    const stats = {
      input: args.input,
      frames: source.count,
      fps: Math.round((source.count / (report!.wallMs / 1000)) * 100) / 100,
      wallMs: Math.round(report!.wallMs),
      stages: summarise(report!.perFrame),
      adapter: report!.adapter,
      backend: report!.backend,
      importPath: report!.importPath,
      outputPath: report!.outputPath,
      mode: options.mode,
      blurStrength: options.blurStrength,
      outputTypes,
    };
    writeFileSync(join(outDir, 'stats.json'), JSON.stringify(stats, null, 2) + '\n');
    console.log(`replay: ${source.count} frames at ${stats.fps} fps on ${stats.adapter} → ${outDir}`);
  } finally {
    clearTimeout(timer);
    await browser.close();
    await server.close();
    source.close();
  }
}

main().catch((err: unknown) => {
  fail(err instanceof ReplacerError || err instanceof Error ? err.message : String(err));
});
