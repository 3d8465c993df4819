// Cross-check of the TypeScript scorer against ../shared/eval/score_alpha.py on the whole
// dev set: a deterministic prediction set (each ground truth blurred and shifted, written
// in assorted PNG flavours and sizes, with missing files) is scored by both, and every
// number must agree to 3 significant figures.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { resizeBilinearPil } from '../../src/eval/pilResize';
import type { ScoreReport } from '../../src/eval/score';
import { predictionPath, readSetIndex, scoreDirectory } from '../../scripts/lib/scoreSet';

const ROOT = resolve(import.meta.dirname, '../..');
const EVAL = resolve(ROOT, '../shared/eval');
const DEV = join(EVAL, 'dev');
const SCORER = join(EVAL, 'score_alpha.py');
const PYTHON = '/usr/bin/python3';

/** Why the cross-check cannot run here, or null when it can. */
function missingPrerequisite(): string | null {
  if (!existsSync(join(DEV, 'index.json')) || !existsSync(SCORER)) return `${DEV} or ${SCORER} is missing (../shared beside the checkout holds the test data)`;
  const py = spawnSync(PYTHON, ['-c', 'import numpy, scipy, PIL'], { encoding: 'utf8' });
  if (py.error || py.status !== 0) return `${PYTHON} cannot import numpy, scipy and PIL (apt-get install python3-numpy python3-scipy python3-pil)`;
  return null;
}

const why = missingPrerequisite();
if (why && process.env.CI) throw new Error(`score cross-check: ${why}`);
if (why) console.log(`skipped: score cross-check: ${why}`);

/** 8-bit levels of a ground-truth PNG (grey, first channel). */
function readLevels(path: string): { width: number; height: number; v: Uint8Array } {
  const png = PNG.sync.read(readFileSync(path));
  const v = new Uint8Array(png.width * png.height);
  for (let i = 0; i < v.length; i++) v[i] = png.data[i * 4]!;
  return { width: png.width, height: png.height, v };
}

/** A (2r+1)² box blur, then a shift by (dx, dy) with the border repeated: a plausible soft, misplaced matte. */
function blurShift(src: Uint8Array, width: number, height: number, r: number, dx: number, dy: number): Uint8Array {
  const tmp = new Float64Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let d = -r; d <= r; d++) s += src[y * width + Math.min(width - 1, Math.max(0, x + d))]!;
      tmp[y * width + x] = s / (2 * r + 1);
    }
  }
  const out = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sy = Math.min(height - 1, Math.max(0, y - dy));
      const sx = Math.min(width - 1, Math.max(0, x - dx));
      let s = 0;
      for (let d = -r; d <= r; d++) s += tmp[Math.min(height - 1, Math.max(0, sy + d)) * width + sx]!;
      out[y * width + x] = Math.round(s / (2 * r + 1));
    }
  }
  return out;
}

type Flavour = 'grey' | 'rgba' | 'rgb' | 'la' | 'grey16' | 'la16' | 'rgb16';

/** Writes an 8-bit matte `v` as a PNG of the given flavour (what each carries is read back by Pillow's rules). */
function writeFlavour(path: string, flavour: Flavour, width: number, height: number, v: Uint8Array): void {
  const n = width * height;
  const spec = { grey: [0, 8, 1], rgba: [6, 8, 4], rgb: [2, 8, 3], la: [4, 8, 2], grey16: [0, 16, 1], la16: [4, 16, 2], rgb16: [2, 16, 3] } as const;
  const [colorType, bitDepth, channels] = spec[flavour];
  const samples = bitDepth === 16 ? new Uint16Array(n * channels) : new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    const o = i * channels;
    if (flavour === 'grey') samples[o] = x;
    else if (flavour === 'rgba') samples.set([(x * 7) & 255, 255 - x, 3, x], o);
    else if (flavour === 'rgb') samples.set([x, 255 - x, x >> 1], o);
    else if (flavour === 'la') samples.set([255 - x, x], o);
    else if (flavour === 'grey16') samples[o] = x; // Pillow clips 16-bit grey at 255: values stay
    else if (flavour === 'la16') samples.set([1234, x * 257 + (i % 200)], o); // high byte is x
    else samples.set([x * 256 + 255, (255 - x) * 256, (x >> 1) * 256 + (i % 256)], o);
  }
  const png = new PNG({ width, height, colorType, inputColorType: colorType, bitDepth, inputHasAlpha: colorType === 4 || colorType === 6 });
  png.data = Buffer.from(samples.buffer);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, PNG.sync.write(png, { colorType, inputColorType: colorType, bitDepth, inputHasAlpha: colorType === 4 || colorType === 6 }));
}

/** Builds the prediction set; returns what was written for the log. */
function makePredictions(pred: string): string[] {
  const index = readSetIndex(DEV);
  const notes: string[] = [];
  const plan: (Flavour | 'small' | 'large' | 'missing')[] = ['grey', 'rgba', 'rgb', 'small', 'large', 'la', 'grey16', 'la16', 'rgb16'];
  index.stills.forEach((s, i) => {
    const kind = i === index.stills.length - 1 ? 'missing' : (plan[i] ?? 'grey');
    if (kind === 'missing') return void notes.push(`${s.id}: missing`);
    const g = readLevels(join(DEV, 'stills', s.id, 'alpha.png'));
    const a = blurShift(g.v, g.width, g.height, 1 + (i % 3), (i % 5) - 2, 2 - (i % 4));
    const path = predictionPath.still(pred, s.id);
    if (kind === 'small' || kind === 'large') {
      const [w, h] = kind === 'small' ? [Math.round(g.width * 0.78), Math.round(g.height * 0.78) + 1] : [Math.round(g.width * 1.17), Math.round(g.height * 1.25)];
      writeFlavour(path, 'grey', w, h, resizeBilinearPil(a, g.width, g.height, w, h));
      notes.push(`${s.id}: ${w}×${h}`);
    } else {
      writeFlavour(path, kind, g.width, g.height, a);
      notes.push(`${s.id}: ${kind}`);
    }
  });
  index.clips.forEach((c, ci) => {
    for (let t = 0; t < c.frames; t++) {
      if (ci === 0 && t === 7) {
        notes.push(`${c.id}/${t}: missing`);
        continue;
      }
      const g = readLevels(join(DEV, 'clips', c.id, 'alpha', `${String(t).padStart(4, '0')}.png`));
      const a = blurShift(g.v, g.width, g.height, 1 + ((t + ci) % 2), Math.round(2 * Math.sin(t + ci)), Math.round(1.5 * Math.cos(0.7 * t)));
      const path = predictionPath.clipFrame(pred, c.id, t);
      if (ci === 1 && t === 12) {
        writeFlavour(path, 'grey', 320, 180, resizeBilinearPil(a, g.width, g.height, 320, 180));
        notes.push(`${c.id}/${t}: 320×180`);
      } else writeFlavour(path, 'grey', g.width, g.height, a);
    }
  });
  return notes;
}

/** True when x and y agree to 3 significant figures (relative difference ≤ 5·10⁻⁴). */
function agree3(x: number | null, y: number | null): boolean {
  if (x === null || y === null) return x === y;
  if (y === 0) return Math.abs(x) < 1e-12;
  return Math.abs(x - y) <= 5e-4 * Math.abs(y);
}

describe.skipIf(why !== null)('scorer cross-check against score_alpha.py (dev set)', () => {
  const dir = why ? '' : mkdtempSync(join(tmpdir(), 'bg-score-xcheck-'));
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same numbers for every still, every clip and the summary', async () => {
    const pred = join(dir, 'pred');
    const notes = makePredictions(pred);
    const jsonPath = join(dir, 'py.json');
    // Python runs in its own process while the TypeScript scorer runs here.
    const t0 = performance.now();
    let pyMs = 0;
    const python = new Promise<{ status: number | null; stderr: string }>((done) => {
      const child = spawn(PYTHON, [SCORER, DEV, pred, '--json', jsonPath], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (err) => done({ status: null, stderr: err.message }));
      child.on('close', (status) => {
        pyMs = performance.now() - t0;
        done({ status, stderr });
      });
    });
    const t1 = performance.now();
    const got = JSON.parse(JSON.stringify(scoreDirectory(DEV, pred), (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v))) as ScoreReport;
    const tsMs = performance.now() - t1;
    const py = await python;
    expect(py.status, py.stderr).toBe(0);
    // Python writes NaN for a mean over nothing; JSON has no NaN, the TS side writes null.
    const want = JSON.parse(readFileSync(jsonPath, 'utf8').replace(/\bNaN\b/g, 'null')) as ScoreReport;

    expect(got.stills.map((s) => s.id)).toEqual(want.stills.map((s) => s.id));
    expect(got.clips.map((c) => c.id)).toEqual(want.clips.map((c) => c.id));
    expect(Object.keys(got.summary)).toEqual(Object.keys(want.summary));
    const mismatches: string[] = [];
    let worst = 0;
    const compare = (where: string, g: Record<string, unknown>, w: Record<string, unknown>): void => {
      expect(Object.keys(g), where).toEqual(Object.keys(w));
      for (const k of Object.keys(w)) {
        if (k === 'id') continue;
        const x = g[k] as number | null;
        const y = w[k] as number | null;
        if (!agree3(x, y)) mismatches.push(`${where}.${k}: ts ${x} vs py ${y}`);
        if (typeof x === 'number' && typeof y === 'number' && y !== 0) worst = Math.max(worst, Math.abs(x - y) / Math.abs(y));
      }
    };
    compare('summary', got.summary as unknown as Record<string, unknown>, want.summary as unknown as Record<string, unknown>);
    got.stills.forEach((s, i) => compare(s.id, s as unknown as Record<string, unknown>, want.stills[i] as unknown as Record<string, unknown>));
    got.clips.forEach((c, i) => compare(c.id, c as unknown as Record<string, unknown>, want.clips[i] as unknown as Record<string, unknown>));

    const s = want.summary;
    console.log(
      `score cross-check: ${want.stills.length} stills, ${want.clips.length} clips (${notes.filter((n) => !n.endsWith('grey')).join(', ')}); ` +
        `python ${(pyMs / 1000).toFixed(1)} s, ts ${(tsMs / 1000).toFixed(1)} s; worst relative difference ${worst.toExponential(1)}\n` +
        ['sad', 'mse', 'grad', 'conn', 'band_sad', 'iou', 'clip_sad', 'clip_dtssd']
          .map((k) => `  ${k}: py ${(s as unknown as Record<string, number>)[k]} ts ${(got.summary as unknown as Record<string, number>)[k]}`)
          .join('\n'),
    );
    expect(mismatches).toEqual([]);
    expect(got.summary.missing).toBe(2);
    expect(want.summary.missing).toBe(2);
  }, 180_000);
});
