/**
 * Scoring of a prediction set against an evaluation set, as ../shared/eval/score_alpha.py
 * does it: same metrics, same averaging, same JSON keys. File access is left to the caller
 * (scripts/lib/scoreSet.ts reads PNGs from disk), so this module runs anywhere.
 */
import { dtssdStep, frameMetrics, stillMetrics, type FrameMetrics, type StillMetrics } from './metrics';
import { resizeBilinearPil } from './pilResize';

/** The parts of an evaluation set's index.json the scorer reads. */
export interface SetIndex {
  stills: { id: string }[];
  clips: { id: string; frames: number }[];
}

/** An alpha matte: [H,W] values in 0..1 (v / 255 for 8-bit files, in float64). */
export interface AlphaImage {
  width: number;
  height: number;
  alpha: Float64Array;
}

/** Where the scorer gets mattes from. `null` from a prediction getter means "missing". */
export interface ScoreSource {
  stillTruth(id: string): AlphaImage;
  stillPrediction(id: string): AlphaImage | null;
  clipTruth(id: string, frame: number): AlphaImage;
  clipPrediction(id: string, frame: number): AlphaImage | null;
}

/** One still's row: its id and every still metric. */
export type StillScore = { id: string } & StillMetrics;

/** One clip's row: per-frame metrics averaged over its frames, and dtSSD. */
export interface ClipScore {
  id: string;
  sad: number;
  mse: number;
  band_sad: number;
  /** NaN (null in JSON) for a clip of fewer than two frames. */
  dtssd: number;
}

/** Means over stills, and over clips (clip_*), plus the count of missing predictions. */
export interface ScoreSummary {
  sad: number;
  mse: number;
  grad: number;
  conn: number;
  band_sad: number;
  iou: number;
  clip_sad: number;
  clip_mse: number;
  clip_band_sad: number;
  clip_dtssd: number;
  /** Prediction files not found (stills plus clip frames); each was scored as all zeros. */
  missing: number;
}

/** score_alpha.py's JSON: {summary, stills, clips}. A mean over no rows is NaN. */
export interface ScoreReport {
  summary: ScoreSummary;
  stills: StillScore[];
  clips: ClipScore[];
}

export const STILL_KEYS = ['sad', 'mse', 'grad', 'conn', 'band_sad', 'iou'] as const;
export const CLIP_KEYS = ['sad', 'mse', 'band_sad', 'dtssd'] as const;

/** Mean of a list; NaN when it is empty (numpy's mean of nothing). */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/**
 * Brings a prediction to the ground truth's size the way score_alpha.py does: quantise to
 * 8 bits by truncation (`(a·255).astype(uint8)`), resize with Pillow's BILINEAR, and
 * divide by 255. Returns the prediction itself when the sizes already match.
 */
export function conformToSize(pred: AlphaImage, width: number, height: number): AlphaImage {
  if (pred.width === width && pred.height === height) return pred;
  const bytes = new Uint8Array(pred.alpha.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.trunc(pred.alpha[i]! * 255);
  const resized = resizeBilinearPil(bytes, pred.width, pred.height, width, height);
  const alpha = new Float64Array(resized.length);
  for (let i = 0; i < alpha.length; i++) alpha[i] = resized[i]! / 255;
  return { width, height, alpha };
}

/** Keeps the stills and clips whose id is listed (all of them when `ids` is undefined). */
export function selectIds(index: SetIndex, ids?: readonly string[]): SetIndex {
  if (!ids) return index;
  const keep = new Set(ids);
  return { stills: index.stills.filter((s) => keep.has(s.id)), clips: index.clips.filter((c) => keep.has(c.id)) };
}

/**
 * Scores every still and every clip frame of `index`.
 * @param onProgress called after each still and each clip with its id
 * @returns the report score_alpha.py writes with --json (NaN where it has NaN)
 * @throws RangeError when a truth getter returns a matte of inconsistent size; whatever
 *   the source's getters throw (an unreadable truth file, for instance)
 */
export function scoreSet(index: SetIndex, source: ScoreSource, onProgress?: (id: string) => void): ScoreReport {
  let missing = 0;
  const predictionFor = (pred: AlphaImage | null, truth: AlphaImage): Float64Array => {
    if (pred === null) {
      missing++;
      return new Float64Array(truth.alpha.length);
    }
    return conformToSize(pred, truth.width, truth.height).alpha;
  };
  const stills: StillScore[] = [];
  for (const s of index.stills) {
    const g = source.stillTruth(s.id);
    const a = predictionFor(source.stillPrediction(s.id), g);
    stills.push({ id: s.id, ...stillMetrics(a, g.alpha, g.width, g.height) });
    onProgress?.(s.id);
  }
  const clips: ClipScore[] = [];
  for (const c of index.clips) {
    const per: FrameMetrics[] = [];
    const dts: number[] = [];
    let prevA: Float64Array | null = null;
    let prevG: Float64Array | null = null;
    for (let t = 0; t < c.frames; t++) {
      const g = source.clipTruth(c.id, t);
      const a = predictionFor(source.clipPrediction(c.id, t), g);
      per.push(frameMetrics(a, g.alpha, g.width, g.height));
      if (prevA && prevG) dts.push(dtssdStep(a, prevA, g.alpha, prevG));
      prevA = a;
      prevG = g.alpha;
    }
    clips.push({
      id: c.id,
      sad: mean(per.map((r) => r.sad)),
      mse: mean(per.map((r) => r.mse)),
      band_sad: mean(per.map((r) => r.band_sad)),
      dtssd: mean(dts),
    });
    onProgress?.(c.id);
  }
  const summary = {} as ScoreSummary;
  for (const k of STILL_KEYS) summary[k] = mean(stills.map((r) => r[k]));
  for (const k of CLIP_KEYS) summary[`clip_${k}`] = mean(clips.map((r) => r[k]));
  summary.missing = missing;
  return { summary, stills, clips };
}

/** Python's `f"{v:.4g}"` for finite numbers, 'nan' / 'inf' otherwise. */
export function formatG(v: number, precision = 4): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Number(v.toExponential(precision - 1).split('e')[1]);
  if (exp < -4 || exp >= precision) {
    const [m, e] = v.toExponential(precision - 1).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = v.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** score_alpha.py's one-line summary: `sad=… mse=… … missing=N`. */
export function summaryLine(summary: ScoreSummary): string {
  return Object.entries(summary)
    .map(([k, v]) => (k === 'missing' ? `${k}=${v}` : `${k}=${formatG(v as number)}`))
    .join(' ');
}
