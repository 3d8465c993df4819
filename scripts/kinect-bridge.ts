// npm run kinect-bridge -- --replay FILE.mkv [--port 8765] [--host 127.0.0.1] [--loop] [--fps N]
// The reference Kinect bridge: speaks the bridge protocol (docs/kinect-bridge.md) by replaying
// a k4arecorder MKV, so the page's live-depth path can run without the device and the native
// helper. Every connection gets its own stream from the first capture: the calibration
// message, the captures at the recording's pace, then {type:'end'} (never with --loop).
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { WebSocket, WebSocketServer } from 'ws';
import {
  calibrationMessage,
  CAPTURE_FLAG_DISCONTINUITY,
  DEPTH_MODES,
  encodeCaptureMessage,
  type BridgeCalibrationMessage,
  type BridgeColorFormat,
  type BridgeEndMessage,
  type BridgeErrorMessage,
} from '../src/sources/kinect/bridgeProtocol';
import { decodeB16g, parseKinectRecording, type KinectCapture, type KinectImage } from '../src/sources/kinect/recording';

const USAGE = 'usage: npm run kinect-bridge -- --replay FILE.mkv [--port 8765 (0 = any free port)] [--host 127.0.0.1] [--loop] [--fps N]';
/** A client this far behind (bytes queued in the socket) gets captures dropped, as a live device would. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Longest pause between two captures, whatever the recording's timestamps say. */
const MAX_GAP_US = 1_000_000;
/** Frame interval used when the recording has a single capture. */
const DEFAULT_INTERVAL_US = 1_000_000 / 30;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** True for no Origin (a non-browser client) or a page served from this machine's loopback. */
function originAllowed(origin: string | undefined): boolean {
  if (!origin) return true;
  try {
    return LOOPBACK.has(new URL(origin).hostname.replace(/^\[|\]$/g, ''));
  } catch {
    return false;
  }
}

function fail(message: string): never {
  console.error(`kinect-bridge: ${message.split('\n')[0]}`);
  process.exit(1);
}

/** One capture ready to send: colour always, depth when the recording has it. */
interface ReplayCapture {
  timestampUs: number;
  /** Microseconds after the first capture at which to send it. */
  dueUs: number;
  color: KinectImage;
  depth: KinectImage | null;
}

/** What one connection replays. */
interface ReplayPlan {
  calibration: BridgeCalibrationMessage;
  captures: ReplayCapture[];
  /** Nominal frame interval, µs: the gap after the last capture before a loop starts again. */
  intervalUs: number;
}

const COLOR_FORMATS: Record<KinectImage['format'], BridgeColorFormat | null> = { MJPG: 'MJPG', NV12: 'NV12', YUY2: 'YUY2', BGRA: 'BGRA32', b16g: null };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Turns a parsed recording into the stream to send. Captures without colour are skipped
 * (the page has nothing to show for them); captures without depth are sent with depth
 * length 0 (the page falls back to the colour model alone for that frame).
 * @param fps frames per second to pace at, or null for the recording's own timestamps
 * @throws Error with a one-line message when the recording cannot feed the bridge
 */
function planReplay(file: string, fps: number | null): ReplayPlan {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const recording = parseKinectRecording(bytes);
  if (!recording.tracks.color) throw new Error(`${file} has no COLOR track; the bridge streams colour + depth`);
  const depthMode = recording.tags.get('K4A_DEPTH_MODE');
  if (!recording.tracks.depth || !depthMode || !(DEPTH_MODES as readonly string[]).includes(depthMode)) {
    throw new Error(`${file} has no depth (K4A_DEPTH_MODE ${depthMode ?? 'missing'}); the bridge streams colour + depth`);
  }
  if (recording.calibrationJson === null) throw new Error(`${file} has no calibration.json attachment; the page needs it to register depth`);
  const withColor = recording.captures.filter((c): c is KinectCapture & { color: KinectImage } => c.color !== undefined);
  if (withColor.length === 0) throw new Error(`${file} has no capture with a colour image`);
  const first = withColor[0]!.color;
  const format = COLOR_FORMATS[first.format];
  if (!format) throw new Error(`${file}: colour format ${first.format} cannot be streamed`);

  const diffs = withColor.slice(1).map((c, i) => c.color.timestampUs - withColor[i]!.color.timestampUs);
  const recordedIntervalUs = diffs.length > 0 ? Math.max(1, median(diffs)) : DEFAULT_INTERVAL_US;
  const intervalUs = fps !== null ? 1_000_000 / fps : recordedIntervalUs;
  let dueUs = 0;
  const captures = withColor.map((c, i): ReplayCapture => {
    if (i > 0) dueUs += fps !== null ? intervalUs : Math.min(MAX_GAP_US, Math.max(0, diffs[i - 1]!));
    return { timestampUs: c.color.timestampUs, dueUs, color: c.color, depth: c.depth ?? null };
  });

  const device: BridgeCalibrationMessage['device'] = {
    colorMode: recording.tags.get('K4A_COLOR_MODE') ?? `${first.format}_${first.height}P`,
    depthMode: depthMode as BridgeCalibrationMessage['device']['depthMode'],
    fps: Math.round((1_000_000 / intervalUs) * 100) / 100,
  };
  const serial = recording.tags.get('K4A_DEVICE_SERIAL_NUMBER');
  if (serial) device.serial = serial;
  return { calibration: calibrationMessage(device, recording.calibrationJson), captures, intervalUs };
}

/** Encodes one capture: the MJPG bytes as stored, depth b16g (big-endian) → little-endian uint16. */
function encodeReplayCapture(c: ReplayCapture, timestampUs: number, sequence: number, flags: number): Uint8Array {
  return encodeCaptureMessage({
    timestampUs,
    sequence,
    flags,
    color: { format: COLOR_FORMATS[c.color.format]!, width: c.color.width, height: c.color.height, data: c.color.data },
    depth: c.depth ? { width: c.depth.width, height: c.depth.height, data: decodeB16g(c.depth) } : null,
    bodyIndex: null,
  });
}

function sendText(ws: WebSocket, message: BridgeCalibrationMessage | BridgeErrorMessage | BridgeEndMessage): void {
  ws.send(JSON.stringify(message));
}

/**
 * Streams the plan to one client until it ends, the client leaves or `signal` aborts.
 * Timestamps are the recording's; each --loop pass adds (span + one interval) so they keep
 * increasing, and its first capture carries CAPTURE_FLAG_DISCONTINUITY.
 */
async function stream(ws: WebSocket, plan: ReplayPlan, loop: boolean, signal: AbortSignal): Promise<{ sent: number; dropped: number }> {
  let sent = 0;
  let dropped = 0;
  let sequence = 0;
  const last = plan.captures[plan.captures.length - 1]!;
  const passUs = last.dueUs + plan.intervalUs;
  const spanUs = last.timestampUs - plan.captures[0]!.timestampUs + plan.intervalUs;
  sendText(ws, plan.calibration);
  const start = performance.now();
  for (let pass = 0; pass === 0 || loop; pass++) {
    for (const [i, c] of plan.captures.entries()) {
      const waitMs = start + (pass * passUs + c.dueUs) / 1000 - performance.now();
      if (waitMs > 0) await delay(waitMs, undefined, { signal });
      if (signal.aborted || ws.readyState !== WebSocket.OPEN) return { sent, dropped };
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        dropped++;
      } else {
        const flags = pass > 0 && i === 0 ? CAPTURE_FLAG_DISCONTINUITY : 0;
        ws.send(encodeReplayCapture(c, Math.round(c.timestampUs + pass * spanUs), sequence, flags));
        sent++;
      }
      sequence = (sequence + 1) >>> 0;
    }
  }
  sendText(ws, { type: 'end' });
  ws.close(1000, 'end of recording');
  return { sent, dropped };
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        replay: { type: 'string' },
        port: { type: 'string', default: '8765' },
        host: { type: 'string', default: '127.0.0.1' },
        loop: { type: 'boolean', default: false },
        fps: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)}. ${USAGE}`);
  }
  if (!args.replay) fail(`--replay is required (a live device needs the native helper, see docs/kinect-bridge.md). ${USAGE}`);
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be an integer in 0..65535, got ${args.port}`);
  const fps = args.fps === undefined ? null : Number(args.fps);
  if (fps !== null && !(fps > 0 && fps <= 1000)) fail(`--fps must be a number in (0, 1000], got ${args.fps}`);
  const host = args.host;
  if (!LOOPBACK.has(host)) console.error(`kinect-bridge: warning: --host ${host} is not loopback; anyone who can reach it sees the camera`);

  let plan: ReplayPlan;
  try {
    plan = planReplay(args.replay, fps);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }

  const connections = new Map<WebSocket, AbortController>();
  // Any web page can open a WebSocket to loopback: only pages served from this machine (and
  // clients that send no Origin, such as Node tools) may read the camera.
  const wss = new WebSocketServer({ host, port, verifyClient: ({ origin }: { origin?: string }) => originAllowed(origin) });
  wss.on('error', (err) => fail(`cannot listen on ${host}:${port}: ${err.message}`));
  wss.on('listening', () => {
    const address = wss.address();
    const realPort = address !== null && typeof address === 'object' ? address.port : port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    console.log(`kinect-bridge: listening on ws://${shownHost}:${realPort} (${args.replay}, ${plan.captures.length} captures)`);
  });
  wss.on('connection', (ws) => {
    const abort = new AbortController();
    connections.set(ws, abort);
    ws.on('close', () => {
      abort.abort();
      connections.delete(ws);
    });
    ws.on('error', (err) => console.error(`kinect-bridge: client error: ${err.message}`));
    stream(ws, plan, args.loop, abort.signal).then(
      ({ sent, dropped }) => console.log(`kinect-bridge: client done: ${sent} captures sent, ${dropped} dropped`),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        console.error(`kinect-bridge: ${message}`);
        if (ws.readyState === WebSocket.OPEN) {
          sendText(ws, { type: 'error', message });
          ws.close(1011, 'replay failed');
        }
      },
    );
  });

  const shutdown = (): void => {
    for (const [ws, abort] of connections) {
      abort.abort();
      ws.close(1001, 'kinect-bridge shutting down');
    }
    wss.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
