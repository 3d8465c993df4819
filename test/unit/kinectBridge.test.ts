// The Kinect bridge: the wire protocol (bridgeProtocol.ts), the reference server
// (scripts/kinect-bridge.ts, run as a child process on k4arecorder-like files written by
// test/kinect/buildRecording.ts, and on the real one in ../shared) and the page
// client (bridgeClient.ts, run in Node with the `ws` WebSocket and a stand-in colour decoder).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsWebSocket, WebSocketServer, type RawData } from 'ws';
import { InputError, InvalidOptionError } from '../../src/errors';
import { KinectBridgeError, openKinectBridge, type KinectBridgeFrame, type OpenKinectBridgeOptions } from '../../src/sources/kinect/bridgeClient';
import {
  calibrationMessage,
  CAPTURE_FLAG_DISCONTINUITY,
  CAPTURE_HEADER_BYTES,
  decodeCaptureMessage,
  encodeCaptureMessage,
  parseBridgeTextMessage,
  type BridgeCapture,
} from '../../src/sources/kinect/bridgeProtocol';
import { decodeB16g, parseKinectRecording } from '../../src/sources/kinect/recording';
import { rng } from '../gpu/cases/rng';
import { buildRecording, DEFAULT_CALIBRATION, type BuildOptions, type BuiltRecording } from '../kinect/buildRecording';

const ROOT = resolve(import.meta.dirname, '../..');
/** One process (no tsx CLI wrapper in between), so that a kill reaches the server itself. */
const NODE_ARGS = ['--import', 'tsx', 'scripts/kinect-bridge.ts'];
const REAL = resolve(ROOT, '../shared/kinect/pyk4a_recording.mkv');

/** The real recording lives in ../shared: fail under CI=true when it is missing, else skip saying why. */
const realMissing = existsSync(REAL) ? null : `${REAL} is missing (../shared beside the checkout holds the Kinect recording)`;
if (realMissing && process.env.CI === 'true') throw new Error(`kinectBridge: ${realMissing}`);
if (realMissing) console.log(`skipped: Kinect bridge replay of the real recording: ${realMissing}`);

// ---------------------------------------------------------------------------------------
// Protocol

function syntheticCapture(seed: number, colorBytes: number, withBody: boolean): BridgeCapture {
  const random = rng(seed);
  const width = 8;
  const height = 6;
  const jpeg = new Uint8Array(colorBytes).map(() => Math.floor(random() * 256));
  const depth = new Uint16Array(width * height).map(() => Math.floor(random() * 65536));
  const body = new Uint8Array(width * height).map(() => (random() < 0.5 ? 255 : Math.floor(random() * 3)));
  return {
    timestampUs: 1_234_567_890 + seed,
    sequence: seed,
    flags: CAPTURE_FLAG_DISCONTINUITY,
    color: { format: 'MJPG', width: 1280, height: 720, data: jpeg },
    depth: { width, height, data: depth },
    bodyIndex: withBody ? { width, height, data: body } : null,
  };
}

function expectInputError(fn: () => unknown, code: 'corrupt-input' | 'unsupported-input', message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(InputError);
  expect((thrown as InputError).code).toBe(code);
  expect((thrown as InputError).message).toMatch(message);
}

/** A copy of `message` with a little-endian u16/u32 field rewritten. */
function patched(message: Uint8Array, offset: number, value: number, bytes: 2 | 4): Uint8Array {
  const copy = message.slice();
  const view = new DataView(copy.buffer);
  if (bytes === 2) view.setUint16(offset, value, true);
  else view.setUint32(offset, value, true);
  return copy;
}

describe('bridge protocol: capture messages', () => {
  it('round-trips colour, depth and body index, with depth little-endian on the wire', () => {
    for (const colorBytes of [1001, 1000]) {
      const capture = syntheticCapture(colorBytes, colorBytes, true);
      const message = encodeCaptureMessage(capture);
      expect(message.length).toBe(CAPTURE_HEADER_BYTES + colorBytes + 48 * 2 + 48);
      expect(String.fromCharCode(...message.subarray(0, 4))).toBe('K4AB');
      const depthAt = CAPTURE_HEADER_BYTES + colorBytes;
      expect(message[depthAt]).toBe(capture.depth!.data[0]! & 0xff);
      expect(message[depthAt + 1]).toBe(capture.depth!.data[0]! >> 8);
      const decoded = decodeCaptureMessage(message);
      expect(decoded.timestampUs).toBe(capture.timestampUs);
      expect(decoded.sequence).toBe(capture.sequence);
      expect(decoded.flags).toBe(CAPTURE_FLAG_DISCONTINUITY);
      expect(decoded.color!.format).toBe('MJPG');
      expect([decoded.color!.width, decoded.color!.height]).toEqual([1280, 720]);
      expect(Array.from(decoded.color!.data)).toEqual(Array.from(capture.color!.data));
      expect(decoded.depth!.width).toBe(8);
      expect(Array.from(decoded.depth!.data)).toEqual(Array.from(capture.depth!.data));
      expect(Array.from(decoded.bodyIndex!.data)).toEqual(Array.from(capture.bodyIndex!.data));
    }
  });

  it('round-trips captures without colour, without depth, and raw colour formats', () => {
    const noColor = decodeCaptureMessage(encodeCaptureMessage({ ...syntheticCapture(1, 10, false), color: null }));
    expect(noColor.color).toBeNull();
    expect(noColor.depth!.data.length).toBe(48);
    const noDepth = decodeCaptureMessage(encodeCaptureMessage({ ...syntheticCapture(2, 10, false), depth: null }));
    expect(noDepth.depth).toBeNull();
    expect(noDepth.bodyIndex).toBeNull();
    expect(noDepth.color!.data.length).toBe(10);
    const bgra = new Uint8Array(4 * 3 * 4).map((_, i) => i);
    const raw = decodeCaptureMessage(
      encodeCaptureMessage({ timestampUs: 0, sequence: 0, flags: 0, color: { format: 'BGRA32', width: 4, height: 3, data: bgra }, depth: null, bodyIndex: null }),
    );
    expect(raw.color!.format).toBe('BGRA32');
    expect(Array.from(raw.color!.data)).toEqual(Array.from(bgra));
  });

  it('rejects a sender bug (sizes that do not match the data) with a RangeError', () => {
    const capture = syntheticCapture(3, 10, true);
    expect(() => encodeCaptureMessage({ ...capture, depth: { ...capture.depth!, width: 7 } })).toThrow(RangeError);
    expect(() => encodeCaptureMessage({ ...capture, bodyIndex: { width: 6, height: 8, data: capture.bodyIndex!.data } })).toThrow(RangeError);
    expect(() => encodeCaptureMessage({ ...capture, timestampUs: -1 })).toThrow(RangeError);
  });

  it('rejects truncated, mislabelled and inconsistent messages with InputError', () => {
    const good = encodeCaptureMessage(syntheticCapture(4, 101, true));
    expectInputError(() => decodeCaptureMessage(good.subarray(0, good.length - 1)), 'corrupt-input', /message has/);
    expectInputError(() => decodeCaptureMessage(good.subarray(0, 5)), 'corrupt-input', /shorter than a capture header/);
    expectInputError(() => decodeCaptureMessage(good.subarray(0, 30)), 'corrupt-input', /shorter than the 48-byte header/);
    expectInputError(() => decodeCaptureMessage(new Uint8Array([...good, 0])), 'corrupt-input', /message has/);
    const badMagic = good.slice();
    badMagic[3] = 0x43;
    expectInputError(() => decodeCaptureMessage(badMagic), 'corrupt-input', /magic is "K4AC"/);
    expectInputError(() => decodeCaptureMessage(patched(good, 4, 2, 2)), 'unsupported-input', /protocol version 2/);
    expectInputError(() => decodeCaptureMessage(patched(good, 6, 40, 2)), 'corrupt-input', /header length 40/);
    // Colour length one byte longer: the parts no longer add up to the message.
    expectInputError(() => decodeCaptureMessage(patched(good, 24, 102, 4)), 'corrupt-input', /= 246\d* bytes|message has/);
    // Depth width changed, byte length unchanged: w·h·2 ≠ length.
    expectInputError(() => decodeCaptureMessage(patched(good, 28, 7, 2)), 'corrupt-input', /depth 7×6 needs 84 bytes/);
    // Body-index size ≠ depth size with a consistent length.
    expectInputError(() => decodeCaptureMessage(patched(patched(good, 36, 6, 2), 38, 8, 2)), 'corrupt-input', /body index 6×8 ≠ depth 8×6/);
    // Half-absent part.
    expectInputError(() => decodeCaptureMessage(patched(good, 36, 0, 2)), 'corrupt-input', /absent parts must be all zero/);
    expectInputError(() => decodeCaptureMessage(patched(good, 16, 9, 2)), 'corrupt-input', /unknown colour format code 9/);
    // BGRA32 with the MJPG's byte count.
    expectInputError(() => decodeCaptureMessage(patched(good, 16, 4, 2)), 'corrupt-input', /BGRA32 colour 1280×720 needs 3686400 bytes/);
    const hugeTime = good.slice();
    new DataView(hugeTime.buffer).setBigUint64(8, 1n << 60n, true);
    expectInputError(() => decodeCaptureMessage(hugeTime), 'corrupt-input', /above 2\^53/);
  });

  it('never throws anything but InputError on random corruption (no out-of-bounds reads)', () => {
    const good = encodeCaptureMessage(syntheticCapture(5, 64, true));
    const random = rng(99);
    let rejected = 0;
    for (let trial = 0; trial < 2000; trial++) {
      let bytes = good.slice();
      if (trial % 2 === 0) bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
      else for (let k = 0; k < 3; k++) bytes[Math.floor(random() * CAPTURE_HEADER_BYTES)] = Math.floor(random() * 256);
      try {
        const decoded = decodeCaptureMessage(bytes);
        const parts = (decoded.color?.data.length ?? 0) + (decoded.depth?.data.length ?? 0) * 2 + (decoded.bodyIndex?.data.length ?? 0);
        expect(parts).toBeLessThanOrEqual(bytes.length);
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});

describe('bridge protocol: text messages', () => {
  const calibration = JSON.stringify({ CalibrationInformation: { Cameras: [] } });

  it('parses calibration (stripping the NUL k4a leaves), error and end', () => {
    const message = calibrationMessage({ colorMode: 'MJPG_720P', depthMode: 'NFOV_UNBINNED', serial: '000123', fps: 30 }, `${calibration}\0`);
    expect(message.calibrationJson).toBe(calibration);
    expect(parseBridgeTextMessage(JSON.stringify(message))).toEqual(message);
    expect(parseBridgeTextMessage('{"type":"error","message":"device unplugged"}')).toEqual({ type: 'error', message: 'device unplugged' });
    expect(parseBridgeTextMessage('{"type":"end"}')).toEqual({ type: 'end' });
  });

  it('rejects malformed text messages with InputError', () => {
    const valid = { type: 'calibration', version: 1, device: { colorMode: 'MJPG_720P', depthMode: 'NFOV_UNBINNED' }, calibrationJson: calibration };
    const text = (patch: object) => JSON.stringify({ ...valid, ...patch });
    expectInputError(() => parseBridgeTextMessage('K4AB'), 'corrupt-input', /not JSON/);
    expectInputError(() => parseBridgeTextMessage('[1]'), 'corrupt-input', /not a JSON object/);
    expectInputError(() => parseBridgeTextMessage('{"type":"hello"}'), 'corrupt-input', /unknown text message type "hello"/);
    expectInputError(() => parseBridgeTextMessage('{"type":"error"}'), 'corrupt-input', /"message" string/);
    expectInputError(() => parseBridgeTextMessage(text({ version: 2 })), 'unsupported-input', /protocol version 2/);
    expectInputError(() => parseBridgeTextMessage(text({ device: { colorMode: 'MJPG', depthMode: 'NFOV_UNBINNED' } })), 'corrupt-input', /colorMode "MJPG"/);
    expectInputError(() => parseBridgeTextMessage(text({ device: { colorMode: 'MJPG_720P', depthMode: 'OFF' } })), 'corrupt-input', /depthMode "OFF"/);
    expectInputError(() => parseBridgeTextMessage(text({ calibrationJson: '{"Cameras":' })), 'corrupt-input', /calibrationJson is not JSON/);
    expectInputError(() => parseBridgeTextMessage(text({ calibrationJson: '{}' })), 'corrupt-input', /no CalibrationInformation/);
  });
});

// ---------------------------------------------------------------------------------------
// The reference server, as a child process

interface Bridge {
  child: ChildProcess;
  url: string;
  captures: number;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts scripts/kinect-bridge.ts on any free port and waits for its `listening on` line. */
function startBridge(args: string[]): Promise<Bridge> {
  const child = spawn(process.execPath, [...NODE_ARGS, '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kinect-bridge did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /kinect-bridge: listening on (ws:\/\/[^ ]+) \(.+, (\d+) captures\)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, captures: Number(m[2]) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kinect-bridge exited (${code}) before listening: ${output}`));
    });
  });
}

/** Runs the script to completion; for the failure cases. */
function runBridge(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

type Received = ({ text: string } | { binary: Uint8Array }) & { atMs: number };

/** Connects with a plain `ws` client and collects messages until the server closes or `limit` captures arrived. */
function collect(url: string, limit = Infinity): Promise<Received[]> {
  return new Promise((resolve, reject) => {
    const ws = new WsWebSocket(url);
    const messages: Received[] = [];
    let binaries = 0;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (binaries >= limit) return;
      const bytes = new Uint8Array(data as Buffer);
      const atMs = performance.now();
      messages.push(isBinary ? { binary: bytes.slice(), atMs } : { text: Buffer.from(bytes).toString(), atMs });
      if (isBinary && ++binaries >= limit) ws.close();
    });
    ws.on('close', () => resolve(messages));
    ws.on('error', reject);
  });
}

function texts(messages: Received[]): string[] {
  return messages.filter((m): m is { text: string; atMs: number } => 'text' in m).map((m) => m.text);
}

function captures(messages: Received[]): BridgeCapture[] {
  return messages.filter((m): m is { binary: Uint8Array; atMs: number } => 'binary' in m).map((m) => decodeCaptureMessage(m.binary));
}

const scratch = mkdtempSync(join(tmpdir(), 'bg-kinect-bridge-'));

/** Writes a test/kinect/buildRecording recording to a temporary .mkv. */
function writeRecording(name: string, options: BuildOptions): { path: string; built: BuiltRecording } {
  const built = buildRecording(options);
  const path = join(scratch, `${name}.mkv`);
  writeFileSync(path, built.bytes);
  return { path, built };
}

/** Six MJPG captures at 30 fps, NFOV unbinned depth; capture 2 lost its colour, capture 4 its depth. */
const MULTI: BuildOptions = { captures: 6, colorFormat: 'MJPG', depthMode: 'NFOV_UNBINNED', dropColor: [2], dropDepth: [4], depthDelayNs: 200_000n };

describe('kinect-bridge server', { timeout: 60_000 }, () => {
  it('sends the calibration, each capture that has colour (MJPG as recorded, depth little-endian) at the recording pace, then end', async () => {
    const { path, built } = writeRecording('multi', MULTI);
    const sent = [0, 1, 3, 4, 5];
    const bridge = await startBridge(['--replay', path]);
    expect(bridge.captures).toBe(sent.length);
    expect(bridge.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    // Before the connection is opened, so before the server can send anything.
    const connectedAt = performance.now();
    const messages = await collect(bridge.url);
    expect(messages.length).toBe(sent.length + 2);
    expect('text' in messages[0]!).toBe(true);
    expect(texts(messages)).toHaveLength(2);

    const calibration = parseBridgeTextMessage(texts(messages)[0]!);
    if (calibration.type !== 'calibration') throw new Error(`first message is ${calibration.type}`);
    expect(calibration.calibrationJson).toBe(DEFAULT_CALIBRATION);
    expect(calibration.device).toMatchObject({ colorMode: 'MJPG_16P', depthMode: 'NFOV_UNBINNED', fps: 30 });

    const got = captures(messages);
    got.forEach((c, k) => {
      const i = sent[k]!;
      expect(c.sequence).toBe(k);
      expect(c.flags).toBe(0);
      expect(c.timestampUs).toBe(built.captures[i]!.colorUs);
      expect(c.color!.format).toBe('MJPG');
      expect([c.color!.width, c.color!.height]).toEqual([built.colorWidth, built.colorHeight]);
      expect(Buffer.from(c.color!.data).equals(Buffer.from(built.color[i]!))).toBe(true);
      if (i === 4) {
        expect(c.depth).toBeNull();
      } else {
        expect([c.depth!.width, c.depth!.height]).toEqual([640, 576]);
        const want = built.depth[i]!;
        let mismatches = 0;
        for (let p = 0; p < want.length; p++) if (c.depth!.data[p] !== want[p]) mismatches++;
        expect(mismatches).toBe(0);
      }
      expect(c.bodyIndex).toBeNull();
    });
    // Paced by the recording's timestamps, never faster: the last capture cannot arrive before
    // the recording's span has passed since the connection was opened (arrival times of the
    // first captures jitter with the machine's load, so they are not the reference).
    const bin = messages.filter((m) => 'binary' in m);
    const spanUs = built.captures[5]!.colorUs! - built.captures[0]!.colorUs!;
    expect(bin[bin.length - 1]!.atMs - connectedAt).toBeGreaterThanOrEqual(spanUs / 1000);
    expect(JSON.parse(texts(messages)[1]!)).toEqual({ type: 'end' });
  });

  it('with --loop keeps timestamps increasing and flags each restart as a discontinuity', async () => {
    const { path } = writeRecording('loop', { captures: 3, colorFormat: 'MJPG' });
    const bridge = await startBridge(['--replay', path, '--loop', '--fps', '100']);
    const got = captures(await collect(bridge.url, 8));
    expect(got.length).toBe(8);
    for (let i = 1; i < got.length; i++) {
      expect(got[i]!.timestampUs).toBeGreaterThan(got[i - 1]!.timestampUs);
      expect(got[i]!.sequence).toBe(i);
      expect(got[i]!.flags & CAPTURE_FLAG_DISCONTINUITY).toBe(i % 3 === 0 ? CAPTURE_FLAG_DISCONTINUITY : 0);
      expect(Array.from(got[i]!.depth!.data.subarray(0, 64))).toEqual(Array.from(got[i % 3]!.depth!.data.subarray(0, 64)));
    }
    expect(got[0]!.flags).toBe(0);
  });

  it('accepts pages served from loopback and clients without an Origin, refuses other web origins', async () => {
    const { path } = writeRecording('origin', { captures: 2, colorFormat: 'MJPG' });
    const bridge = await startBridge(['--replay', path, '--loop']);
    const attempt = (origin?: string) =>
      new Promise<'open' | number>((resolve) => {
        const ws = new WsWebSocket(bridge.url, origin ? { origin } : {});
        ws.on('open', () => (ws.close(), resolve('open')));
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
    expect(await attempt()).toBe('open');
    expect(await attempt('http://127.0.0.1:5173')).toBe('open');
    expect(await attempt('http://localhost:8080')).toBe('open');
    expect(await attempt('https://example.com')).toBe(401);
    expect(await attempt('http://127.0.0.1.example.com')).toBe(401);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const { path } = writeRecording('sigterm', { captures: 2, colorFormat: 'MJPG' });
    const bridge = await startBridge(['--replay', path, '--loop']);
    const exit = new Promise<number | null>((resolve) => bridge.child.on('exit', resolve));
    bridge.child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it.skipIf(realMissing !== null)('replays the real k4arecorder file (../shared/kinect/pyk4a_recording.mkv)', async () => {
    const recording = parseKinectRecording(readFileSync(REAL));
    const expected = recording.captures.filter((c) => c.color);
    const bridge = await startBridge(['--replay', REAL]);
    const messages = await collect(bridge.url);
    const calibration = parseBridgeTextMessage(texts(messages)[0]!);
    if (calibration.type !== 'calibration') throw new Error(`first message is ${calibration.type}`);
    expect(calibration.calibrationJson).toBe(recording.calibrationJson!.replace(/\0+$/, ''));
    expect(calibration.device).toMatchObject({ colorMode: 'MJPG_720P', depthMode: 'NFOV_UNBINNED' });
    const got = captures(messages);
    expect(got.length).toBe(expected.length);
    got.forEach((c, i) => {
      const want = expected[i]!;
      expect(c.timestampUs).toBe(want.color!.timestampUs);
      expect(Buffer.from(c.color!.data).equals(Buffer.from(want.color!.data))).toBe(true);
      const depth = decodeB16g(want.depth!);
      expect(Buffer.from(c.depth!.data.buffer, c.depth!.data.byteOffset, c.depth!.data.byteLength).equals(Buffer.from(depth.buffer, depth.byteOffset, depth.byteLength))).toBe(true);
      // Real depth is not symmetric under a byte swap, so a missed big → little-endian conversion shows.
      expect(depth.some((v) => v !== (((v & 0xff) << 8) | (v >> 8)))).toBe(true);
    });
    expect(JSON.parse(texts(messages).at(-1)!)).toEqual({ type: 'end' });
  });

  it('exits non-zero with one line for bad arguments and recordings it cannot stream', async () => {
    const corrupt = join(scratch, 'corrupt.mkv');
    writeFileSync(corrupt, new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff));
    const truncated = join(scratch, 'truncated.mkv');
    writeFileSync(truncated, buildRecording({ captures: 2, colorFormat: 'MJPG' }).bytes.subarray(0, 700));
    const noDepth = writeRecording('nodepth', { colorFormat: 'MJPG', depth: false, ir: false }).path;
    const noColor = writeRecording('nocolor', { colorFormat: null }).path;
    const cases: Array<[string[], RegExp]> = [
      [[], /--replay is required/],
      [['--replay', join(scratch, 'nope.mkv')], /cannot read .*nope\.mkv/],
      [['--replay', corrupt], /not Matroska/],
      [['--replay', truncated], /\S/],
      [['--replay', noDepth], /has no depth/],
      [['--replay', noColor], /no COLOR track/],
      [['--replay', noDepth, '--fps', '0'], /--fps must be/],
      [['--replay', noDepth, '--port', '70000'], /--port must be/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr, stdout } = await runBridge(args);
      expect(code, stderr).toBe(1);
      expect(stdout).not.toMatch(/listening/);
      const lines = stderr.trim().split('\n');
      expect(lines, stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^kinect-bridge: /);
      expect(lines[0]).toMatch(message);
    }
  });
});

// ---------------------------------------------------------------------------------------
// The page client, in Node

/** A stand-in VideoFrame: records what was decoded and whether it was closed. */
function fakeDecoder(): { options: OpenKinectBridgeOptions; decoded: number[]; closed: () => number } {
  const decoded: number[] = [];
  let closed = 0;
  return {
    decoded,
    closed: () => closed,
    options: {
      // `ws` implements the browser WebSocket surface the client uses (binaryType, on* handlers).
      WebSocket: WsWebSocket as unknown as new (url: string) => WebSocket,
      decodeColor: async (color, timestampUs) => {
        decoded.push(timestampUs);
        // A test stand-in: only timestamp, codedWidth and close() are used.
        return { timestamp: timestampUs, codedWidth: color.width, close: () => closed++ } as unknown as VideoFrame;
      },
    },
  };
}

/** A throwaway in-test server that runs `send` for each connection. */
async function scriptedServer(send: (ws: WsWebSocket) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.on('listening', resolve));
  wss.on('connection', send);
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

const validCalibration = calibrationMessage({ colorMode: 'MJPG_720P', depthMode: 'NFOV_UNBINNED' }, JSON.stringify({ CalibrationInformation: {} }));

describe('bridge client', { timeout: 60_000 }, () => {
  it('says how to start the bridge when nothing is listening', async () => {
    const probe = await scriptedServer(() => {});
    const url = probe.url;
    await probe.close();
    const error = await openKinectBridge(url, fakeDecoder().options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KinectBridgeError);
    expect((error as KinectBridgeError).reason).toBe('not-running');
    expect((error as KinectBridgeError).message).toMatch(/npm run kinect-bridge -- --replay/);
    await expect(openKinectBridge('http://127.0.0.1:1', fakeDecoder().options)).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it('reports a bridge error, a malformed capture, a capture before the calibration, an abort and a silent server', async () => {
    const erroring = await scriptedServer((ws) => ws.send(JSON.stringify({ type: 'error', message: 'Azure Kinect not found' })));
    const e1 = await openKinectBridge(erroring.url, fakeDecoder().options).catch((e: unknown) => e);
    expect((e1 as KinectBridgeError).reason).toBe('server-error');
    expect((e1 as Error).message).toMatch(/Azure Kinect not found/);
    await erroring.close();

    const garbage = await scriptedServer((ws) => {
      ws.send(JSON.stringify(validCalibration));
      ws.send(new Uint8Array([0x4b, 0x34, 0x41, 0x42, 1, 0, 48, 0, 0, 0]));
    });
    const session = await openKinectBridge(garbage.url, fakeDecoder().options);
    const e2 = await session[Symbol.asyncIterator]().next().catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(InputError);
    expect((e2 as InputError).code).toBe('corrupt-input');
    session.close();
    await garbage.close();

    const early = await scriptedServer((ws) => ws.send(encodeCaptureMessage(syntheticCapture(7, 10, false))));
    const e3 = await openKinectBridge(early.url, fakeDecoder().options).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(InputError);
    expect((e3 as Error).message).toMatch(/before the calibration/);
    await early.close();

    const aborted = await scriptedServer((ws) => ws.send(JSON.stringify(validCalibration)));
    const controller = new AbortController();
    const opening = openKinectBridge(aborted.url, { ...fakeDecoder().options, signal: controller.signal });
    controller.abort(new Error('user left the page'));
    await expect(opening).rejects.toThrow('user left the page');
    await aborted.close();

    const silent = await scriptedServer(() => {});
    const e4 = await openKinectBridge(silent.url, { ...fakeDecoder().options, connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect((e4 as KinectBridgeError).reason).toBe('timeout');
    await silent.close();
  });

  it('streams a recording from the reference server and ends', async () => {
    const { path, built } = writeRecording('client', MULTI);
    const bridge = await startBridge(['--replay', path]);
    const fake = fakeDecoder();
    const session = await openKinectBridge(bridge.url, fake.options);
    expect(session.calibrationJson).toBe(DEFAULT_CALIBRATION);
    expect(session.device.depthMode).toBe('NFOV_UNBINNED');
    const frames: KinectBridgeFrame[] = [];
    for await (const frame of session) {
      frames.push(frame);
      frame.color.close();
    }
    const sent = [0, 1, 3, 4, 5];
    expect(frames.map((f) => f.timestampUs)).toEqual(sent.map((i) => built.captures[i]!.colorUs));
    expect(frames.map((f) => f.depth === null)).toEqual([false, false, false, true, false]);
    expect(Array.from(frames[2]!.depth!.data.subarray(0, 4096))).toEqual(Array.from(built.depth[3]!.subarray(0, 4096)));
    expect(fake.closed()).toBe(frames.length);
    expect(session.stats).toEqual({ received: 5, delivered: 5, dropped: 0 });
  });

  it('keeps only the newest capture for a slow consumer and decodes lazily', async () => {
    const { path } = writeRecording('slow', { captures: 4, colorFormat: 'MJPG' });
    const bridge = await startBridge(['--replay', path, '--loop', '--fps', '100']);
    const fake = fakeDecoder();
    const session = await openKinectBridge(bridge.url, fake.options);
    const sequences: number[] = [];
    for await (const frame of session) {
      sequences.push(frame.sequence);
      frame.color.close();
      await new Promise((r) => setTimeout(r, 120));
      if (sequences.length === 5) break;
    }
    expect(session.stats.dropped).toBeGreaterThan(0);
    expect(session.stats.received).toBeGreaterThan(session.stats.delivered);
    expect(fake.decoded.length).toBe(5);
    expect(session.stats.delivered).toBe(5);
    expect(fake.closed()).toBe(5);
    for (let i = 1; i < sequences.length; i++) expect(sequences[i]! - sequences[i - 1]!).toBeGreaterThan(1);
  });

  it('fails with a clear error when the bridge goes away mid-stream', async () => {
    const { path } = writeRecording('drop', { captures: 3, colorFormat: 'MJPG' });
    const bridge = await startBridge(['--replay', path, '--loop', '--fps', '30']);
    const session = await openKinectBridge(bridge.url, fakeDecoder().options);
    const iterator = session[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    bridge.child.kill('SIGKILL');
    let error: unknown;
    try {
      for (;;) if ((await iterator.next()).done) break;
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KinectBridgeError);
    expect((error as KinectBridgeError).reason).toBe('closed');
    expect((error as Error).message).toMatch(/dropped mid-stream/);
  });
});
