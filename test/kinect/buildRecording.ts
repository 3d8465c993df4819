/**
 * Test-side writer of k4arecorder-like Azure Kinect recordings (Matroska), laid out as
 * k4arecorder lays them out (src/record/sdk/record.cpp and internal/matroska_write.cpp of the
 * Azure Kinect Sensor SDK): EBML header; a Segment with a SeekHead, Info (TimestampScale 1000
 * ns), Tracks (V_MS/VFW/FOURCC with a 40-byte BITMAPINFOHEADER), Attachments
 * (calibration.json), Tags (K4A_*), an IMU BlockGroup at time 0, one Cluster per capture with
 * a SimpleBlock per image, and Cues. Block times are device time − K4A_START_OFFSET_NS.
 *
 * The EBML is written here by hand (a few lines, Uint8Array only, so it runs in Node and in the
 * browser), independently of the ts-ebml decoder the demuxer uses, so the two check each other.
 * Options add the awkward cases: dropped images, a depth delay, depth before colour within a
 * cluster, a capture split across two clusters, BlockGroups instead of SimpleBlocks, a block of
 * the wrong size, no K4A tags.
 */

/** A 32×16 baseline JPEG: `ffmpeg -f lavfi -i testsrc=size=32x16:rate=1 -frames:v 1 -pix_fmt yuvj420p -q:v 5 tiny.jpg`. */
export const TINY_JPEG = { width: 32, height: 16, base64: '/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgKCgsKCw0NDQ0NDRAPEBAQEBAQEBAQEBASEhIVFRUSEhIQEBISFBQVFRcXFxUVFRUXFxkZGR4eHBwjIyQrKzP/xAB2AAADAQEAAAAAAAAAAAAAAAACBAYFBwEAAwEAAAAAAAAAAAAAAAAAAwUEBxAAAQMDAwIGAwEAAAAAAAAAARECAwQFMRMSAAYhUUNBwoMzYUIVIhEAAgICAgIBBQEAAAAAAAAAAgEDBBEFIQATEjJBQqEiMQb/wAARCAAQACADASIAAhEAAxEA/9oADAMBAAIRAxEAPwCA6KpY6qsmEgDmsayQtIUOQkAHvhSvqCiEcK9+R8nt5T9G0FFSyTS/0qd7pGNZpLGHA7lA+4kk4ATg3K00c742vudPCG7kLtn+lTCzNwn5zx9/mtvr4LEgMpFIRrOK85fY0skMbX57TZtSUK2whuFIgKGkFcREpQyNmc5cOJEK+SyT+XCTeO9UvfkfJ7eKdB1Uk0FXE8l2iYdpJ/V2ojcYbtKdz2KYHMa/3WrZJE0W2dwBcA4b0Kp3+k4Tx9eJ9L11ZbIqiSG3VFaJ9L6w8BmnqDLYpFUuPgicz/R6fY0YXJIMSjY/t6WK8nGSfIxyE/7j6dFp4Ib5bmRCBFIevKo5Goy9wjkGTHkYsX4yLgseyy1nHf/Z' };

/** The bytes of {@link TINY_JPEG}. */
export function tinyJpeg(): Uint8Array {
  const text = atob(TINY_JPEG.base64);
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

export type ColorFormat = 'MJPG' | 'NV12' | 'YUY2' | 'BGRA';
export type DepthMode = 'NFOV_2X2BINNED' | 'NFOV_UNBINNED' | 'WFOV_2X2BINNED' | 'WFOV_UNBINNED';
type Role = 'color' | 'depth' | 'ir';

export interface BuildOptions {
  /** Number of captures (default 3). */
  captures?: number;
  /** Camera frame rate (default 30). */
  fps?: 5 | 15 | 30;
  /** Colour format, or null for no colour track (default 'BGRA'). */
  colorFormat?: ColorFormat | null;
  /** Colour size (default 64×48; TINY_JPEG's 32×16 for MJPG without `jpeg`). */
  colorWidth?: number;
  colorHeight?: number;
  /** The JPEG every MJPG colour block holds (default TINY_JPEG); give colorWidth/Height with it. */
  jpeg?: Uint8Array;
  /** Depth mode (default NFOV_2X2BINNED, 320×288). */
  depthMode?: DepthMode;
  /** Write the depth and IR tracks (default true each). */
  depth?: boolean;
  ir?: boolean;
  /** K4A_DEPTH_DELAY_NS: depth (and IR) device time = colour time + this (default 0). Whole µs. */
  depthDelayNs?: bigint;
  /** K4A_START_OFFSET_NS (default 336277000). Whole µs. */
  startOffsetNs?: bigint;
  /** Device time of the first colour image, µs (default start offset + 100 ms). */
  firstDeviceUs?: number;
  /** Captures whose colour / depth / IR image is dropped (no block written). */
  dropColor?: number[];
  dropDepth?: number[];
  dropIr?: number[];
  /** Captures whose IR, then depth, blocks come before the colour block in the cluster. */
  depthFirst?: number[];
  /** Captures whose depth and IR blocks go into a second cluster of their own. */
  splitCluster?: number[];
  /** Captures whose blocks are written as BlockGroup/Block (with a BlockDuration) instead of SimpleBlock. */
  blockGroup?: number[];
  /** One block written with a wrong payload length (bytes), to test size checks. */
  badBlock?: { capture: number; role: Role; bytes: number };
  /** Write the K4A_* tags (default true). */
  k4aTags?: boolean;
  /** Write the IMU track and its first BlockGroup (default true). */
  imu?: boolean;
  /** Track UIDs (defaults: above 2^53, so a float read would lose digits). */
  uids?: Partial<Record<Role | 'imu', bigint>>;
  /** calibration.json text (default a minimal one with a depth and a colour camera). */
  calibrationJson?: string;
  /** The depth samples of each capture ([h,w] mm, 0 = invalid; default a deterministic pattern). */
  depthImage?: (capture: number, width: number, height: number) => Uint16Array;
  /** The colour payload of each capture in colorFormat's layout (default a deterministic pattern; MJPG: `jpeg`). */
  colorImage?: (capture: number, width: number, height: number) => Uint8Array;
}

/** What the writer put in, to compare the demuxer's output with. */
export interface BuiltRecording {
  bytes: Uint8Array;
  /** Per capture, in order: device timestamps (µs) of the images written. */
  captures: { colorUs?: number; depthUs?: number; irUs?: number }[];
  /** Per capture: the depth / IR samples written (native order), and the colour payload. */
  depth: Uint16Array[];
  ir: Uint16Array[];
  color: Uint8Array[];
  depthWidth: number;
  depthHeight: number;
  colorWidth: number;
  colorHeight: number;
  uids: Record<Role | 'imu', bigint>;
}

const DEPTH_SIZE: Record<DepthMode, [number, number]> = {
  NFOV_2X2BINNED: [320, 288],
  NFOV_UNBINNED: [640, 576],
  WFOV_2X2BINNED: [512, 512],
  WFOV_UNBINNED: [1024, 1024],
};

const ID = {
  EBML: 0x1a45dfa3, EBMLVersion: 0x4286, EBMLReadVersion: 0x42f7, EBMLMaxIDLength: 0x42f2, EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282, DocTypeVersion: 0x4287, DocTypeReadVersion: 0x4285,
  Segment: 0x18538067, SeekHead: 0x114d9b74, Seek: 0x4dbb, SeekID: 0x53ab, SeekPosition: 0x53ac, Void: 0xec,
  Info: 0x1549a966, TimestampScale: 0x2ad7b1, MuxingApp: 0x4d80, WritingApp: 0x5741, Title: 0x7ba9,
  Tracks: 0x1654ae6b, TrackEntry: 0xae, TrackNumber: 0xd7, TrackUID: 0x73c5, TrackType: 0x83, CodecID: 0x86,
  Name: 0x536e, CodecPrivate: 0x63a2, DefaultDuration: 0x23e383, Video: 0xe0, PixelWidth: 0xb0, PixelHeight: 0xba,
  Attachments: 0x1941a469, AttachedFile: 0x61a7, FileName: 0x466e, FileMediaType: 0x4660, FileData: 0x465c, FileUID: 0x46ae,
  Tags: 0x1254c367, Tag: 0x7373, Targets: 0x63c0, TargetType: 0x63ca, TagTrackUID: 0x63c5, TagAttachmentUID: 0x63c6,
  SimpleTag: 0x67c8, TagName: 0x45a3, TagString: 0x4487,
  Cluster: 0x1f43b675, Timestamp: 0xe7, SimpleBlock: 0xa3, BlockGroup: 0xa0, Block: 0xa1, BlockDuration: 0x9b,
  Cues: 0x1c53bb6b, CuePoint: 0xbb, CueTime: 0xb3, CueTrackPositions: 0xb7, CueTrack: 0xf7, CueClusterPosition: 0xf1,
} as const;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function idBytes(id: number): Uint8Array {
  const out: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return Uint8Array.from(out);
}

/** EBML size vint, on `length` bytes (default: the fewest that hold it). */
function sizeVint(size: number, length?: number): Uint8Array {
  let n = length ?? 1;
  while (length === undefined && size >= 2 ** (7 * n) - 1) n++;
  const out = new Uint8Array(n);
  let v = BigInt(size);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  out[0]! |= 0x80 >> (n - 1);
  return out;
}

function el(id: number, ...content: Uint8Array[]): Uint8Array {
  const body = concat(content);
  return concat([idBytes(id), sizeVint(body.length), body]);
}

function uint(id: number, value: number | bigint): Uint8Array {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  return el(id, Uint8Array.from(out));
}

function str(id: number, value: string): Uint8Array {
  return el(id, new TextEncoder().encode(value));
}

function bitmapInfoHeader(width: number, height: number, fourcc: string, bitCount: number, sizeImage: number): Uint8Array {
  const out = new Uint8Array(40);
  const view = new DataView(out.buffer);
  view.setUint32(0, 40, true);
  view.setInt32(4, width, true);
  view.setInt32(8, height, true);
  view.setUint16(12, 1, true);
  view.setUint16(14, bitCount, true);
  for (let i = 0; i < 4; i++) out[16 + i] = fourcc.charCodeAt(i);
  view.setUint32(20, sizeImage, true);
  return out;
}

function tag(name: string, value: string, target?: { type: 'TRACK' | 'ATTACHMENT'; uid: bigint }): Uint8Array {
  const targets = target
    ? el(ID.Targets, str(ID.TargetType, target.type), uint(target.type === 'TRACK' ? ID.TagTrackUID : ID.TagAttachmentUID, target.uid))
    : el(ID.Targets);
  return el(ID.Tag, targets, el(ID.SimpleTag, str(ID.TagName, name), str(ID.TagString, value)));
}

/** The default calibration.json: the shape k4a writes, trimmed to a depth and a colour camera. */
export const DEFAULT_CALIBRATION = JSON.stringify({
  CalibrationInformation: {
    Cameras: [
      { Location: 'CALIBRATION_CameraLocationD0', Purpose: 'CALIBRATION_CameraPurposeDepth', Rt: { Rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], Translation: [0, 0, 0] } },
      { Location: 'CALIBRATION_CameraLocationPV0', Purpose: 'CALIBRATION_CameraPurposePhotoVideo', Rt: { Rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], Translation: [-0.032, -0.002, 0.004] } },
    ],
  },
});

function depthSamples(capture: number, width: number, height: number): Uint16Array {
  const out = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      out[y * width + x] = (x + y + capture) % 17 === 0 ? 0 : 500 + ((x * 7 + y * 13 + capture * 101) % 3000);
    }
  }
  return out;
}

function irSamples(capture: number, width: number, height: number): Uint16Array {
  const out = new Uint16Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = 1 + ((i * 3 + capture * 7) % 1000);
  return out;
}

function bigEndian(samples: Uint16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    out[2 * i] = samples[i]! >> 8;
    out[2 * i + 1] = samples[i]! & 0xff;
  }
  return out;
}

function colorPayload(format: ColorFormat, capture: number, width: number, height: number, jpeg: Uint8Array): Uint8Array {
  if (format === 'MJPG') return jpeg;
  const bytes = format === 'BGRA' ? width * height * 4 : format === 'YUY2' ? width * height * 2 : (width * height * 3) / 2;
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 5 + capture * 31) & 0xff;
  return out;
}

function blockBody(trackNumber: number, relative: number, flags: number, payload: Uint8Array): Uint8Array {
  if (relative < -32768 || relative > 32767) throw new Error(`buildRecording: relative block time ${relative} does not fit int16`);
  const header = new Uint8Array(4);
  header[0] = 0x80 | trackNumber;
  header[1] = (relative >> 8) & 0xff;
  header[2] = relative & 0xff;
  header[3] = flags;
  return concat([header, payload]);
}

/**
 * Writes a recording.
 * @returns the file bytes and what went into them
 * @throws Error when the options cannot be written (e.g. a delay beyond int16 µs block offsets)
 */
export function buildRecording(options: BuildOptions = {}): BuiltRecording {
  const count = options.captures ?? 3;
  const fps = options.fps ?? 30;
  const colorFormat = options.colorFormat === undefined ? 'BGRA' : options.colorFormat;
  const jpeg = options.jpeg ?? tinyJpeg();
  const colorWidth = options.colorWidth ?? (colorFormat === 'MJPG' ? TINY_JPEG.width : 64);
  const colorHeight = options.colorHeight ?? (colorFormat === 'MJPG' ? TINY_JPEG.height : 48);
  const depthMode = options.depthMode ?? 'NFOV_2X2BINNED';
  const [depthWidth, depthHeight] = DEPTH_SIZE[depthMode];
  const hasDepth = options.depth ?? true;
  const hasIr = options.ir ?? true;
  const hasImu = options.imu ?? true;
  const delayNs = options.depthDelayNs ?? 0n;
  const startOffsetNs = options.startOffsetNs ?? 336_277_000n;
  const firstUs = options.firstDeviceUs ?? Number(startOffsetNs / 1000n) + 100_000;
  // matroska_write.cpp set_track_info_video: DefaultDuration = 1 s / fps, integer division.
  const periodNs = 1_000_000_000n / BigInt(fps);
  const uids: Record<Role | 'imu', bigint> = {
    color: 226376802450399186n,
    depth: 455224094056465970n,
    ir: 132505957082569141n,
    imu: 368432896645948698n,
    ...options.uids,
  };
  const trackNumber: Record<Role | 'imu', number> = { color: 1, depth: 2, ir: 3, imu: 4 };
  const withK4a = options.k4aTags ?? true;

  // Tracks, attachments, tags.
  const video = (role: Role, name: string, width: number, height: number, fourcc: string, bitCount: number, sizeImage: number): Uint8Array =>
    el(
      ID.TrackEntry,
      uint(ID.TrackNumber, trackNumber[role]),
      uint(ID.TrackUID, uids[role]),
      uint(ID.TrackType, 1),
      str(ID.CodecID, 'V_MS/VFW/FOURCC'),
      str(ID.Name, name),
      el(ID.CodecPrivate, bitmapInfoHeader(width, height, fourcc, bitCount, sizeImage)),
      uint(ID.DefaultDuration, periodNs),
      el(ID.Video, uint(ID.PixelWidth, width), uint(ID.PixelHeight, height)),
    );
  const entries: Uint8Array[] = [];
  const tags: Uint8Array[] = [];
  const trackTag = (role: Role | 'imu', name: string): void => {
    tags.push(tag(name, uids[role].toString(), { type: 'TRACK', uid: uids[role] }));
  };
  if (colorFormat) {
    const bits = { MJPG: 24, NV12: 12, YUY2: 16, BGRA: 32 }[colorFormat];
    entries.push(video('color', 'COLOR', colorWidth, colorHeight, colorFormat, bits, (colorWidth * colorHeight * bits) / 8));
    trackTag('color', 'K4A_COLOR_TRACK');
    tags.push(tag('K4A_COLOR_MODE', `${colorFormat}_${colorHeight}P`, { type: 'TRACK', uid: uids.color }));
  }
  if (hasDepth) {
    entries.push(video('depth', 'DEPTH', depthWidth, depthHeight, 'b16g', 16, depthWidth * depthHeight * 2));
    trackTag('depth', 'K4A_DEPTH_TRACK');
    tags.push(tag('K4A_DEPTH_MODE', depthMode, { type: 'TRACK', uid: uids.depth }));
  }
  if (hasIr) {
    entries.push(video('ir', 'IR', depthWidth, depthHeight, 'b16g', 16, depthWidth * depthHeight * 2));
    trackTag('ir', 'K4A_IR_TRACK');
    tags.push(tag('K4A_IR_MODE', 'ACTIVE', { type: 'TRACK', uid: uids.ir }));
    if (!hasDepth) tags.push(tag('K4A_DEPTH_MODE', depthMode));
  }
  if (hasImu) {
    entries.push(
      el(ID.TrackEntry, uint(ID.TrackNumber, 4), uint(ID.TrackUID, uids.imu), uint(ID.TrackType, 17), str(ID.CodecID, 'S_K4A/IMU'), str(ID.Name, 'IMU')),
    );
  }
  const attachmentUid = 1124715092807590911n;
  tags.push(tag('K4A_DEPTH_DELAY_NS', delayNs.toString()));
  tags.push(tag('K4A_WIRED_SYNC_MODE', 'STANDALONE'));
  tags.push(tag('K4A_CALIBRATION_FILE', 'calibration.json', { type: 'ATTACHMENT', uid: attachmentUid }));
  if (hasImu) trackTag('imu', 'K4A_IMU_TRACK');
  tags.push(tag('K4A_START_OFFSET_NS', startOffsetNs.toString()));

  const info = el(ID.Info, uint(ID.TimestampScale, 1000), str(ID.MuxingApp, 'libmatroska-1.4.9'), str(ID.WritingApp, 'buildRecording'), str(ID.Title, 'Azure Kinect'));
  const tracksElement = el(ID.Tracks, ...entries);
  const attachments = el(
    ID.Attachments,
    el(
      ID.AttachedFile,
      str(ID.FileName, 'calibration.json'),
      str(ID.FileMediaType, 'application/octet-stream'),
      el(ID.FileData, new TextEncoder().encode(options.calibrationJson ?? DEFAULT_CALIBRATION)),
      uint(ID.FileUID, attachmentUid),
    ),
  );
  const tagsElement = withK4a ? el(ID.Tags, ...tags) : el(ID.Tags, el(ID.Tag, el(ID.Targets), el(ID.SimpleTag, str(ID.TagName, 'TITLE'), str(ID.TagString, 'no k4a tags'))));

  // Clusters: one per capture (plus one for split captures), block times relative to the cluster.
  const built: BuiltRecording = {
    bytes: new Uint8Array(0),
    captures: [],
    depth: [],
    ir: [],
    color: [],
    depthWidth,
    depthHeight,
    colorWidth,
    colorHeight,
    uids,
  };
  const fileNs = (deviceUs: number): bigint => BigInt(deviceUs) * 1000n - startOffsetNs;
  interface Planned { role: Role | 'imu'; timeNs: bigint; payload: Uint8Array }
  const clusters: Planned[][] = [];
  if (hasImu) clusters.push([{ role: 'imu', timeNs: 0n, payload: new Uint8Array(40) }]);
  const asGroup = new Set(options.blockGroup ?? []);
  const groupOf = new Map<Planned, boolean>();
  for (let i = 0; i < count; i++) {
    const colorUs = firstUs + Math.round((i * 1e6) / fps);
    const depthUs = colorUs + Number(delayNs / 1000n);
    const written: BuiltRecording['captures'][number] = {};
    const blocks: Planned[] = [];
    const depth = (options.depthImage ?? depthSamples)(i, depthWidth, depthHeight);
    const ir = irSamples(i, depthWidth, depthHeight);
    let color = colorFormat ? (options.colorImage?.(i, colorWidth, colorHeight) ?? colorPayload(colorFormat, i, colorWidth, colorHeight, jpeg)) : new Uint8Array(0);
    built.depth.push(depth);
    built.ir.push(ir);
    built.color.push(color);
    const sized = (role: Role, payload: Uint8Array): Uint8Array =>
      options.badBlock && options.badBlock.capture === i && options.badBlock.role === role ? payload.subarray(0, options.badBlock.bytes) : payload;
    if (colorFormat && !options.dropColor?.includes(i)) {
      color = sized('color', color);
      blocks.push({ role: 'color', timeNs: fileNs(colorUs), payload: color });
      written.colorUs = colorUs;
    }
    const depthBlocks: Planned[] = [];
    if (hasDepth && !options.dropDepth?.includes(i)) {
      depthBlocks.push({ role: 'depth', timeNs: fileNs(depthUs), payload: sized('depth', bigEndian(depth)) });
      written.depthUs = depthUs;
    }
    if (hasIr && !options.dropIr?.includes(i)) {
      depthBlocks.push({ role: 'ir', timeNs: fileNs(depthUs), payload: sized('ir', bigEndian(ir)) });
      written.irUs = depthUs;
    }
    for (const b of [...blocks, ...depthBlocks]) groupOf.set(b, asGroup.has(i));
    if (options.splitCluster?.includes(i)) {
      clusters.push(blocks, depthBlocks);
    } else if (options.depthFirst?.includes(i)) {
      clusters.push([...depthBlocks.reverse(), ...blocks]);
    } else {
      clusters.push([...blocks, ...depthBlocks]);
    }
    built.captures.push(written);
  }

  const clusterElements: Uint8Array[] = [];
  const clusterTimes: bigint[] = [];
  for (const planned of clusters.filter((c) => c.length > 0)) {
    const base = planned.reduce((m, b) => (b.timeNs < m ? b.timeNs : m), planned[0]!.timeNs);
    const baseTicks = base / 1000n;
    clusterTimes.push(baseTicks);
    const body: Uint8Array[] = [uint(ID.Timestamp, baseTicks)];
    for (const b of planned) {
      const relative = Number(b.timeNs / 1000n - baseTicks);
      const number = trackNumber[b.role];
      if (b.role === 'imu' || groupOf.get(b)) {
        body.push(el(ID.BlockGroup, el(ID.Block, blockBody(number, relative, 0, b.payload)), uint(ID.BlockDuration, 1)));
      } else {
        body.push(el(ID.SimpleBlock, blockBody(number, relative, 0x80, b.payload)));
      }
    }
    clusterElements.push(el(ID.Cluster, ...body));
  }

  // Segment layout with a SeekHead of fixed size first (positions are relative to the Segment's data).
  const sections: [number, Uint8Array][] = [
    [ID.Info, info],
    [ID.Tracks, tracksElement],
    [ID.Attachments, attachments],
    [ID.Tags, tagsElement],
  ];
  const seekHeadSize = (positions: number[]): number => seekHead(positions).length;
  function seekHead(positions: number[]): Uint8Array {
    const ids = [...sections.map(([id]) => id), ID.Cues];
    return el(ID.SeekHead, ...ids.map((id, k) => el(ID.Seek, el(ID.SeekID, idBytes(id)), el(ID.SeekPosition, sizeFixed(positions[k] ?? 0)))));
  }
  // Fixed 8-byte SeekPositions keep the SeekHead size independent of the values.
  function sizeFixed(value: number): Uint8Array {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt(value));
    return out;
  }
  const headSize = seekHeadSize([0, 0, 0, 0, 0]);
  const positions: number[] = [];
  let at = headSize;
  for (const [, bytes] of sections) {
    positions.push(at);
    at += bytes.length;
  }
  const clusterPositions: number[] = [];
  for (const c of clusterElements) {
    clusterPositions.push(at);
    at += c.length;
  }
  positions.push(at);
  const cues = el(
    ID.Cues,
    ...clusterPositions.map((pos, k) =>
      el(ID.CuePoint, uint(ID.CueTime, clusterTimes[k]!), el(ID.CueTrackPositions, uint(ID.CueTrack, 1), uint(ID.CueClusterPosition, pos))),
    ),
  );
  const segmentBody = concat([seekHead(positions), ...sections.map(([, b]) => b), ...clusterElements, cues]);
  const ebmlHeader = el(
    ID.EBML,
    uint(ID.EBMLVersion, 1),
    uint(ID.EBMLReadVersion, 1),
    uint(ID.EBMLMaxIDLength, 4),
    uint(ID.EBMLMaxSizeLength, 8),
    str(ID.DocType, 'matroska'),
    uint(ID.DocTypeVersion, 2),
    uint(ID.DocTypeReadVersion, 2),
  );
  // k4arecorder writes the Segment size on 8 bytes.
  built.bytes = concat([ebmlHeader, idBytes(ID.Segment), sizeVint(segmentBody.length, 8), segmentBody]);
  return built;
}
