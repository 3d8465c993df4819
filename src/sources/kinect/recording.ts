/**
 * Demuxer for Azure Kinect recordings written by k4arecorder (Matroska, "Azure Kinect"
 * title, K4A_* tags): tracks, tags, the calibration.json attachment, and the colour, depth
 * and IR blocks paired into captures. Pure TypeScript over a Uint8Array, so it runs in the
 * browser and in Node.
 *
 * Followed (Azure Kinect Sensor SDK, microsoft/Azure-Kinect-Sensor-SDK):
 *  - src/record/internal/matroska_read.cpp `parse_recording_config`, `find_track`, `get_tag`,
 *    `get_attachment_by_tag`, `read_bitmap_info_header`: which track is COLOR/DEPTH/IR/IMU
 *    (the K4A_*_TRACK tag's TagTrackUID, else the UID in its string, else the track name;
 *    'DEPTH_IR' is the legacy IR name), the BITMAPINFOHEADER FOURCCs, the depth-mode image
 *    sizes, the 5/15/30 fps frame periods, K4A_DEPTH_DELAY_NS and K4A_START_OFFSET_NS;
 *  - `get_capture` / `next_block` (reading forward from the start): each track's blocks are
 *    taken in file order; a block's sync time is its time plus the track's sync delay
 *    (a positive K4A_DEPTH_DELAY_NS delays the colour track, a negative one the depth and IR
 *    tracks); the next capture holds every track's next block whose sync time lies less than
 *    half a frame period after the earliest of them; the others wait for a later capture.
 *    The SDK's "fill in blocks missed by a seek" step never applies when reading from the
 *    start, so it is not reproduced;
 *  - `convert_block_to_image`: the device timestamp is the block time in µs (ns / 1000) plus
 *    K4A_START_OFFSET_NS / 1000 (record.cpp wrote device time − start offset); b16g samples
 *    are big-endian.
 * IMU samples (the S_K4A/IMU track, e.g. the BlockGroup at time 0 in a k4arecorder file's first
 * cluster) are not part of image captures and are skipped entirely; so are custom tracks.
 */
import { InputError } from '../../errors';
import { rawImageBytes } from './imageBytes';
import { EbmlId, child, children, readBinary, readEbmlTree, readString, readUint, readUintNumber, type EbmlElement } from './ebml';

export type KinectImageFormat = 'MJPG' | 'NV12' | 'YUY2' | 'BGRA' | 'b16g';

/** One image block of a capture, as stored in the recording. */
export interface KinectImage {
  format: KinectImageFormat;
  width: number;
  height: number;
  /**
   * Device timestamp in microseconds, as the SDK's playback reports it: the block's Matroska
   * time (ns) / 1000 plus K4A_START_OFFSET_NS / 1000.
   */
  timestampUs: number;
  /** The block payload as stored (MJPG: a JPEG; b16g: 16-bit BIG-endian samples; NV12/YUY2/BGRA: raw rows). A view into the file's bytes. */
  data: Uint8Array;
}

/** The images recorded together for one capture; a dropped image leaves its field unset. */
export interface KinectCapture {
  color?: KinectImage;
  depth?: KinectImage;
  ir?: KinectImage;
}

/** One of the recording's built-in tracks. */
export interface KinectTrack {
  name: 'COLOR' | 'DEPTH' | 'IR' | 'IMU';
  trackNumber: number;
  /** Exact 64-bit TrackUID. */
  uid: bigint;
  /** 'V_MS/VFW/FOURCC' for images, 'S_K4A/IMU' for the IMU. */
  codecId: string;
  /** From the BITMAPINFOHEADER biCompression, e.g. 'MJPG', 'b16g'. */
  fourcc?: string;
  width?: number;
  height?: number;
}

/** A parsed k4arecorder file. */
export interface KinectRecording {
  /** Every K4A_* SimpleTag, name → string value, e.g. K4A_COLOR_MODE → 'MJPG_720P'. */
  tags: ReadonlyMap<string, string>;
  tracks: { color?: KinectTrack; depth?: KinectTrack; ir?: KinectTrack; imu?: KinectTrack };
  /** Text of the calibration.json attachment (the one K4A_CALIBRATION_FILE names), or null. */
  calibrationJson: string | null;
  /** K4A_START_OFFSET_NS (0n if absent). */
  startOffsetNs: bigint;
  /** K4A_DEPTH_DELAY_NS (0n if absent); positive: depth captured after colour. */
  depthDelayNs: bigint;
  /** Colour, depth and IR blocks paired into captures, in time order. */
  captures: KinectCapture[];
}

/** Image size of each K4A_DEPTH_MODE (k4a_convert_depth_mode_to_width_height). */
const DEPTH_MODE_SIZE: Readonly<Record<string, readonly [number, number]>> = {
  NFOV_2X2BINNED: [320, 288],
  NFOV_UNBINNED: [640, 576],
  WFOV_2X2BINNED: [512, 512],
  WFOV_UNBINNED: [1024, 1024],
  PASSIVE_IR: [1024, 1024],
};
const COLOR_FORMATS: ReadonlySet<string> = new Set(['MJPG', 'NV12', 'YUY2', 'BGRA']);
const VIDEO_CODEC = 'V_MS/VFW/FOURCC';
const TRACK_TYPE_VIDEO = 1;
const TRACK_TYPE_SUBTITLE = 17;
const BITMAPINFOHEADER_SIZE = 40;
/** Largest colour image k4a records (4096×3072); bounds allocations on corrupt sizes. */
const MAX_SIDE = 4096;

function corrupt(message: string): InputError {
  return new InputError('corrupt-input', `Corrupt Azure Kinect recording: ${message}.`);
}

function unsupported(message: string): InputError {
  return new InputError('unsupported-input', `Not a supported Azure Kinect recording: ${message}.`);
}

interface TrackEntry {
  number: number;
  uid: bigint;
  type: number;
  name: string;
  codecId: string;
  codecPrivate: Uint8Array | null;
  defaultDurationNs: bigint;
  width: number;
  height: number;
}

interface K4aTag {
  name: string;
  value: string;
  targetType: string;
  trackUid: bigint;
  attachmentUid: bigint;
}

type ImageRole = 'color' | 'depth' | 'ir';

interface ImageTrack {
  role: ImageRole;
  entry: TrackEntry;
  format: KinectImageFormat;
  /** Added to the block time for pairing (the SDK's track sync_delay_ns). */
  syncDelayNs: bigint;
}

/**
 * Parses a k4arecorder .mkv file held in memory.
 * @param bytes the whole file
 * @returns tracks, K4A_* tags, calibration text and the captures; image data are views into `bytes`
 * @throws InputError 'corrupt-input' (malformed or truncated file, image block of the wrong size)
 *   or 'unsupported-input' (not Matroska, no K4A_* tags, no image track, unknown format or mode)
 */
export function parseKinectRecording(bytes: Uint8Array): KinectRecording {
  if (!(bytes instanceof Uint8Array)) throw unsupported('expected the file bytes as a Uint8Array');
  if (bytes.length < 4 || bytes[0] !== 0x1a || bytes[1] !== 0x45 || bytes[2] !== 0xdf || bytes[3] !== 0xa3) {
    throw unsupported('the file is not Matroska (.mkv): no EBML header');
  }
  const roots = readEbmlTree(bytes);
  const header = roots[0];
  if (!header || header.id !== EbmlId.EBML) throw corrupt('the EBML header is missing');
  const docType = child(header, EbmlId.DocType);
  const docTypeName = docType ? readString(bytes, docType) : 'matroska';
  if (docTypeName !== 'matroska') throw unsupported(`the file is ${docTypeName}, not a Matroska k4arecorder file`);
  const segment = roots.find((e) => e.id === EbmlId.Segment);
  if (!segment) throw corrupt('the Matroska Segment is missing');
  checkSeekHead(bytes, segment);

  const info = child(segment, EbmlId.Info);
  const scaleElement = info && child(info, EbmlId.TimestampScale);
  const timestampScaleNs = scaleElement ? readUint(bytes, scaleElement) : 1_000_000n;
  if (timestampScaleNs === 0n) throw corrupt('TimestampScale is 0');

  const entries = children(segment, EbmlId.Tracks).flatMap((t) => children(t, EbmlId.TrackEntry).map((e) => readTrackEntry(bytes, e)));
  const k4aTags = readK4aTags(bytes, segment);
  if (k4aTags.length === 0) throw unsupported('it has no K4A_* tags (was it written by k4arecorder?)');
  const tags = new Map<string, string>();
  for (const tag of k4aTags) if (!tags.has(tag.name)) tags.set(tag.name, tag.value);

  const colorEntry = findTrack(entries, k4aTags, 'COLOR', 'K4A_COLOR_TRACK');
  const depthEntry = findTrack(entries, k4aTags, 'DEPTH', 'K4A_DEPTH_TRACK');
  const irEntry = findTrack(entries, k4aTags, 'IR', 'K4A_IR_TRACK') ?? findTrack(entries, [], 'DEPTH_IR', null);
  let imuEntry = findTrack(entries, k4aTags, 'IMU', 'K4A_IMU_TRACK');
  if (imuEntry && imuEntry.type !== TRACK_TYPE_SUBTITLE) imuEntry = undefined; // the SDK treats it as a custom track
  if (!colorEntry && !depthEntry && !irEntry) throw unsupported('it has no COLOR, DEPTH or IR track');

  const startOffsetNs = parseTagInteger(tags, 'K4A_START_OFFSET_NS', false);
  const depthDelayNs = parseTagInteger(tags, 'K4A_DEPTH_DELAY_NS', true);

  const imageTracks: ImageTrack[] = [];
  let periodNs = 0n;
  const checkPeriod = (entry: TrackEntry, role: string): void => {
    if (periodNs === 0n) periodNs = entry.defaultDurationNs;
    else if (entry.defaultDurationNs !== periodNs) {
      throw corrupt(`the ${role} track's frame period (${entry.defaultDurationNs} ns) differs from the others' (${periodNs} ns)`);
    }
  };
  if (colorEntry) {
    const format = readBitmapFormat(colorEntry, 'COLOR');
    if (!COLOR_FORMATS.has(format)) throw unsupported(`the COLOR track's format ${format} is not a colour format`);
    checkPeriod(colorEntry, 'COLOR');
    imageTracks.push({ role: 'color', entry: colorEntry, format: format as KinectImageFormat, syncDelayNs: depthDelayNs > 0n ? depthDelayNs : 0n });
  }
  if (depthEntry || irEntry) {
    const mode = tags.get('K4A_DEPTH_MODE');
    if (mode === undefined) throw corrupt('the K4A_DEPTH_MODE tag is missing');
    const size = DEPTH_MODE_SIZE[mode];
    if (!size) throw unsupported(`unknown depth mode ${mode}`);
    for (const [entry, role] of [
      [depthEntry, 'depth'],
      [irEntry, 'ir'],
    ] as const) {
      if (!entry) continue;
      const label = role === 'depth' ? 'DEPTH' : 'IR';
      const format = readBitmapFormat(entry, label);
      if (format !== 'b16g') throw unsupported(`the ${label} track's format is ${format}, expected b16g`);
      if (entry.width !== size[0] || entry.height !== size[1]) {
        throw corrupt(`the ${label} track is ${entry.width}×${entry.height} but depth mode ${mode} is ${size[0]}×${size[1]}`);
      }
      checkPeriod(entry, label);
      imageTracks.push({ role, entry, format: 'b16g', syncDelayNs: depthDelayNs < 0n ? -depthDelayNs : 0n });
    }
  }
  if (periodNs <= 0n || ![5n, 15n, 30n].includes(1_000_000_000n / periodNs)) {
    throw unsupported(`the frame period ${periodNs} ns (DefaultDuration) is not 5, 15 or 30 fps`);
  }

  const calibrationJson = readCalibration(bytes, segment, k4aTags);
  const blocks = readImageBlocks(bytes, segment, imageTracks, timestampScaleNs, startOffsetNs);
  const captures = pairCaptures(blocks, periodNs);

  const describe = (name: KinectTrack['name'], entry: TrackEntry | undefined, fourcc: boolean): KinectTrack | undefined =>
    entry && {
      name,
      trackNumber: entry.number,
      uid: entry.uid,
      codecId: entry.codecId,
      ...(fourcc ? { fourcc: readBitmapFormat(entry, name), width: entry.width, height: entry.height } : {}),
    };
  const tracks: KinectRecording['tracks'] = {};
  const color = describe('COLOR', colorEntry, true);
  const depth = describe('DEPTH', depthEntry, true);
  const ir = describe('IR', irEntry, true);
  const imu = describe('IMU', imuEntry, false);
  if (color) tracks.color = color;
  if (depth) tracks.depth = depth;
  if (ir) tracks.ir = ir;
  if (imu) tracks.imu = imu;
  return { tags, tracks, calibrationJson, startOffsetNs, depthDelayNs, captures };
}

/**
 * Unpacks a b16g image (the recording's big-endian uint16 samples) to native order.
 * @param image a depth or IR image from {@link parseKinectRecording}
 * @returns [height, width] uint16, row-major: depth in millimetres or IR counts; 0 = invalid
 * @throws InputError 'unsupported-input' for a non-b16g image; 'corrupt-input' when the data is not width×height×2 bytes
 */
export function decodeB16g(image: KinectImage): Uint16Array<ArrayBuffer> {
  if (image.format !== 'b16g') throw new InputError('unsupported-input', `decodeB16g needs a b16g (depth/IR) image, got ${image.format}.`);
  const count = image.width * image.height;
  if (image.data.length !== count * 2) {
    throw corrupt(`a ${image.width}×${image.height} b16g image has ${image.data.length} bytes, expected ${count * 2}`);
  }
  const out = new Uint16Array(count);
  const data = image.data;
  for (let i = 0; i < count; i++) out[i] = ((data[2 * i] ?? 0) << 8) | (data[2 * i + 1] ?? 0);
  return out;
}

/**
 * Checks every SeekHead entry points at an element of that ID inside the file: k4arecorder
 * indexes Info, Tracks, Attachments, Tags and Cues (written last), so a file cut between
 * clusters — which the Segment's unknown size would otherwise hide — is caught here.
 */
function checkSeekHead(bytes: Uint8Array, segment: EbmlElement): void {
  const starts = new Map(segment.children.map((e) => [e.start, e.id]));
  for (const head of children(segment, EbmlId.SeekHead)) {
    for (const seek of children(head, EbmlId.Seek)) {
      const idElement = child(seek, EbmlId.SeekID);
      const positionElement = child(seek, EbmlId.SeekPosition);
      if (!idElement || !positionElement) throw corrupt(`the SeekHead entry at byte ${seek.start} is incomplete`);
      let id = 0;
      for (const b of readBinary(bytes, idElement)) id = id * 256 + b;
      const target = segment.dataStart + readUintNumber(bytes, positionElement);
      if (target >= bytes.length) {
        throw corrupt(`the SeekHead points to byte ${target}, past the end of the file (${bytes.length} bytes): the file is truncated`);
      }
      if (starts.get(target) !== id) {
        throw corrupt(`the SeekHead points to element 0x${id.toString(16)} at byte ${target}, which is not there`);
      }
    }
  }
}

function readTrackEntry(bytes: Uint8Array, entry: EbmlElement): TrackEntry {
  const number = child(entry, EbmlId.TrackNumber);
  const uid = child(entry, EbmlId.TrackUID);
  if (!number || !uid) throw corrupt(`the TrackEntry at byte ${entry.start} has no TrackNumber or TrackUID`);
  const str = (id: number): string => {
    const e = child(entry, id);
    return e ? readString(bytes, e) : '';
  };
  const codecPrivate = child(entry, EbmlId.CodecPrivate);
  const duration = child(entry, EbmlId.DefaultDuration);
  const type = child(entry, EbmlId.TrackType);
  const video = child(entry, EbmlId.Video);
  const pixel = (id: number): number => {
    const e = video && child(video, id);
    return e ? readUintNumber(bytes, e) : 0;
  };
  return {
    number: readUintNumber(bytes, number),
    uid: readUint(bytes, uid),
    type: type ? readUintNumber(bytes, type) : 0,
    name: str(EbmlId.Name),
    codecId: str(EbmlId.CodecID),
    codecPrivate: codecPrivate ? readBinary(bytes, codecPrivate) : null,
    defaultDurationNs: duration ? readUint(bytes, duration) : 0n,
    width: pixel(EbmlId.PixelWidth),
    height: pixel(EbmlId.PixelHeight),
  };
}

/** Every K4A_* SimpleTag with its Tag's targets, in file order. */
function readK4aTags(bytes: Uint8Array, segment: EbmlElement): K4aTag[] {
  const out: K4aTag[] = [];
  for (const tags of children(segment, EbmlId.Tags)) {
    for (const tag of children(tags, EbmlId.Tag)) {
      const targets = child(tag, EbmlId.Targets);
      const targetTypeElement = targets && child(targets, EbmlId.TargetType);
      const trackUidElement = targets && child(targets, EbmlId.TagTrackUID);
      const attachmentUidElement = targets && child(targets, EbmlId.TagAttachmentUID);
      for (const simple of children(tag, EbmlId.SimpleTag)) {
        const nameElement = child(simple, EbmlId.TagName);
        const name = nameElement ? readString(bytes, nameElement) : '';
        if (!name.startsWith('K4A_')) continue;
        const valueElement = child(simple, EbmlId.TagString);
        out.push({
          name,
          value: valueElement ? readString(bytes, valueElement) : '',
          targetType: targetTypeElement ? readString(bytes, targetTypeElement) : '',
          trackUid: trackUidElement ? readUint(bytes, trackUidElement) : 0n,
          attachmentUid: attachmentUidElement ? readUint(bytes, attachmentUidElement) : 0n,
        });
      }
    }
  }
  return out;
}

/** matroska_read.cpp `find_track`: by the tag's track UID first, else by track name. */
function findTrack(entries: TrackEntry[], tags: K4aTag[], name: string, tagName: string | null): TrackEntry | undefined {
  let uid = 0n;
  const tag = tagName === null ? undefined : tags.find((t) => t.name === tagName);
  if (tag) {
    if (tag.targetType === 'TRACK') uid = tag.trackUid;
    if (uid === 0n) {
      if (!/^\d+$/.test(tag.value.trim())) throw corrupt(`tag ${tag.name} holds "${tag.value}", not a track UID`);
      uid = BigInt(tag.value.trim());
    }
  }
  return (uid !== 0n ? entries.find((e) => e.uid === uid) : undefined) ?? entries.find((e) => e.name === name);
}

/** An integer K4A_* tag (0n when absent); the SDK reads them with istringstream. */
function parseTagInteger(tags: ReadonlyMap<string, string>, name: string, signed: boolean): bigint {
  const value = tags.get(name);
  if (value === undefined) return 0n;
  if (!(signed ? /^-?\d+$/ : /^\d+$/).test(value.trim())) throw corrupt(`tag ${name} holds "${value}", not an integer`);
  return BigInt(value.trim());
}

/** matroska_read.cpp `read_bitmap_info_header`: the FOURCC of a V_MS/VFW/FOURCC track. */
function readBitmapFormat(entry: TrackEntry, label: string): string {
  if (entry.type !== TRACK_TYPE_VIDEO) throw corrupt(`the ${label} track is not a video track`);
  if (entry.codecId !== VIDEO_CODEC) throw unsupported(`the ${label} track's codec is ${entry.codecId}, expected ${VIDEO_CODEC}`);
  const header = entry.codecPrivate;
  if (!header || header.length !== BITMAPINFOHEADER_SIZE) {
    throw corrupt(`the ${label} track's CodecPrivate is ${header?.length ?? 0} bytes, expected a ${BITMAPINFOHEADER_SIZE}-byte BITMAPINFOHEADER`);
  }
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const fourcc = String.fromCharCode(...header.subarray(16, 20));
  if (!['MJPG', 'NV12', 'YUY2', 'BGRA', 'b16g'].includes(fourcc)) {
    throw unsupported(`the ${label} track's FOURCC ${JSON.stringify(fourcc)} is not one k4arecorder writes`);
  }
  const width = view.getInt32(4, true);
  const height = view.getInt32(8, true);
  if (entry.width <= 0 || entry.height <= 0 || entry.width > MAX_SIDE || entry.height > MAX_SIDE) {
    throw corrupt(`the ${label} track's size ${entry.width}×${entry.height} is out of range`);
  }
  if (width !== entry.width || height !== entry.height) {
    throw corrupt(`the ${label} track is ${entry.width}×${entry.height} but its BITMAPINFOHEADER says ${width}×${height}`);
  }
  return fourcc;
}

/** matroska_read.cpp `get_attachment_by_tag`, else `get_attachment_by_name("calibration.json")`. */
function readCalibration(bytes: Uint8Array, segment: EbmlElement, tags: K4aTag[]): string | null {
  const files = children(segment, EbmlId.Attachments).flatMap((a) => children(a, EbmlId.AttachedFile));
  const uidOf = (file: EbmlElement): bigint => {
    const e = child(file, EbmlId.FileUID);
    return e ? readUint(bytes, e) : 0n;
  };
  const nameOf = (file: EbmlElement): string => {
    const e = child(file, EbmlId.FileName);
    return e ? readString(bytes, e) : '';
  };
  const tag = tags.find((t) => t.name === 'K4A_CALIBRATION_FILE');
  let file: EbmlElement | undefined;
  if (tag && tag.targetType === 'ATTACHMENT') file = files.find((f) => uidOf(f) === tag.attachmentUid);
  file ??= files.find((f) => nameOf(f) === 'calibration.json');
  if (!file) return null;
  const data = child(file, EbmlId.FileData);
  if (!data) throw corrupt(`the attachment ${nameOf(file)} has no FileData`);
  return readString(bytes, data);
}

interface PendingImage {
  image: KinectImage;
  syncNs: bigint;
}

/** Every colour/depth/IR block, per role, in file order (SimpleBlocks and BlockGroup Blocks). */
function readImageBlocks(
  bytes: Uint8Array,
  segment: EbmlElement,
  tracks: ImageTrack[],
  timestampScaleNs: bigint,
  startOffsetNs: bigint,
): Map<ImageRole, PendingImage[]> {
  const byNumber = new Map(tracks.map((t) => [t.entry.number, t]));
  const out = new Map<ImageRole, PendingImage[]>(tracks.map((t) => [t.role, []]));
  const startOffsetUs = startOffsetNs / 1000n;
  for (const cluster of children(segment, EbmlId.Cluster)) {
    const timestampElement = child(cluster, EbmlId.Timestamp);
    const clusterTime = timestampElement ? readUint(bytes, timestampElement) : null;
    for (const element of cluster.children) {
      let block: EbmlElement | undefined;
      if (element.id === EbmlId.SimpleBlock) block = element;
      else if (element.id === EbmlId.BlockGroup) {
        block = child(element, EbmlId.Block);
        if (!block) throw corrupt(`the BlockGroup at byte ${element.start} has no Block`);
      } else continue;
      const data = readBinary(bytes, block);
      // Block header: track number (EBML vint), int16 relative timestamp, flags.
      const first = data[0] ?? 0;
      const vintLength = first === 0 ? 9 : Math.clz32(first) - 23;
      if (data.length < vintLength + 3) throw corrupt(`the block at byte ${block.start} is too short for its header`);
      let trackNumber = first & (0xff >> vintLength);
      for (let i = 1; i < vintLength; i++) trackNumber = trackNumber * 256 + (data[i] ?? 0);
      const track = byNumber.get(trackNumber);
      if (!track) continue; // IMU and custom tracks are not part of image captures
      if (clusterTime === null) throw corrupt(`the Cluster at byte ${cluster.start} has blocks but no Timestamp`);
      const relative = (((data[vintLength] ?? 0) << 8) | (data[vintLength + 1] ?? 0)) << 16 >> 16;
      const flags = data[vintLength + 2] ?? 0;
      if ((flags & 0x06) !== 0) throw corrupt(`the ${track.role} block at byte ${block.start} is laced; image blocks hold one frame`);
      const timeNs = (clusterTime + BigInt(relative)) * timestampScaleNs;
      if (timeNs < 0n) throw corrupt(`the ${track.role} block at byte ${block.start} has a negative timestamp`);
      const payload = data.subarray(vintLength + 3);
      const { width, height } = track.entry;
      const expected = rawImageBytes(track.format, width, height);
      if (expected !== null && payload.length !== expected) {
        throw corrupt(`the ${track.format} ${track.role} block at byte ${block.start} has ${payload.length} bytes, expected ${expected} for ${width}×${height}`);
      }
      if (expected === null && (payload.length < 4 || payload[0] !== 0xff || payload[1] !== 0xd8)) {
        throw corrupt(`the MJPG colour block at byte ${block.start} is not a JPEG (no FFD8 start marker)`);
      }
      out.get(track.role)?.push({
        image: { format: track.format, width, height, timestampUs: Number(timeNs / 1000n + startOffsetUs), data: payload },
        syncNs: timeNs + track.syncDelayNs,
      });
    }
  }
  return out;
}

/** playback `get_capture`, forward from the start (see the module docstring). */
function pairCaptures(blocks: Map<ImageRole, PendingImage[]>, periodNs: bigint): KinectCapture[] {
  const roles = [...blocks.keys()];
  const next = new Map<ImageRole, number>(roles.map((r) => [r, 0]));
  const window = periodNs / 2n;
  const captures: KinectCapture[] = [];
  for (;;) {
    let startNs: bigint | null = null;
    for (const role of roles) {
      const head = blocks.get(role)?.[next.get(role) ?? 0];
      if (head && (startNs === null || head.syncNs < startNs)) startNs = head.syncNs;
    }
    if (startNs === null) return captures;
    const capture: KinectCapture = {};
    for (const role of roles) {
      const index = next.get(role) ?? 0;
      const head = blocks.get(role)?.[index];
      if (head && head.syncNs - startNs < window) {
        capture[role] = head.image;
        next.set(role, index + 1);
      }
    }
    captures.push(capture);
  }
}
