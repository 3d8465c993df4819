/**
 * Matting metrics, with the definitions of ../shared/eval/README.md (alpha in 0..1,
 * predicted `a` and ground truth `g` as [H,W] float arrays of equal length).
 */

function check(a: ArrayLike<number>, g: ArrayLike<number>): void {
  if (a.length !== g.length) throw new RangeError(`alpha sizes differ: ${a.length} vs ${g.length}`);
  if (a.length === 0) throw new RangeError('empty alpha');
}

/** SAD: Σ|a − g| / 1000. */
export function sad(a: ArrayLike<number>, g: ArrayLike<number>): number {
  check(a, g);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - g[i]!);
  return s / 1000;
}

/** MSE: mean (a − g)² × 1000. */
export function mse(a: ArrayLike<number>, g: ArrayLike<number>): number {
  check(a, g);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - g[i]!) ** 2;
  return (s / a.length) * 1000;
}

/**
 * IoU of the person masks a > 0.5 and g > 0.5. Two empty masks give 1.
 */
export function iou(a: ArrayLike<number>, g: ArrayLike<number>): number {
  check(a, g);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const pa = a[i]! > 0.5;
    const pg = g[i]! > 0.5;
    if (pa && pg) inter++;
    if (pa || pg) union++;
  }
  return union === 0 ? 1 : inter / union;
}
