// npm run replay -- --input PATH --out DIR [--plate PATH] [--background PATH] [--output-type com,pha,fgr,err,ref,mem,depth]
//                   [OPTION FLAGS] [--gpu] [--verbose] [--timeout SECONDS] [--help]
// --background: the image of --mode image, or with --mode video the background video (a video
// file, .y4m, folder of frames or image): output frame i shows its frame i, looped.
// Runs the real app pipeline in headless Chromium on every frame of PATH, in order, and
// writes DIR/<type>/NNNN.png plus DIR/stats.json. PATH may be an Azure Kinect recording
// (k4arecorder .mkv): the page demuxes it, uses its depth, and `depth` can be written.
// The option flags are every option of src/options.ts OPTION_SPEC that has a `flag` (--mode,
// --blur-strength, --color, --edge-sensitivity, --backend, --standing, --no-background-memory, …;
// --help lists them).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReplacerError } from '../src/errors';
import { parseOutputTypes, type Options } from '../src/options';
import { openFrameSource } from './lib/frames';
import { optionFlags } from './lib/optionFlags';
import { encodeReadbackPng, openReplaySession, readImageFile, type ServedImage } from './lib/runReplay';
import { summarise } from './lib/stats';

const FLAGS = optionFlags();
const USAGE = `usage: npm run replay -- --input PATH --out DIR [--plate PATH] [--background PATH] [--output-type com,pha,fgr,err,ref,mem,depth] ${FLAGS.usage} [--gpu] [--verbose] [--timeout SECONDS] [--help]`;

function fail(message: string): never {
  console.error(`replay: ${message.split('\n')[0]}`);
  process.exit(1);
}

/** Reads an image given on the command line. Exits with a one-line error when it cannot. */
function readImageArg(flag: string, path: string): ServedImage {
  try {
    return readImageFile(path, flag);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

async function main(): Promise<void> {
  let args;
  try {
    args = FLAGS.parse({
      input: { type: 'string' },
      out: { type: 'string' },
      plate: { type: 'string' },
      background: { type: 'string' },
      'output-type': { type: 'string', default: 'com' },
      gpu: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '1800' },
      help: { type: 'boolean', default: false },
    });
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (args.help) {
    console.log(`${USAGE}\n\nOptions (src/options.ts; those not given keep the page's defaults):\n${FLAGS.help}`);
    return;
  }
  if (!args.input) fail(`--input is required. ${USAGE}`);
  if (!args.out) fail(`--out is required. ${USAGE}`);
  const timeoutMs = Number(args.timeout) * 1000;
  if (!(timeoutMs > 0)) fail(`--timeout must be a positive number of seconds, got ${args.timeout}`);

  let options: Readonly<Options>;
  // Only what the command line sets goes to the page, so its defaults apply to the rest
  // (a fixed, full-quality pipeline: targetFps 0; see src/replay/harness.ts).
  let partial: Partial<Options>;
  let outputTypes;
  try {
    ({ partial, options } = FLAGS.read(args));
    outputTypes = parseOutputTypes(args['output-type']);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (options.mode === 'image' && !args.background) fail('--mode image needs --background PATH');
  if (options.mode === 'video' && !args.background) fail('--mode video needs --background PATH (a video file)');
  const video = options.mode === 'video';
  const background = args.background && !video ? readImageArg('--background', args.background) : null;
  let backgroundVideo = null;
  if (args.background && video) {
    try {
      backgroundVideo = openFrameSource(args.background);
    } catch (err) {
      fail(`--background: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const plate = args.plate ? readImageArg('--plate', args.plate) : null;

  let source;
  try {
    source = openFrameSource(args.input);
  } catch (err) {
    backgroundVideo?.close();
    fail(err instanceof Error ? err.message : String(err));
  }
  if (outputTypes.includes('depth') && !source.kinectRecording) {
    source.close();
    backgroundVideo?.close();
    fail(`--output-type depth needs an Azure Kinect recording (.mkv from k4arecorder); ${args.input} has no depth`);
  }
  const outDir = args.out;
  for (const type of outputTypes) mkdirSync(join(outDir, type), { recursive: true });

  let written = 0;
  let failure: string | null = null;
  let session;
  try {
    session = await openReplaySession({ gpu: args.gpu, verbose: args.verbose });
    const report = await session.run({
      source,
      options: partial,
      outputTypes,
      background,
      backgroundVideo,
      plate,
      timeoutMs,
      onOutput(o) {
        writeFileSync(join(outDir, o.type, `${String(o.index).padStart(4, '0')}.png`), encodeReadbackPng(o));
        written++;
      },
    });
    const expected = source.count * outputTypes.length;
    if (written !== expected) throw new Error(`wrote ${written} of ${expected} outputs`);
    const stats = {
      input: args.input,
      frames: source.count,
      fps: Math.round((source.count / (report.wallMs / 1000)) * 100) / 100,
      wallMs: Math.round(report.wallMs),
      stages: summarise(report.perFrame),
      ...(source.kinectRecording ? { depth: report.depth } : {}),
      adapter: report.adapter,
      backend: report.backend,
      importPath: report.importPath,
      outputPath: report.outputPath,
      mode: options.mode,
      ...(backgroundVideo ? { backgroundFrames: backgroundVideo.count } : {}),
      standing: report.standing,
      /** The background memory's last measurement (options.backgroundMemory on), else null. */
      memory: report.memory,
      /** Per frame: the refiner's tiles and those that took the plate (captured or the memory), or null when not reported. */
      refine: report.refine.map((r) => (r ? { tiles: r.tiles, plateTiles: r.plateTiles } : null)),
      blurStrength: options.blurStrength,
      outputTypes,
    };
    writeFileSync(join(outDir, 'stats.json'), JSON.stringify(stats, null, 2) + '\n');
    console.log(`replay: ${source.count} frames at ${stats.fps} fps on ${stats.adapter} → ${outDir}`);
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  } finally {
    await session?.close();
    source.close();
    backgroundVideo?.close();
  }
  if (failure !== null) fail(failure);
}

main().catch((err: unknown) => {
  fail(err instanceof ReplacerError || err instanceof Error ? err.message : String(err));
});
