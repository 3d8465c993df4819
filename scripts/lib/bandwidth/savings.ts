// Bitrate arithmetic of the bandwidth report: kbit/s of a sequence, the share of the camera's
// bits a variant saves, each row's saving against its camera row, and the means over clips.
import { mean } from '../../../src/eval/score';
import type { BandwidthMean, BandwidthRow } from './types';

/**
 * Bitrate of a sequence.
 * @param bytes encoded bytes (≥ 0)
 * @param frames frame count (≥ 1)
 * @param fps frames per second (> 0)
 * @returns kbit/s (1000 bit/s)
 * @throws RangeError for a frame count or rate that is not positive
 */
export function kbitPerSecond(bytes: number, frames: number, fps: number): number {
  if (!(frames > 0) || !(fps > 0) || !(bytes >= 0)) throw new RangeError(`kbitPerSecond: bytes ${bytes}, frames ${frames}, fps ${fps}`);
  return (bytes * 8 * fps) / frames / 1000;
}

/**
 * The share of the camera's bitrate a variant saves: 1 − variant / camera.
 * @returns a fraction (0.6 = 60 % fewer bits; negative when the variant costs more)
 * @throws RangeError when the camera bitrate is not positive
 */
export function saving(variantKbps: number, cameraKbps: number): number {
  if (!(cameraKbps > 0)) throw new RangeError(`saving: camera bitrate must be positive, got ${cameraKbps}`);
  return 1 - variantKbps / cameraKbps;
}

/**
 * Fills each row's saving against the camera row of the same clip, codec and quantizer.
 * @returns new rows; the camera rows get null
 * @throws Error when a clip × codec × quantizer has no camera row
 */
export function withSavings(rows: readonly BandwidthRow[]): BandwidthRow[] {
  const camera = new Map<string, BandwidthRow>();
  const key = (r: BandwidthRow): string => `${r.clip}\u0000${r.codec}\u0000${r.quantizer}`;
  for (const r of rows) if (r.variant === 'camera') camera.set(key(r), r);
  return rows.map((r) => {
    if (r.variant === 'camera') return { ...r, saving: null, deltaSaving: null };
    const base = camera.get(key(r));
    if (base === undefined) throw new Error(`no camera row for ${r.clip} ${r.codec} q${r.quantizer}`);
    return { ...r, saving: saving(r.kbps, base.kbps), deltaSaving: saving(r.deltaKbps, base.deltaKbps) };
  });
}

/**
 * Means over clips per codec × quantizer × variant, in the rows' first-seen order: kbit/s and
 * saving (each clip weighs the same), over all frames and after the key frame, and luma PSNR.
 */
export function meanOverClips(rows: readonly BandwidthRow[]): BandwidthMean[] {
  const groups = new Map<string, BandwidthRow[]>();
  for (const r of rows) {
    const k = `${r.codec}\u0000${r.quantizer}\u0000${r.variant}`;
    const list = groups.get(k) ?? [];
    list.push(r);
    groups.set(k, list);
  }
  return [...groups.values()].map((list) => {
    const { codec, quantizer, variant } = list[0]!;
    const meanSaving = (values: (number | null)[]): number | null => (values.every((v) => v !== null) ? mean(values as number[]) : null);
    return {
      codec,
      quantizer,
      variant,
      clips: list.length,
      kbps: mean(list.map((r) => r.kbps)),
      saving: meanSaving(list.map((r) => r.saving)),
      deltaKbps: mean(list.map((r) => r.deltaKbps)),
      deltaSaving: meanSaving(list.map((r) => r.deltaSaving)),
      psnrY: mean(list.map((r) => r.psnrY)),
    };
  });
}
