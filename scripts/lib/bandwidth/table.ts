// The bandwidth report as text: one table per codec × quantizer, a row per clip, the mean over
// clips and the mean after the key frame.
import type { BandwidthCodec, BandwidthReport, BandwidthVariant } from './types';

/** Short names of the encoder columns. */
export const ENCODER_NAMES: Record<BandwidthCodec, string> = {
  'vp8-libvpx': 'VP8 (ffmpeg/libvpx)',
  'vp9-webcodecs': 'VP9 (WebCodecs)',
  'av1-webcodecs': 'AV1 (WebCodecs)',
};

/** Column heading of a variant in the table. */
const VARIANT_HEADINGS: Record<BandwidthVariant, string> = {
  camera: 'camera kbit/s',
  off: 'off',
  'blur-light': 'light',
  'blur-medium': 'medium',
  'blur-strong': 'strong',
  image: 'image',
  color: 'colour',
};

/**
 * The report as text: one table per codec × quantizer, a row per clip, the mean row, and the
 * mean after the key frame (steady state); the camera's kbit/s, then each variant's saving
 * in % (and its kbit/s in brackets), and the luma PSNR of camera and medium blur.
 */
export function formatBandwidthTable(report: Pick<BandwidthReport, 'rows' | 'means' | 'variants' | 'codecs' | 'quantizers'>): string {
  const variants = report.variants;
  const lines: string[] = [];
  const cell = (r: { kbps: number; saving: number | null } | undefined): string => {
    if (!r) return '–';
    if (r.saving === null) return r.kbps.toFixed(0);
    return `${(r.saving * 100).toFixed(1)}% (${r.kbps.toFixed(0)})`;
  };
  for (const codec of report.codecs) {
    for (const quantizer of report.quantizers) {
      const rows = report.rows.filter((r) => r.codec === codec && r.quantizer === quantizer);
      if (rows.length === 0) continue;
      const clips = [...new Set(rows.map((r) => r.clip))];
      const table: string[][] = [['clip', ...variants.map((v) => VARIANT_HEADINGS[v]), 'PSNR-Y camera/medium dB']];
      const psnr = (list: { variant: BandwidthVariant; psnrY: number }[]): string => {
        const cam = list.find((r) => r.variant === 'camera');
        const med = list.find((r) => r.variant === 'blur-medium');
        return `${cam ? cam.psnrY.toFixed(1) : '–'} / ${med ? med.psnrY.toFixed(1) : '–'}`;
      };
      for (const clip of clips) {
        const of = rows.filter((r) => r.clip === clip);
        table.push([clip, ...variants.map((v) => cell(of.find((r) => r.variant === v))), psnr(of)]);
      }
      const means = report.means.filter((m) => m.codec === codec && m.quantizer === quantizer);
      table.push([`mean of ${clips.length}`, ...variants.map((v) => cell(means.find((m) => m.variant === v))), psnr(means)]);
      const delta = means.map((m) => ({ kbps: m.deltaKbps, saving: m.deltaSaving, variant: m.variant }));
      table.push(['  after key frame', ...variants.map((v) => cell(delta.find((m) => m.variant === v))), '']);
      const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
      lines.push(`${ENCODER_NAMES[codec]}, Q ${quantizer}: saving vs camera (kbit/s)`);
      for (const row of table) lines.push(row.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  '));
      lines.push('');
    }
  }
  return lines.join('\n');
}
