/**
 * Combining several frames of the empty scene into one clean background plate: the per-pixel,
 * per-channel median removes sensor noise and anything that crosses the view briefly (a hand,
 * a passer-by, a flicker) better than a mean, which smears them in.
 */

/**
 * Per-channel median of equally sized frames (typically RGBA rows from `getImageData`).
 * For an even number of frames the two middle values are averaged, rounding halves up.
 * @param frames one or more pixel arrays of the same length; they are not modified
 * @param out where to write the result (same length); a new array by default
 * @throws RangeError when there are no frames or their lengths differ
 */
export function medianFrames(frames: readonly Uint8ClampedArray[], out?: Uint8ClampedArray): Uint8ClampedArray {
  const n = frames.length;
  const first = frames[0];
  if (!first) throw new RangeError('medianFrames: at least one frame is needed.');
  const length = first.length;
  frames.forEach((frame, i) => {
    if (frame.length !== length) throw new RangeError(`medianFrames: frame ${i} has ${frame.length} values, frame 0 has ${length}.`);
  });
  const result = out ?? new Uint8ClampedArray(length);
  if (result.length !== length) throw new RangeError(`medianFrames: the output has ${result.length} values, the frames ${length}.`);
  if (n === 1) {
    result.set(first);
    return result;
  }
  const values = new Uint8Array(n);
  const lower = (n - 1) >> 1;
  const upper = n >> 1;
  for (let i = 0; i < length; i++) {
    // Insertion sort: n is small (a handful of frames), and the values of one pixel are close.
    for (let k = 0; k < n; k++) {
      const v = frames[k]![i]!;
      let j = k;
      while (j > 0 && values[j - 1]! > v) {
        values[j] = values[j - 1]!;
        j--;
      }
      values[j] = v;
    }
    result[i] = (values[lower]! + values[upper]! + 1) >> 1;
  }
  return result;
}
