import { iou } from './metrics';
import type { StillScore } from './score';

/** How one still's matte from run A differs from run B's (e.g. two backends). */
export interface StillAgreement {
  id: string;
  /** Mean absolute difference of the two mattes, alpha units 0..1. */
  mad: number;
  /** IoU of the two person masks (alpha > 0.5). */
  iou: number;
  /** IoU against the ground truth: run A's minus run B's. */
  iouDelta: number;
}

/**
 * Agreement of two evaluation runs on the same stills: per still the mean absolute
 * difference of the mattes, the IoU between their person masks and the difference of
 * their IoUs against the ground truth; and the means.
 * @param a, b [H,W] mattes in 0..1 per still id, the same size for the same id
 * @param scoresA, scoresB each run's per-still scores (iou against the ground truth)
 * @throws RangeError when a still is missing from one run or the sizes differ
 */
export function compareRuns(
  ids: readonly string[],
  a: (id: string) => ArrayLike<number>,
  b: (id: string) => ArrayLike<number>,
  scoresA: readonly StillScore[],
  scoresB: readonly StillScore[],
): { stills: StillAgreement[]; mad: number; iou: number; iouDelta: number } {
  const scoreOf = (scores: readonly StillScore[], id: string, run: string): StillScore => {
    const s = scores.find((x) => x.id === id);
    if (!s) throw new RangeError(`compareRuns: still ${id} has no score in run ${run}`);
    return s;
  };
  const stills = ids.map((id): StillAgreement => {
    const ma = a(id);
    const mb = b(id);
    if (ma.length !== mb.length) throw new RangeError(`compareRuns: still ${id} has ${ma.length} pixels in run A, ${mb.length} in run B`);
    let sum = 0;
    for (let i = 0; i < ma.length; i++) sum += Math.abs(ma[i]! - mb[i]!);
    return {
      id,
      mad: sum / ma.length,
      iou: iou(ma, mb),
      iouDelta: scoreOf(scoresA, id, 'A').iou - scoreOf(scoresB, id, 'B').iou,
    };
  });
  const mean = (f: (s: StillAgreement) => number): number => stills.reduce((acc, s) => acc + f(s), 0) / Math.max(stills.length, 1);
  return { stills, mad: mean((s) => s.mad), iou: mean((s) => s.iou), iouDelta: mean((s) => s.iouDelta) };
}
