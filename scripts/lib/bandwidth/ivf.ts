// IVF, the libvpx test container ffmpeg reads and writes: the bandwidth benchmark's bitstreams
// go through it (WebCodecs chunks written into it, ffmpeg's VP8 output read back from it).

const IVF_FOURCC: Record<'vp8' | 'vp9' | 'av1', string> = { vp8: 'VP80', vp9: 'VP90', av1: 'AV01' };

/**
 * Writes frames into an IVF container (the libvpx test format ffmpeg reads), one frame per
 * unit of a 1000/(fps·1000) time base.
 * @returns the whole file
 */
export function writeIvf(codec: 'vp8' | 'vp9' | 'av1', width: number, height: number, fps: number, frames: readonly Uint8Array[]): Buffer {
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(0, 4);
  header.writeUInt16LE(32, 6);
  header.write(IVF_FOURCC[codec], 8, 'latin1');
  header.writeUInt16LE(width, 12);
  header.writeUInt16LE(height, 14);
  header.writeUInt32LE(Math.round(fps * 1000), 16);
  header.writeUInt32LE(1000, 20);
  header.writeUInt32LE(frames.length, 24);
  const parts: Buffer[] = [header];
  frames.forEach((f, i) => {
    const h = Buffer.alloc(12);
    h.writeUInt32LE(f.length, 0);
    h.writeBigUInt64LE(BigInt(i), 4);
    parts.push(h, Buffer.from(f.buffer, f.byteOffset, f.length));
  });
  return Buffer.concat(parts);
}

/**
 * Splits an IVF file into its frames.
 * @returns the fourcc and each frame's payload (views into `bytes`)
 * @throws Error for a missing signature or a truncated frame
 */
export function readIvf(bytes: Uint8Array): { fourcc: string; frames: Uint8Array[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = (a: number, b: number): string => String.fromCharCode(...bytes.subarray(a, b));
  if (bytes.length < 32 || latin1(0, 4) !== 'DKIF') throw new Error('not an IVF file (no DKIF signature)');
  const headerSize = view.getUint16(6, true);
  const frames: Uint8Array[] = [];
  let pos = headerSize;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new Error(`IVF frame ${frames.length}: truncated frame header`);
    const size = view.getUint32(pos, true);
    if (pos + 12 + size > bytes.length) throw new Error(`IVF frame ${frames.length}: ${size} bytes announced, ${bytes.length - pos - 12} left`);
    frames.push(bytes.subarray(pos + 12, pos + 12 + size));
    pos += 12 + size;
  }
  return { fourcc: latin1(8, 12), frames };
}
