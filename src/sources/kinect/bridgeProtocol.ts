// The Kinect bridge wire protocol, version 1 (docs/kinect-bridge.md): one JSON text message
// `calibration`, then one binary message per capture, then `end` (or `error`). Pure and
// isomorphic: the Node reference server (scripts/kinect-bridge.ts) encodes, the page
// (bridgeClient.ts) decodes, the native helper for a live device writes the same bytes.
import { InputError } from '../../errors';
import { rawImageBytes } from './imageBytes';

/** Protocol version carried by both the calibration message and every capture header. */
export const BRIDGE_PROTOCOL_VERSION = 1;
/** 'K4AB' as it appears in the first four bytes of every capture message. */
export const CAPTURE_MAGIC = 'K4AB';
/** Bytes of the version-1 capture header; the payload starts at the header's own `headerLength`. */
export const CAPTURE_HEADER_BYTES = 48;

/** Bit 0 of the capture header's flags: the stream jumped (a replay looped, the device restarted); drop temporal state. */
export const CAPTURE_FLAG_DISCONTINUITY = 1;

/**
 * Colour formats on the wire. The codes are the protocol's own (0 = no colour), not
 * k4a_image_format_t's (k4atypes.h), so that a zeroed header means "nothing".
 */
export const COLOR_FORMAT_CODES = { MJPG: 1, NV12: 2, YUY2: 3, BGRA32: 4 } as const;
export type BridgeColorFormat = keyof typeof COLOR_FORMAT_CODES;

/** Depth modes as k4arecorder's K4A_DEPTH_MODE tag and the k4a enum names spell them. */
export const DEPTH_MODES = ['NFOV_2X2BINNED', 'NFOV_UNBINNED', 'WFOV_2X2BINNED', 'WFOV_UNBINNED', 'PASSIVE_IR'] as const;
/** K4A_COLOR_MODE as k4arecorder writes it (record.cpp): format, '_', image height, 'P'. */
const COLOR_MODE = /^(MJPG|NV12|YUY2|BGRA)_[1-9][0-9]{0,4}P$/;
const MAX_SIDE = 0xffff;

/** The colour image of one capture. */
export interface BridgeColorImage {
  format: BridgeColorFormat;
  width: number;
  height: number;
  /** MJPG: one JPEG; NV12: Y plane then interleaved UV (w·h·3/2 bytes); YUY2: w·h·2 bytes; BGRA32: w·h·4 bytes. */
  data: Uint8Array;
}

/** The depth image of one capture, in the depth camera's geometry (not registered). */
export interface BridgeDepthImage {
  width: number;
  height: number;
  /** [height, width] uint16 millimetres, 0 = invalid. */
  data: Uint16Array;
}

/** A body-index map in the depth camera's geometry, as the Body Tracking SDK (k4abt) produces it. */
export interface BridgeBodyIndexImage {
  width: number;
  height: number;
  /** [height, width] uint8 body index, 255 = no body (K4ABT_BODY_INDEX_MAP_BACKGROUND). */
  data: Uint8Array;
}

/** One capture as it travels in one binary message. */
export interface BridgeCapture {
  /** Device timestamp of the capture in microseconds (the colour image's; the depth image's when there is no colour). Integer, 0..2^53−1. */
  timestampUs: number;
  /** Per-connection capture counter, 0, 1, 2, … (u32, wraps); a gap means the sender dropped captures. */
  sequence: number;
  /** Bit set of CAPTURE_FLAG_*; unknown bits are ignored by readers and must be 0 from writers. */
  flags: number;
  color: BridgeColorImage | null;
  depth: BridgeDepthImage | null;
  bodyIndex: BridgeBodyIndexImage | null;
}

/** Text message 1: the device and its factory calibration. */
export interface BridgeCalibrationMessage {
  type: 'calibration';
  version: 1;
  device: {
    serial?: string;
    /** K4A_COLOR_MODE spelling (format_heightP, as k4arecorder's record.cpp writes it), e.g. 'MJPG_720P', 'BGRA_1080P'. */
    colorMode: string;
    /** K4A_DEPTH_MODE spelling, e.g. 'NFOV_UNBINNED'. */
    depthMode: (typeof DEPTH_MODES)[number];
    /** Nominal capture rate in frames per second (5, 15 or 30 on the device), when known. */
    fps?: number;
  };
  /** The raw calibration JSON text, as k4a_device_get_raw_calibration returns it (trailing NULs stripped). */
  calibrationJson: string;
}
/** The server cannot go on (device unplugged, recording unreadable); the connection closes after it. */
export interface BridgeErrorMessage {
  type: 'error';
  message: string;
}
/** The stream is over (a replay without --loop reached its end); the connection closes after it. */
export interface BridgeEndMessage {
  type: 'end';
}
export type BridgeTextMessage = BridgeCalibrationMessage | BridgeErrorMessage | BridgeEndMessage;

function corrupt(message: string): InputError {
  return new InputError('corrupt-input', `Corrupt Kinect bridge message: ${message}`);
}

function isLittleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
const LITTLE_ENDIAN_HOST = isLittleEndianHost();

function checkSide(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1 || v > MAX_SIDE) throw new RangeError(`${name} ${v} is not an integer in 1..${MAX_SIDE}`);
}

/** Bytes a colour image of this format and size must have; null for MJPG (any length ≥ 1). */
function colorBytes(format: BridgeColorFormat, width: number, height: number): number | null {
  return rawImageBytes(format === 'BGRA32' ? 'BGRA' : format, width, height);
}

/**
 * Encodes one capture as a version-1 binary message: the 48-byte little-endian header, then
 * the colour bytes, the depth samples as little-endian uint16, the body-index bytes.
 * @param capture colour, depth and body index may each be null (sent with length 0); a
 *   body-index map must have the depth image's size when both are present
 * @returns a fresh buffer of exactly 48 + colour + 2·depth samples + body-index bytes
 * @throws RangeError for sizes that do not fit the header or do not match the data (a bug
 *   in the sender, not bad input)
 */
export function encodeCaptureMessage(capture: BridgeCapture): Uint8Array {
  const { color, depth, bodyIndex } = capture;
  if (!Number.isSafeInteger(capture.timestampUs) || capture.timestampUs < 0) {
    throw new RangeError(`timestampUs ${capture.timestampUs} is not an integer in 0..2^53−1`);
  }
  if (!Number.isInteger(capture.sequence) || capture.sequence < 0 || capture.sequence > 0xffffffff) {
    throw new RangeError(`sequence ${capture.sequence} is not a u32`);
  }
  if (!Number.isInteger(capture.flags) || capture.flags < 0 || capture.flags > 0xffff) throw new RangeError(`flags ${capture.flags} is not a u16`);
  if (color) {
    checkSide('colour width', color.width);
    checkSide('colour height', color.height);
    const expected = colorBytes(color.format, color.width, color.height);
    if (expected === null ? color.data.length === 0 : color.data.length !== expected) {
      throw new RangeError(`${color.format} colour ${color.width}×${color.height} has ${color.data.length} bytes, expected ${expected ?? '≥ 1'}`);
    }
  }
  if (depth) {
    checkSide('depth width', depth.width);
    checkSide('depth height', depth.height);
    if (depth.data.length !== depth.width * depth.height) {
      throw new RangeError(`depth ${depth.width}×${depth.height} has ${depth.data.length} samples`);
    }
  }
  if (bodyIndex) {
    checkSide('body-index width', bodyIndex.width);
    checkSide('body-index height', bodyIndex.height);
    if (bodyIndex.data.length !== bodyIndex.width * bodyIndex.height) {
      throw new RangeError(`body index ${bodyIndex.width}×${bodyIndex.height} has ${bodyIndex.data.length} bytes`);
    }
    if (depth && (depth.width !== bodyIndex.width || depth.height !== bodyIndex.height)) {
      throw new RangeError(`body index ${bodyIndex.width}×${bodyIndex.height} ≠ depth ${depth.width}×${depth.height}`);
    }
  }
  const colorLength = color?.data.length ?? 0;
  const depthLength = (depth?.data.length ?? 0) * 2;
  const bodyLength = bodyIndex?.data.length ?? 0;
  const out = new Uint8Array(CAPTURE_HEADER_BYTES + colorLength + depthLength + bodyLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = CAPTURE_MAGIC.charCodeAt(i);
  view.setUint16(4, BRIDGE_PROTOCOL_VERSION, true);
  view.setUint16(6, CAPTURE_HEADER_BYTES, true);
  view.setBigUint64(8, BigInt(capture.timestampUs), true);
  view.setUint16(16, color ? COLOR_FORMAT_CODES[color.format] : 0, true);
  view.setUint16(18, capture.flags, true);
  view.setUint16(20, color?.width ?? 0, true);
  view.setUint16(22, color?.height ?? 0, true);
  view.setUint32(24, colorLength, true);
  view.setUint16(28, depth?.width ?? 0, true);
  view.setUint16(30, depth?.height ?? 0, true);
  view.setUint32(32, depthLength, true);
  view.setUint16(36, bodyIndex?.width ?? 0, true);
  view.setUint16(38, bodyIndex?.height ?? 0, true);
  view.setUint32(40, bodyLength, true);
  view.setUint32(44, capture.sequence, true);
  let at = CAPTURE_HEADER_BYTES;
  if (color) out.set(color.data, at);
  at += colorLength;
  if (depth) {
    if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(depth.data.buffer, depth.data.byteOffset, depthLength), at);
    } else {
      for (let i = 0; i < depth.data.length; i++) view.setUint16(at + 2 * i, depth.data[i]!, true);
    }
  }
  at += depthLength;
  if (bodyIndex) out.set(bodyIndex.data, at);
  return out;
}

/** Reads one (width, height, byteLength) triple; all zero means absent. */
function readPart(view: DataView, at: number, name: string): { width: number; height: number; length: number } | null {
  const width = view.getUint16(at, true);
  const height = view.getUint16(at + 2, true);
  const length = view.getUint32(at + 4, true);
  if (width === 0 && height === 0 && length === 0) return null;
  if (width === 0 || height === 0 || length === 0) {
    throw corrupt(`${name} is ${width}×${height} with ${length} bytes (absent parts must be all zero)`);
  }
  return { width, height, length };
}

/**
 * Decodes and validates one version-1 binary capture message. The images are views into
 * `message` (no copy), except the depth samples when they are not 2-byte aligned in the
 * buffer or the host is big-endian, where they are copied.
 * @param message the whole binary WebSocket message
 * @throws InputError 'corrupt-input' for a message shorter than its header, a wrong magic,
 *   a header length below 48, parts whose lengths do not add up to the message length, a
 *   size that does not match its byte length (depth w·h·2, body index w·h, NV12/YUY2/BGRA32
 *   by format), an unknown colour format, a body-index map whose size differs from the depth
 *   image's, or a timestamp above 2^53−1; 'unsupported-input' for another protocol version
 */
export function decodeCaptureMessage(message: Uint8Array): BridgeCapture {
  if (message.length < 8) throw corrupt(`${message.length} bytes is shorter than a capture header`);
  const magic = String.fromCharCode(message[0]!, message[1]!, message[2]!, message[3]!);
  if (magic !== CAPTURE_MAGIC) throw corrupt(`magic is ${JSON.stringify(magic)}, not "${CAPTURE_MAGIC}"`);
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const version = view.getUint16(4, true);
  if (version !== BRIDGE_PROTOCOL_VERSION) {
    throw new InputError(
      'unsupported-input',
      `The Kinect bridge speaks protocol version ${version}; this page understands version ${BRIDGE_PROTOCOL_VERSION} — use a matching bridge.`,
    );
  }
  const headerLength = view.getUint16(6, true);
  if (headerLength < CAPTURE_HEADER_BYTES) throw corrupt(`header length ${headerLength} < ${CAPTURE_HEADER_BYTES}`);
  if (message.length < headerLength) throw corrupt(`${message.length} bytes is shorter than the ${headerLength}-byte header`);
  const timestamp = view.getBigUint64(8, true);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`timestamp ${timestamp} µs is above 2^53−1`);
  const formatCode = view.getUint16(16, true);
  const flags = view.getUint16(18, true);
  const colorPart = readPart(view, 20, 'colour');
  const depthPart = readPart(view, 28, 'depth');
  const bodyPart = readPart(view, 36, 'body index');
  const sequence = view.getUint32(44, true);

  const colorLength = colorPart?.length ?? 0;
  const depthLength = depthPart?.length ?? 0;
  const bodyLength = bodyPart?.length ?? 0;
  const total = headerLength + colorLength + depthLength + bodyLength;
  if (total !== message.length) {
    throw corrupt(`header ${headerLength} + colour ${colorLength} + depth ${depthLength} + body index ${bodyLength} = ${total} bytes, but the message has ${message.length}`);
  }

  let color: BridgeColorImage | null = null;
  if (colorPart) {
    const format = (Object.keys(COLOR_FORMAT_CODES) as BridgeColorFormat[]).find((f) => COLOR_FORMAT_CODES[f] === formatCode);
    if (!format) throw corrupt(`unknown colour format code ${formatCode}`);
    const expected = colorBytes(format, colorPart.width, colorPart.height);
    if (expected !== null && expected !== colorPart.length) {
      throw corrupt(`${format} colour ${colorPart.width}×${colorPart.height} needs ${expected} bytes, the header says ${colorPart.length}`);
    }
    color = { format, width: colorPart.width, height: colorPart.height, data: message.subarray(headerLength, headerLength + colorLength) };
  } else if (formatCode !== 0) {
    throw corrupt(`colour format code ${formatCode} without colour bytes`);
  }

  let depth: BridgeDepthImage | null = null;
  if (depthPart) {
    const samples = depthPart.width * depthPart.height;
    if (samples * 2 !== depthPart.length) {
      throw corrupt(`depth ${depthPart.width}×${depthPart.height} needs ${samples * 2} bytes, the header says ${depthPart.length}`);
    }
    const start = message.byteOffset + headerLength + colorLength;
    let data: Uint16Array;
    if (LITTLE_ENDIAN_HOST && start % 2 === 0) {
      data = new Uint16Array(message.buffer, start, samples);
    } else {
      data = new Uint16Array(samples);
      const base = headerLength + colorLength;
      for (let i = 0; i < samples; i++) data[i] = view.getUint16(base + 2 * i, true);
    }
    depth = { width: depthPart.width, height: depthPart.height, data };
  }

  let bodyIndex: BridgeBodyIndexImage | null = null;
  if (bodyPart) {
    if (bodyPart.width * bodyPart.height !== bodyPart.length) {
      throw corrupt(`body index ${bodyPart.width}×${bodyPart.height} needs ${bodyPart.width * bodyPart.height} bytes, the header says ${bodyPart.length}`);
    }
    if (depthPart && (depthPart.width !== bodyPart.width || depthPart.height !== bodyPart.height)) {
      throw corrupt(`body index ${bodyPart.width}×${bodyPart.height} ≠ depth ${depthPart.width}×${depthPart.height}`);
    }
    const start = headerLength + colorLength + depthLength;
    bodyIndex = { width: bodyPart.width, height: bodyPart.height, data: message.subarray(start, start + bodyLength) };
  }
  return { timestampUs: Number(timestamp), sequence, flags, color, depth, bodyIndex };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Builds the calibration message, stripping the NUL terminator(s) that
 * k4a_device_get_raw_calibration leaves at the end of its buffer.
 * @throws InputError as {@link parseBridgeTextMessage} would on the result
 */
export function calibrationMessage(device: BridgeCalibrationMessage['device'], calibrationJson: string): BridgeCalibrationMessage {
  const message: BridgeCalibrationMessage = { type: 'calibration', version: 1, device, calibrationJson: calibrationJson.replace(/\0+$/, '') };
  return parseBridgeTextMessage(JSON.stringify(message)) as BridgeCalibrationMessage;
}

/**
 * Parses and validates one text message of the bridge protocol.
 * @param text the WebSocket text frame
 * @returns a calibration, error or end message; calibrationJson has trailing NULs stripped
 * @throws InputError 'corrupt-input' for text that is not JSON, an unknown `type`, a
 *   calibration without a valid device (colorMode like 'MJPG_720P' or 'BGRA_1080P', depthMode one of
 *   DEPTH_MODES) or whose calibrationJson is not JSON with a CalibrationInformation object
 *   (the layout k4a's raw calibration has); 'unsupported-input' for another protocol version
 */
export function parseBridgeTextMessage(text: string): BridgeTextMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError('corrupt-input', `Corrupt Kinect bridge message: text is not JSON (${text.slice(0, 40)}…)`, { cause: err });
  }
  if (!isRecord(value)) throw corrupt('text message is not a JSON object');
  switch (value.type) {
    case 'end':
      return { type: 'end' };
    case 'error':
      if (typeof value.message !== 'string') throw corrupt('error message without a "message" string');
      return { type: 'error', message: value.message };
    case 'calibration':
      return parseCalibration(value);
    default:
      throw corrupt(`unknown text message type ${JSON.stringify(value.type)}`);
  }
}

function parseCalibration(value: Record<string, unknown>): BridgeCalibrationMessage {
  if (value.version !== BRIDGE_PROTOCOL_VERSION) {
    throw new InputError(
      'unsupported-input',
      `The Kinect bridge speaks protocol version ${String(value.version)}; this page understands version ${BRIDGE_PROTOCOL_VERSION} — use a matching bridge.`,
    );
  }
  const device = value.device;
  if (!isRecord(device)) throw corrupt('calibration message without a "device" object');
  const { serial, colorMode, depthMode, fps } = device;
  if (typeof colorMode !== 'string' || !COLOR_MODE.test(colorMode)) {
    throw corrupt(`device.colorMode ${JSON.stringify(colorMode)} is not like "MJPG_720P"`);
  }
  if (typeof depthMode !== 'string' || !(DEPTH_MODES as readonly string[]).includes(depthMode)) {
    throw corrupt(`device.depthMode ${JSON.stringify(depthMode)} is not one of ${DEPTH_MODES.join(', ')}`);
  }
  if (serial !== undefined && typeof serial !== 'string') throw corrupt('device.serial is not a string');
  if (fps !== undefined && !(typeof fps === 'number' && fps > 0 && fps <= 1000)) throw corrupt(`device.fps ${String(fps)} is not in (0, 1000]`);
  if (typeof value.calibrationJson !== 'string') throw corrupt('calibration message without a "calibrationJson" string');
  const calibrationJson = value.calibrationJson.replace(/\0+$/, '');
  let calibration: unknown;
  try {
    calibration = JSON.parse(calibrationJson);
  } catch (err) {
    throw new InputError('corrupt-input', 'Corrupt Kinect bridge message: calibrationJson is not JSON', { cause: err });
  }
  if (!isRecord(calibration) || !isRecord(calibration.CalibrationInformation)) {
    throw corrupt('calibrationJson has no CalibrationInformation object (expected k4a_device_get_raw_calibration output)');
  }
  const out: BridgeCalibrationMessage = {
    type: 'calibration',
    version: 1,
    device: { colorMode, depthMode: depthMode as BridgeCalibrationMessage['device']['depthMode'] },
    calibrationJson,
  };
  if (serial !== undefined) out.device.serial = serial;
  if (fps !== undefined) out.device.fps = fps;
  return out;
}
