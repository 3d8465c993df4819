import { InputError } from '../errors';

/** The stream header of a YUV4MPEG2 (.y4m) file. */
export interface Y4mHeader {
  width: number;
  height: number;
  /** Frames per second (F tag), or null when absent. */
  fps: number | null;
  /** Colour space tag (C tag); only 4:2:0 variants are accepted. */
  colorspace: string;
  /** Sample range from the XCOLORRANGE extension: `limited` (16..235, the default) or `full` (0..255). */
  range: 'limited' | 'full';
  /** Bytes up to and including the header's newline. */
  headerBytes: number;
  /** Bytes of one frame's planes (Y + U + V, I420). */
  frameBytes: number;
}

const MAGIC = 'YUV4MPEG2';
const ACCEPTED = new Set(['420', '420jpeg', '420mpeg2', '420paldv']);
const MAX_HEADER = 1024;
const MAX_SIDE = 16384;

function corrupt(message: string): InputError {
  return new InputError('corrupt-input', `Not a valid .y4m file: ${message}`);
}

/**
 * Parses the header line of a .y4m stream.
 * @param bytes the start of the file (at least the whole header line; 1 KiB suffices)
 * @throws InputError 'corrupt-input' for a missing magic, header or size;
 *   'unsupported-input' for colour spaces other than 4:2:0 8-bit
 */
export function parseY4mHeader(bytes: Uint8Array): Y4mHeader {
  const end = bytes.subarray(0, MAX_HEADER).indexOf(0x0a);
  if (end < 0) throw corrupt('no header line in the first 1 KiB');
  const line = new TextDecoder('latin1').decode(bytes.subarray(0, end));
  const [magic, ...tags] = line.split(' ');
  if (magic !== MAGIC) throw corrupt(`it starts with "${line.slice(0, 9)}", not ${MAGIC}`);
  let width = 0;
  let height = 0;
  let fps: number | null = null;
  let colorspace = '420jpeg';
  let range: 'limited' | 'full' = 'limited';
  for (const tag of tags) {
    const value = tag.slice(1);
    switch (tag[0]) {
      case 'W':
        width = Number(value);
        break;
      case 'H':
        height = Number(value);
        break;
      case 'F': {
        const [num, den] = value.split(':').map(Number);
        if (num && den && Number.isFinite(num / den)) fps = num / den;
        break;
      }
      case 'C':
        colorspace = value;
        break;
      case 'X':
        if (value.toUpperCase() === 'COLORRANGE=FULL') range = 'full';
        break;
      default:
        break;
    }
  }
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v > MAX_SIDE) throw corrupt(`${name} ${v} is not in 1..${MAX_SIDE}`);
  }
  if (!ACCEPTED.has(colorspace)) {
    throw new InputError('unsupported-input', `.y4m colour space C${colorspace} is not supported; convert to 4:2:0 (ffmpeg -pix_fmt yuv420p).`);
  }
  if (width % 2 || height % 2) throw corrupt(`4:2:0 needs an even size, got ${width}×${height}`);
  const frameBytes = width * height + 2 * (width / 2) * (height / 2);
  return { width, height, fps, colorspace, range, headerBytes: end + 1, frameBytes };
}

/**
 * The VideoFrame colour space of .y4m samples: BT.601 (what ffmpeg and most y4m writers
 * use for the YUV matrix when none is tagged) with the header's range.
 */
export function y4mColorSpace(header: Pick<Y4mHeader, 'range'>): VideoColorSpaceInit {
  return { matrix: 'smpte170m', primaries: 'smpte170m', transfer: 'smpte170m', fullRange: header.range === 'full' };
}

/**
 * Given the bytes at the start of a frame record ("FRAME[ params]\n"), returns the length
 * of that line including its newline.
 * @throws InputError 'corrupt-input' when the record does not start with FRAME
 */
export function frameHeaderLength(bytes: Uint8Array): number {
  const end = bytes.subarray(0, MAX_HEADER).indexOf(0x0a);
  const word = new TextDecoder('latin1').decode(bytes.subarray(0, 5));
  if (word !== 'FRAME' || end < 0) throw corrupt('a frame record does not start with FRAME');
  return end + 1;
}

/**
 * Splits a whole .y4m file held in memory into its I420 frames.
 * @returns the header and one Uint8Array view (I420, frameBytes long) per frame
 * @throws InputError 'corrupt-input' for a truncated last frame or a malformed record
 */
export function splitY4m(bytes: Uint8Array): { header: Y4mHeader; frames: Uint8Array[] } {
  const header = parseY4mHeader(bytes);
  const frames: Uint8Array[] = [];
  let pos = header.headerBytes;
  while (pos < bytes.length) {
    const start = pos + frameHeaderLength(bytes.subarray(pos));
    if (start + header.frameBytes > bytes.length) {
      throw corrupt(`frame ${frames.length} is truncated (${bytes.length - start} of ${header.frameBytes} bytes)`);
    }
    frames.push(bytes.subarray(start, start + header.frameBytes));
    pos = start + header.frameBytes;
  }
  return { header, frames };
}
