// The quality columns: each system's matte on stills and clips of ../shared/eval/dev, scored
// with the project's metrics (src/eval, the same as npm run eval and score_alpha.py), in the
// same browser as the speed rows.
import { join } from 'node:path';
import { mean, scoreSet, STILL_KEYS, type AlphaImage, type ClipScore, type ScoreSummary, type StillScore } from '../../../src/eval/score';
import { openFrameSource, type NodeFrameSource } from '../frames';
import { readImageFile } from '../runReplay';
import { readScoreAlpha } from '../scoreSet';
import { checkAlpha, greyToAlpha, maskToAlpha, recoverAlpha, type AlphaCheck } from './alpha';
import type { BenchOutput } from './server';
import type { BenchSession } from './session';
import type { QualityDef, QualityId } from './systems';

/** A still or a clip of the set, served to the page. */
export interface QualityItem {
  kind: 'still' | 'clip';
  id: string;
  sequence: string;
  frames: number;
  /** Served name of its plate. */
  plate: string;
}

/** Means as score_alpha.py's summary has them (NaN where there was no still or no clip). */
export type QualitySummary = Omit<ScoreSummary, 'missing'>;

/** One matte's scores. */
export interface QualityResult {
  id: QualityId;
  method: string;
  summary: QualitySummary;
  stills: StillScore[];
  clips: ClipScore[];
  /** Twilio only: how well its composites fit the linear model of the alpha recovery, over every frame. */
  alphaCheck: (AlphaCheck & { frames: number }) | null;
  /** Ours: mean share of each frame's pixels refined (ProcessResult.refine), over the stills' and the clips' frames; null where none reported it. */
  refineShare: { stills: number | null; clips: number | null };
  seconds: number;
}

/**
 * Serves the items' frames and plates: each still as an image (as npm run eval feeds it), each
 * clip as its .y4m.
 * @returns the items and a function closing their sources
 * @throws InputError when a file is missing or unreadable
 */
export function serveItems(session: BenchSession, setDir: string, stills: readonly string[], clips: readonly { id: string; frames: number }[]): { items: QualityItem[]; close(): void } {
  const sources: NodeFrameSource[] = [];
  const items: QualityItem[] = [];
  const add = (kind: 'still' | 'clip', id: string, input: string, plate: string, frames: number): void => {
    const source = openFrameSource(input);
    sources.push(source);
    if (source.count !== frames) throw new Error(`${input}: ${source.count} frames, index.json says ${frames}`);
    const sequence = `${kind}-${id}`;
    session.server.addSequence(sequence, source);
    session.server.addImage(`plate-${sequence}`, readImageFile(plate, 'plate'));
    items.push({ kind, id, sequence, frames, plate: `plate-${sequence}` });
  };
  try {
    for (const id of stills) add('still', id, join(setDir, 'stills', id, 'image.png'), join(setDir, 'stills', id, 'plate.png'), 1);
    for (const c of clips) add('clip', c.id, join(setDir, 'clips', c.id, 'clip.y4m'), join(setDir, 'clips', c.id, 'plate.png'), c.frames);
  } catch (err) {
    for (const s of sources) s.close();
    throw err;
  }
  return { items, close: () => sources.forEach((s) => s.close()) };
}

function output(outputs: Map<string, BenchOutput>, key: string): BenchOutput {
  const o = outputs.get(key);
  if (!o) throw new Error(`the page posted no ${key}`);
  return o;
}

const size = (o: BenchOutput): [number, number] => [Number(o.headers['x-width']), Number(o.headers['x-height'])];

/**
 * Runs one matte's system on every item (a fresh page per item) and scores it.
 * @param onItem progress callback, after each item
 * @throws Error when a page fails, an output is missing, or Twilio's composites are not opaque
 */
export async function measureQuality(
  session: BenchSession,
  def: QualityDef,
  items: readonly QualityItem[],
  setDir: string,
  onItem: (item: QualityItem, seconds: number) => void,
): Promise<QualityResult> {
  const t0 = performance.now();
  const stills: StillScore[] = [];
  const clips: ClipScore[] = [];
  const checks: AlphaCheck[] = [];
  const shares = { stills: [] as number[], clips: [] as number[] };
  for (const item of items) {
    const t = performance.now();
    const indices = Array.from({ length: item.frames }, (_, i) => i);
    const predictions = new Map<number, AlphaImage>();
    await session.job(def.setup, async (job) => {
      await job.load(item.sequence, indices);
      // Twilio sets its background image asynchronously: one untimed frame first lands it (the
      // same frame again gives the same mask: hysteresis keeps what a frame without history keeps).
      if (def.capture === 'composites') await job.run({ sequence: item.sequence, indices: [0] });
      const records = await job.run({ sequence: item.sequence, indices, plates: def.plate ? { 0: item.plate } : undefined, capture: def.capture });
      for (const r of records) if (r.refine) shares[item.kind === 'still' ? 'stills' : 'clips'].push(r.refine.share);
      for (const i of indices) {
        const key = (what: string): string => `${item.sequence}/${i}/${what}`;
        if (def.capture === 'pha') {
          const o = output(job.outputs, key('pha'));
          predictions.set(i, greyToAlpha(o.data, ...size(o)));
        } else if (def.capture === 'mask') {
          const o = output(job.outputs, key('mask'));
          predictions.set(i, maskToAlpha(o.data, ...size(o)));
        } else {
          const black = output(job.outputs, key('black'));
          const white = output(job.outputs, key('white'));
          const input = output(job.outputs, key('input'));
          const alpha = recoverAlpha(black.data, white.data, ...size(black));
          const check = checkAlpha(black.data, white.data, input.data, alpha);
          if (check.notOpaque > 0) throw new Error(`twilio ${item.id} frame ${i}: ${check.notOpaque} pixels of the composites are not opaque (the background image was missing)`);
          checks.push(check);
          predictions.set(i, alpha);
        }
      }
    });
    const prediction = (i: number): AlphaImage => {
      const p = predictions.get(i);
      if (!p) throw new Error(`${item.id}: no prediction for frame ${i}`);
      return p;
    };
    const truth = (path: string): AlphaImage => {
      const a = readScoreAlpha(path);
      if (!a) throw new Error(`${path}: ground truth missing`);
      return a;
    };
    const report = scoreSet(item.kind === 'still' ? { stills: [{ id: item.id }], clips: [] } : { stills: [], clips: [{ id: item.id, frames: item.frames }] }, {
      stillTruth: (id) => truth(join(setDir, 'stills', id, 'alpha.png')),
      stillPrediction: () => prediction(0),
      clipTruth: (id, f) => truth(join(setDir, 'clips', id, 'alpha', `${String(f).padStart(4, '0')}.png`)),
      clipPrediction: (_id, f) => prediction(f),
    });
    stills.push(...report.stills);
    clips.push(...report.clips);
    onItem(item, (performance.now() - t) / 1000);
  }
  const summary = {} as QualitySummary;
  for (const k of STILL_KEYS) summary[k] = mean(stills.map((s) => s[k]));
  summary.clip_sad = mean(clips.map((c) => c.sad));
  summary.clip_mse = mean(clips.map((c) => c.mse));
  summary.clip_band_sad = mean(clips.map((c) => c.band_sad));
  summary.clip_dtssd = mean(clips.map((c) => c.dtssd));
  const alphaCheck = checks.length
    ? {
        frames: checks.length,
        notOpaque: checks.reduce((a, c) => a + c.notOpaque, 0),
        meanResidual: mean(checks.map((c) => c.meanResidual)),
        p99Residual: Math.max(...checks.map((c) => c.p99Residual)),
        meanChannelSpread: mean(checks.map((c) => c.meanChannelSpread)),
      }
    : null;
  const share = (v: number[]): number | null => (v.length ? mean(v) : null);
  return {
    id: def.id,
    method: def.method,
    summary,
    stills,
    clips,
    alphaCheck,
    refineShare: { stills: share(shares.stills), clips: share(shares.clips) },
    seconds: (performance.now() - t0) / 1000,
  };
}
