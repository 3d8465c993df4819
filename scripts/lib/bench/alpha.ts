// Twilio's alpha, recovered from its composites over a black and a white background. Twilio
// composites on a 2D canvas: the person layer from its WebGL2 canvas (premultiplied, P = α·I),
// then the background under it with 'destination-over', C = P + (1 − α)·B. Over B = 0 and B = 255
// the difference C_white − C_black = 255·(1 − α) in every channel, whatever the frame.
import type { AlphaImage } from '../../../src/eval/score';

/**
 * α = 1 − mean over R, G, B of (C_white − C_black) / 255, clamped to 0..1 and rounded to 8 bits
 * (as a prediction PNG holds it).
 * @param black, white RGBA composites of the same frame, width·height·4 bytes each
 * @throws RangeError when the sizes disagree
 */
export function recoverAlpha(black: Uint8Array, white: Uint8Array, width: number, height: number): AlphaImage {
  const n = width * height;
  if (black.length !== n * 4 || white.length !== n * 4) throw new RangeError(`recoverAlpha: ${black.length} and ${white.length} bytes for ${width}×${height} RGBA`);
  const alpha = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = white[i * 4]! - black[i * 4]! + (white[i * 4 + 1]! - black[i * 4 + 1]!) + (white[i * 4 + 2]! - black[i * 4 + 2]!);
    const a = 1 - d / (3 * 255);
    alpha[i] = Math.round(Math.min(1, Math.max(0, a)) * 255) / 255;
  }
  return { width, height, alpha };
}

/** How well the composites fit the linear model the recovery assumes. */
export interface AlphaCheck {
  /** Pixels whose composites are not opaque in both (the background was missing): must be 0. */
  notOpaque: number;
  /** Mean over pixels and channels of |C_black − α·I|, in 8-bit levels (I: the frame as a canvas draws it). */
  meanResidual: number;
  /** 99th percentile of the per-pixel mean residual, in levels. */
  p99Residual: number;
  /** Mean over pixels of the spread (max − min) across R, G, B of C_white − C_black, in levels: 0 when α is the same in every channel. */
  meanChannelSpread: number;
}

/**
 * Checks the linear model on one frame: C_black should be α·I (the person layer alone), and
 * C_white − C_black the same in every channel.
 * @param input the frame as RGBA (drawn on a 2D canvas)
 * @throws RangeError when the sizes disagree
 */
export function checkAlpha(black: Uint8Array, white: Uint8Array, input: Uint8Array, alpha: AlphaImage): AlphaCheck {
  const n = alpha.width * alpha.height;
  if (black.length !== n * 4 || white.length !== n * 4 || input.length !== n * 4) throw new RangeError('checkAlpha: sizes disagree');
  let notOpaque = 0;
  let residualSum = 0;
  let spreadSum = 0;
  const perPixel = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (black[i * 4 + 3] !== 255 || white[i * 4 + 3] !== 255) notOpaque++;
    let r = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = 0; c < 3; c++) {
      r += Math.abs(black[i * 4 + c]! - alpha.alpha[i]! * input[i * 4 + c]!);
      const d = white[i * 4 + c]! - black[i * 4 + c]!;
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    perPixel[i] = r / 3;
    residualSum += r / 3;
    spreadSum += hi - lo;
  }
  perPixel.sort();
  return {
    notOpaque,
    meanResidual: residualSum / n,
    p99Residual: perPixel[Math.min(n - 1, Math.ceil(0.99 * n) - 1)]!,
    meanChannelSpread: spreadSum / n,
  };
}

/**
 * MediaPipe's confidence mask (Float32, model size) as a prediction: 0..1 in float64. The
 * scorer quantises and resizes it bilinearly to the ground truth's size.
 * @throws RangeError when the byte count does not match the size
 */
export function maskToAlpha(bytes: Uint8Array, width: number, height: number): AlphaImage {
  if (bytes.length !== width * height * 4) throw new RangeError(`maskToAlpha: ${bytes.length} bytes for ${width}×${height} float32`);
  const f32 = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const alpha = new Float64Array(f32.length);
  for (let i = 0; i < f32.length; i++) alpha[i] = Math.min(1, Math.max(0, f32[i]!));
  return { width, height, alpha };
}

/**
 * An 8-bit grey matte (the engine's pha read-back) as a prediction.
 * @throws RangeError when the byte count does not match the size
 */
export function greyToAlpha(bytes: Uint8Array, width: number, height: number): AlphaImage {
  if (bytes.length !== width * height) throw new RangeError(`greyToAlpha: ${bytes.length} bytes for ${width}×${height}`);
  const alpha = new Float64Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) alpha[i] = bytes[i]! / 255;
  return { width, height, alpha };
}
