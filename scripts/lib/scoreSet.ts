// File side of the scorer (src/eval/score.ts): reads an evaluation set laid out like
// ../shared/eval/dev and a prediction folder, loading PNGs as score_alpha.py does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { InputError } from '../../src/errors';
import { scoreSet, selectIds, type AlphaImage, type ScoreReport, type SetIndex } from '../../src/eval/score';

/** index.json of an evaluation set, with the fields eval and the scorer use. */
export interface SetIndexFile extends SetIndex {
  stills: { id: string; [key: string]: unknown }[];
  clips: { id: string; frames: number; fps?: number; size?: [number, number]; [key: string]: unknown }[];
}

/**
 * Reads and checks SET/index.json.
 * @throws InputError 'unsupported-input' when it is missing, 'corrupt-input' when malformed
 */
export function readSetIndex(setDir: string): SetIndexFile {
  const path = join(setDir, 'index.json');
  if (!existsSync(path)) throw new InputError('unsupported-input', `${path}: no such file (is ${setDir} an evaluation set?)`);
  let index: unknown;
  try {
    index = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError('corrupt-input', `${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const bad = (why: string): never => {
    throw new InputError('corrupt-input', `${path}: ${why}`);
  };
  if (!index || typeof index !== 'object') bad('expected an object');
  const { stills = [], clips = [] } = index as { stills?: unknown; clips?: unknown };
  if (!Array.isArray(stills) || !Array.isArray(clips)) bad('"stills" and "clips" must be lists');
  for (const s of stills as unknown[]) if (typeof (s as { id?: unknown })?.id !== 'string') bad('every still needs a string "id"');
  for (const c of clips as unknown[]) {
    const { id, frames } = (c ?? {}) as { id?: unknown; frames?: unknown };
    if (typeof id !== 'string' || !Number.isInteger(frames) || (frames as number) < 0) bad('every clip needs a string "id" and an integer "frames"');
  }
  return { ...(index as object), stills, clips } as SetIndexFile;
}

/** ITU-R 601-2 luma as Pillow's convert('L') computes it (fixed point, rounded). */
function pilLuma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/**
 * Decodes a PNG into alpha the way score_alpha.py's load() does with Pillow: images with an
 * alpha channel (grey+alpha, RGBA) give their alpha channel; other images give their
 * luminance (Pillow's convert('L'): grey as is, RGB and palette as 601-2 luma). 16-bit
 * channels are reduced as Pillow reduces them (RGB/RGBA/LA: high byte; grey: clipped to 255).
 * A tRNS transparent colour is ignored, as Pillow's convert('L') ignores it.
 * @returns [H,W] Float64Array of 8-bit levels / 255
 * @throws Error from pngjs for a file that is not a valid PNG
 */
export function decodeAlphaPng(bytes: Buffer): AlphaImage {
  const png = PNG.sync.read(bytes, { skipRescale: true });
  const { width, height, depth } = png;
  const colorType: number = png.colorType; // 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
  // Samples are RGBA per pixel: 8-bit (Buffer, or levels 0..2^depth−1 below 8 bits) or 16-bit (Uint16Array).
  const data = png.data as unknown as ArrayLike<number>;
  const trans = (png as unknown as { transColor?: number[] }).transColor;
  const n = width * height;
  const alpha = new Float64Array(n);
  const max = 2 ** depth - 1;
  // An 8-bit level from one channel sample, as Pillow unpacks it.
  const level = (v: number, grey: boolean): number => {
    if (depth === 16) return grey ? Math.min(v, 255) : v >> 8;
    if (depth < 8) return Math.round((v * 255) / max);
    return v;
  };
  for (let i = 0; i < n; i++) {
    let r = data[i * 4]!;
    let g = data[i * 4 + 1]!;
    let b = data[i * 4 + 2]!;
    // pngjs zeroes the pixels matching a tRNS colour (grey and RGB images, where alpha is
    // otherwise opaque); put the colour back.
    if (trans && (colorType === 0 || colorType === 2) && r === 0 && g === 0 && b === 0 && data[i * 4 + 3] === 0) {
      [r, g, b] = trans.length === 1 ? [trans[0]!, trans[0]!, trans[0]!] : (trans as [number, number, number]);
    }
    let v: number;
    if (colorType === 4 || colorType === 6) v = level(data[i * 4 + 3]!, false);
    else if (colorType === 0) v = level(r, true);
    else if (colorType === 3) v = pilLuma(r, g, b); // palette entries are 8-bit
    else v = pilLuma(level(r, false), level(g, false), level(b, false));
    alpha[i] = v / 255;
  }
  return { width, height, alpha };
}

/** decodeAlphaPng of a file; null when the file does not exist (a missing prediction). */
export function readScoreAlpha(path: string): AlphaImage | null {
  if (!existsSync(path)) return null;
  try {
    return decodeAlphaPng(readFileSync(path));
  } catch (err) {
    throw new InputError('corrupt-input', `${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function truth(path: string): AlphaImage {
  const a = readScoreAlpha(path);
  if (!a) throw new InputError('unsupported-input', `${path}: ground truth missing`);
  return a;
}

/** Prediction file paths in the layout score_alpha.py reads. */
export const predictionPath = {
  still: (predDir: string, id: string) => join(predDir, 'stills', `${id}.png`),
  clipFrame: (predDir: string, id: string, t: number) => join(predDir, 'clips', id, `${String(t).padStart(4, '0')}.png`),
};

/**
 * Scores PRED against SET as `score_alpha.py SET PRED [--ids …]` does.
 * @param ids restrict to these still / clip ids (score_alpha.py's --ids)
 * @throws InputError for a missing or malformed index or ground-truth file, or an unreadable prediction
 */
export function scoreDirectory(setDir: string, predDir: string, ids?: readonly string[], onProgress?: (id: string) => void): ScoreReport {
  const index = selectIds(readSetIndex(setDir), ids);
  return scoreSet(
    index,
    {
      stillTruth: (id) => truth(join(setDir, 'stills', id, 'alpha.png')),
      stillPrediction: (id) => readScoreAlpha(predictionPath.still(predDir, id)),
      clipTruth: (id, t) => truth(join(setDir, 'clips', id, 'alpha', `${String(t).padStart(4, '0')}.png`)),
      clipPrediction: (id, t) => readScoreAlpha(predictionPath.clipFrame(predDir, id, t)),
    },
    onProgress,
  );
}

/** JSON text of a report (NaN, which JSON cannot hold, is written as null), indented by one like score_alpha.py. */
export function scoresJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n';
}

/**
 * Encodes an alpha matte as an 8-bit grey PNG.
 * @param levels [H,W] bytes (0..255)
 */
export function encodeGreyPng(levels: Uint8Array, width: number, height: number): Buffer {
  if (levels.length !== width * height) throw new RangeError(`${levels.length} bytes for ${width}×${height}`);
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(levels.buffer, levels.byteOffset, levels.byteLength);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
}
