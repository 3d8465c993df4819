// npm run make:background-loop [-- --out PATH]
// Makes the app's built-in background video (public/backgrounds/loop.webm, committed): 4 s of
// slowly drifting colour waves at 640×360, 15 fps, VP8 in WebM (every browser we support
// decodes it), computed by ffmpeg's geq filter from the time t alone with a period of exactly 4 s,
// so the loop has no seam. Nothing is downloaded. Needs ffmpeg on PATH.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..');
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 15;
const SECONDS = 4;

/** One colour channel: a base level and two waves across the frame, each drifting once per loop. */
function channel(base: number, fx: number, fy: number, phase: number): string {
  const w = `2*PI*T/${SECONDS}`;
  return `${base}+45*sin(2*PI*(${fx}*X/W+${fy}*Y/H)+${w}+${phase})+25*sin(2*PI*(${fy}*X/W-${fx}*Y/H)-${w}+${phase * 2})`;
}

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'public/backgrounds/loop.webm') } } });
  const out = values.out!;
  mkdirSync(dirname(out), { recursive: true });
  const filter = `geq=r='${channel(70, 0.6, 0.3, 0)}':g='${channel(105, 0.4, 0.7, 2.1)}':b='${channel(150, 0.8, 0.5, 4.2)}'`;
  const args = [
    '-v', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', `color=c=black:s=${WIDTH}x${HEIGHT}:r=${FPS}:d=${SECONDS},format=rgb24,${filter},format=yuv420p`,
    '-c:v', 'libvpx', '-b:v', '400k', '-g', String(FPS * SECONDS), '-an', '-f', 'webm', out,
  ];
  const run = spawnSync('ffmpeg', args, { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    console.error(`make-background-loop: ffmpeg failed: ${run.error?.message ?? run.stderr.trim().split('\n')[0]}`);
    process.exit(1);
  }
  console.log(`make-background-loop: ${out} (${WIDTH}×${HEIGHT}, ${FPS} fps, ${SECONDS} s, ${Math.round(statSync(out).size / 1024)} KiB)`);
}

main();
