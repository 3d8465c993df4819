// npm run bench:bandwidth -- [--quick] [--json FILE] [--gpu] [--q 20,40] [--clip PATH]... [--frames N]
//                            [--codecs vp8-libvpx,vp9-webcodecs,av1-webcodecs] [--latency realtime|quality]
// A measurement, not a test: the bitrate an encoder spends on this project's output (blur
// light / medium / strong, image, colour, off) against the untouched camera at a fixed
// quantizer, per clip and codec, and the share saved. See scripts/lib/bandwidth/measure.ts.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { measureBandwidth } from './lib/bandwidth/measure';
import { formatBandwidthTable } from './lib/bandwidth/table';
import { BANDWIDTH_CODECS, type BandwidthCodec, type LatencyMode } from './lib/bandwidth/types';

const USAGE =
  'usage: npm run bench:bandwidth -- [--quick] [--json FILE] [--gpu] [--q 20,40] [--clip PATH]... [--frames N] [--codecs vp8-libvpx,vp9-webcodecs,av1-webcodecs] [--latency realtime|quality]';

function fail(message: string): never {
  console.error(`bench-bandwidth: ${message.split('\n')[0]}`);
  process.exit(1);
}

/** "20,40" → [20, 40]; exits with a one-line error unless every entry is an integer 0..63. */
function parseQuantizers(text: string): number[] {
  const qs = text.split(',').map((s) => s.trim());
  for (const q of qs) if (!/^\d+$/.test(q) || Number(q) > 63) fail(`--q: "${q}" is not an integer in 0..63 (${USAGE})`);
  return qs.map(Number);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'string' },
        gpu: { type: 'boolean', default: false },
        q: { type: 'string', default: '20,40' },
        clip: { type: 'string', multiple: true },
        frames: { type: 'string' },
        codecs: { type: 'string' },
        latency: { type: 'string', default: 'realtime' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)} (${USAGE})`);
  }
  const quantizers = parseQuantizers(args.q);
  let maxFrames: number | undefined;
  if (args.frames !== undefined) {
    maxFrames = Number(args.frames);
    if (!Number.isInteger(maxFrames) || maxFrames < 2) fail(`--frames must be an integer ≥ 2, got ${args.frames}`);
  }
  let codecs: BandwidthCodec[] | undefined;
  if (args.codecs !== undefined) {
    codecs = args.codecs.split(',').map((c) => c.trim()) as BandwidthCodec[];
    for (const c of codecs) if (!BANDWIDTH_CODECS.includes(c)) fail(`--codecs: "${c}" is not one of ${BANDWIDTH_CODECS.join(', ')}`);
  }
  if (args.latency !== 'realtime' && args.latency !== 'quality') fail(`--latency must be realtime or quality, got ${args.latency}`);
  const latencyMode: LatencyMode = args.latency;

  const report = await measureBandwidth({
    clips: args.clip,
    quick: args.quick,
    maxFrames,
    quantizers,
    codecs,
    latencyMode,
    gpu: args.gpu,
    onProgress: (line) => console.error(`bench-bandwidth: ${line}`),
  });
  console.log(formatBandwidthTable(report));
  for (const [codec, settings] of Object.entries(report.encoders)) console.log(`${codec}: ${settings}`);
  console.log(`quantizer: ${report.quantizerScale}`);
  for (const s of report.skipped) console.log(`skipped ${s}`);
  console.log(
    `bench-bandwidth: ${report.clips.length} clips (${report.clips.map((c) => `${c.name} ${c.width}×${c.height} ${c.frames} f @ ${c.fps} fps`).join(', ')}); ` +
      `${report.adapter ? `pipeline on ${report.adapter} with ${report.backend}` : 'camera only'}; ${(report.wallMs / 1000).toFixed(0)} s`,
  );
  if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
