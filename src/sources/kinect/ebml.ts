/**
 * A thin layer over ts-ebml's `Decoder` that turns its flat event stream into an element
 * tree with byte offsets into the caller's buffer, and papers over the parts of ts-ebml that
 * are wrong for Matroska files as k4arecorder writes them:
 *  - unsigned integers come back as JS numbers (a 64-bit TrackUID loses its low digits):
 *    {@link readUint} re-reads the value exactly from the raw bytes as a bigint;
 *  - the `ebml` package's vint reader reports any 8-byte size ≥ 65536 as "unknown size"
 *    (k4arecorder writes the Segment size on 8 bytes): master sizes are re-read from the
 *    raw size field, and only an all-ones field counts as unknown;
 *  - a truncated file simply ends the event stream ("waiting for more data"): the bytes the
 *    decoder did not consume are reported as a truncation;
 *  - children are not checked against their parent's size: an overrun is reported here.
 * Strings are decoded here from the raw bytes (zero padding removed), not taken from
 * ts-ebml, which keeps the padding.
 */
import './bufferShim';
import { Decoder } from 'ts-ebml';
import { InputError } from '../../errors';

/** EBML / Matroska element IDs used by the Kinect demuxer (IDs include their length marker bits). */
export const EbmlId = {
  EBML: 0x1a45dfa3,
  DocType: 0x4282,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Seek: 0x4dbb,
  SeekID: 0x53ab,
  SeekPosition: 0x53ac,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  Name: 0x536e,
  DefaultDuration: 0x23e383,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Attachments: 0x1941a469,
  AttachedFile: 0x61a7,
  FileName: 0x466e,
  FileData: 0x465c,
  FileUID: 0x46ae,
  Tags: 0x1254c367,
  Tag: 0x7373,
  Targets: 0x63c0,
  TargetType: 0x63ca,
  TagTrackUID: 0x63c5,
  TagAttachmentUID: 0x63c6,
  SimpleTag: 0x67c8,
  TagName: 0x45a3,
  TagString: 0x4487,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
} as const;

/** One element of the file, with offsets into the buffer given to {@link readEbmlTree}. */
export interface EbmlElement {
  /** Numeric ID including the length marker bits, e.g. 0x1A45DFA3 for the EBML header. */
  id: number;
  /** Name from the Matroska schema, or 'unknown'. */
  name: string;
  /** Master elements ('m') have children; the others carry data. */
  isMaster: boolean;
  /** Byte offset of the element's ID. */
  start: number;
  /** Byte offsets of the element's content: [dataStart, dataEnd). */
  dataStart: number;
  dataEnd: number;
  /** True when the size field was the all-ones "unknown size" (then dataEnd is where the element closed). */
  unknownSize: boolean;
  children: EbmlElement[];
}

/** Shape of the ts-ebml events this module reads (a subset of EBML.EBMLElementDetail). */
interface DecoderEvent {
  name: string;
  type: string;
  level: number;
  isEnd?: boolean;
  EBML_ID: string;
  tagStart: number;
  sizeStart: number;
  sizeEnd: number;
  dataStart: number;
  dataEnd: number;
  dataSize: number;
}

function corrupt(message: string, cause?: unknown): InputError {
  return new InputError('corrupt-input', `Corrupt or truncated Matroska file: ${message}`, { cause });
}

/**
 * Reads an EBML size field exactly. Returns null for the reserved all-ones "unknown size".
 * @param bytes the file; the field is bytes[start, end)
 */
function readSizeField(bytes: Uint8Array, start: number, end: number): number | null {
  const length = end - start;
  const first = bytes[start] ?? 0;
  let value = BigInt(first & (0xff >> length));
  let allOnes = (first & (0xff >> length)) === 0xff >> length;
  for (let i = start + 1; i < end; i++) {
    const b = bytes[i] ?? 0;
    value = (value << 8n) | BigInt(b);
    allOnes &&= b === 0xff;
  }
  if (allOnes) return null;
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`an element size at byte ${start} is ${value} bytes`);
  return Number(value);
}

/**
 * Parses a whole EBML document into its element tree.
 * @param bytes the complete file
 * @returns the top-level elements (for Matroska: the EBML header, then the Segment)
 * @throws InputError 'corrupt-input' when the file is truncated inside an element, a child
 *   overruns its parent, or ts-ebml rejects the bytes; 'unsupported-input' for a data element
 *   whose 8-byte size ts-ebml cannot read.
 */
export function readEbmlTree(bytes: Uint8Array): EbmlElement[] {
  let events: DecoderEvent[];
  try {
    // ts-ebml wraps the ArrayBuffer and copies it once into its own Buffer; slice only a partial view.
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const chunk = (whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
    events = new Decoder().decode(chunk) as unknown as DecoderEvent[];
  } catch (err) {
    throw corrupt(`the EBML reader failed (${err instanceof Error ? err.message : String(err)})`, err);
  }

  const roots: EbmlElement[] = [];
  const open: { element: EbmlElement; level: number }[] = [];
  let consumed = 0;
  for (const event of events) {
    if (event.type === 'm' && event.isEnd) continue; // closing is decided from byte ranges below
    const isMaster = event.type === 'm';
    let dataEnd: number;
    let unknownSize = false;
    if (isMaster) {
      const size = readSizeField(bytes, event.sizeStart, event.sizeEnd);
      unknownSize = size === null;
      dataEnd = size === null ? bytes.length : event.dataStart + size;
    } else {
      if (event.dataSize < 0) {
        if (readSizeField(bytes, event.sizeStart, event.sizeEnd) === null) {
          throw corrupt(`${event.name} at byte ${event.tagStart} is a data element with an unknown size`);
        }
        throw new InputError(
          'unsupported-input',
          `Matroska element ${event.name} at byte ${event.tagStart} has an 8-byte size the EBML reader cannot handle.`,
        );
      }
      dataEnd = event.dataEnd;
    }
    const element: EbmlElement = {
      id: parseInt(event.EBML_ID, 16),
      name: event.name,
      isMaster,
      start: event.tagStart,
      dataStart: event.dataStart,
      dataEnd,
      unknownSize,
      children: [],
    };

    // Close the masters this element lies after (known size) or is a sibling/ancestor of (unknown size).
    for (;;) {
      const top = open[open.length - 1];
      if (!top) break;
      if (!top.element.unknownSize && element.start >= top.element.dataEnd) {
        open.pop();
      } else if (top.element.unknownSize && event.level >= 0 && event.level <= top.level) {
        top.element.dataEnd = element.start;
        open.pop();
      } else {
        break;
      }
    }
    const parent = open[open.length - 1]?.element;
    if (parent && !parent.unknownSize && element.dataEnd > parent.dataEnd) {
      throw corrupt(
        `${element.name} at byte ${element.start} ends at byte ${element.dataEnd}, past the end of its parent ${parent.name} (byte ${parent.dataEnd})`,
      );
    }
    (parent ? parent.children : roots).push(element);
    if (isMaster) open.push({ element, level: event.level });
    consumed = isMaster ? element.dataStart : element.dataEnd;
  }
  if (consumed < bytes.length) {
    throw corrupt(`the element at byte ${consumed} is cut off at the end of the file (${bytes.length} bytes)`);
  }
  for (const { element } of open) {
    if (element.dataEnd > bytes.length) {
      throw corrupt(`${element.name} at byte ${element.start} declares ${element.dataEnd - element.dataStart} bytes but the file ends at byte ${bytes.length}`);
    }
  }
  return roots;
}

/** The first child of `parent` with this ID, or undefined. */
export function child(parent: EbmlElement, id: number): EbmlElement | undefined {
  return parent.children.find((c) => c.id === id);
}

/** Every child of `parent` with this ID, in file order. */
export function children(parent: EbmlElement, id: number): EbmlElement[] {
  return parent.children.filter((c) => c.id === id);
}

/** The element's content bytes: a view into `bytes`, no copy. */
export function readBinary(bytes: Uint8Array, element: EbmlElement): Uint8Array {
  return bytes.subarray(element.dataStart, element.dataEnd);
}

/**
 * An unsigned integer element (1..8 bytes, big-endian; empty = 0), exactly.
 * @throws InputError 'corrupt-input' for more than 8 bytes
 */
export function readUint(bytes: Uint8Array, element: EbmlElement): bigint {
  const length = element.dataEnd - element.dataStart;
  if (length > 8) throw corrupt(`${element.name} at byte ${element.start} is a ${length}-byte integer`);
  let value = 0n;
  for (let i = element.dataStart; i < element.dataEnd; i++) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  return value;
}

/**
 * An unsigned integer element as a JS number.
 * @throws InputError 'corrupt-input' when it does not fit in 2^53
 */
export function readUintNumber(bytes: Uint8Array, element: EbmlElement): number {
  const value = readUint(bytes, element);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${element.name} at byte ${element.start} is too large (${value})`);
  return Number(value);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A string element (ASCII 's' or UTF-8 '8'), with trailing zero padding removed.
 * @throws InputError 'corrupt-input' for invalid UTF-8
 */
export function readString(bytes: Uint8Array, element: EbmlElement): string {
  let data = readBinary(bytes, element);
  const nul = data.indexOf(0);
  if (nul >= 0) data = data.subarray(0, nul);
  try {
    return utf8.decode(data);
  } catch (err) {
    throw corrupt(`${element.name} at byte ${element.start} is not valid UTF-8 text`, err);
  }
}
