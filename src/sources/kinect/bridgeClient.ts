// The page side of the Kinect bridge (docs/kinect-bridge.md): connects to the loopback
// WebSocket that the native helper (live device) or `npm run kinect-bridge` (a recording)
// serves, reads the calibration, then yields captures — colour as a VideoFrame, raw depth
// in the depth camera's geometry (the page registers it to colour on the GPU).
import { InvalidOptionError, InputError, ReplacerError } from '../../errors';
import {
  CAPTURE_FLAG_DISCONTINUITY,
  decodeCaptureMessage,
  parseBridgeTextMessage,
  type BridgeBodyIndexImage,
  type BridgeCalibrationMessage,
  type BridgeCapture,
  type BridgeColorImage,
  type BridgeDepthImage,
} from './bridgeProtocol';

const START_HINT =
  'start it with `npm run kinect-bridge -- --replay FILE.mkv` (a recording) or the native helper (a live Azure Kinect); see docs/kinect-bridge.md';

/** Why a bridge session failed; the code is 'camera-not-found' (the depth camera is not reachable). */
export type KinectBridgeFailure = 'not-running' | 'timeout' | 'closed' | 'server-error';

/** The bridge could not be reached, went silent, dropped the connection or reported an error. */
export class KinectBridgeError extends ReplacerError {
  constructor(
    readonly reason: KinectBridgeFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('camera-not-found', message, options);
    this.name = 'KinectBridgeError';
  }
}

/** One capture as the page consumes it. */
export interface KinectBridgeFrame {
  /** The colour image, decoded; timestamp = timestampUs. The consumer closes it. */
  color: VideoFrame;
  /** [H,W] uint16 millimetres in the depth camera's geometry, 0 = invalid; null when the capture had no depth. */
  depth: BridgeDepthImage | null;
  /** [H,W] uint8 body index (255 = no body) in the depth geometry, when the bridge runs body tracking. */
  bodyIndex: BridgeBodyIndexImage | null;
  /** Device timestamp, microseconds. */
  timestampUs: number;
  /** The bridge's capture counter; gaps are captures dropped by the bridge or by this session. */
  sequence: number;
  /** The stream jumped (a replay looped): drop temporal state such as alpha history. */
  discontinuity: boolean;
}

/** An open bridge connection. Iterate it (once) for captures; close() when done. */
export interface KinectBridgeSession extends AsyncIterable<KinectBridgeFrame> {
  readonly url: string;
  /** From the calibration message: K4A_COLOR_MODE / K4A_DEPTH_MODE spellings, serial, nominal fps. */
  readonly device: BridgeCalibrationMessage['device'];
  /** The device's raw calibration JSON (for parseKinectCalibration). */
  readonly calibrationJson: string;
  /** Captures received, delivered, and dropped here (the consumer was slower than the stream, or the capture had no colour). */
  readonly stats: { readonly received: number; readonly delivered: number; readonly dropped: number };
  /** Closes the connection; a pending or later iteration ends (done). Idempotent. */
  close(): void;
}

export interface OpenKinectBridgeOptions {
  /** Milliseconds to wait for the connection and the calibration message; default 5000. */
  connectTimeoutMs?: number;
  /** Aborting rejects the open (with the signal's reason) or closes the session. */
  signal?: AbortSignal;
  /** WebSocket constructor; default globalThis.WebSocket (tests pass the `ws` package's). */
  WebSocket?: new (url: string) => WebSocket;
  /** Colour decoder; default {@link decodeBridgeColor}. The session closes what it returns if the session closed meanwhile. */
  decodeColor?: (color: BridgeColorImage, timestampUs: number) => Promise<VideoFrame>;
}

/**
 * Decodes a capture's colour image into a VideoFrame (timestamp in µs).
 * MJPG through createImageBitmap; NV12 and BGRA32 wrap the bytes directly.
 * @throws InputError 'corrupt-input' for a JPEG the browser cannot decode or whose size is
 *   not the header's; 'unsupported-input' for YUY2 (no VideoFrame pixel format for it)
 */
export async function decodeBridgeColor(color: BridgeColorImage, timestampUs: number): Promise<VideoFrame> {
  // The views come from a WebSocket ArrayBuffer, never a SharedArrayBuffer.
  const bytes = color.data as Uint8Array<ArrayBuffer>;
  switch (color.format) {
    case 'MJPG': {
      let bitmap: ImageBitmap;
      try {
        bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
      } catch (err) {
        throw new InputError('corrupt-input', `Kinect bridge capture at ${timestampUs} µs: the colour image is not a decodable JPEG`, { cause: err });
      }
      try {
        if (bitmap.width !== color.width || bitmap.height !== color.height) {
          throw new InputError(
            'corrupt-input',
            `Kinect bridge capture at ${timestampUs} µs: the JPEG is ${bitmap.width}×${bitmap.height}, the header says ${color.width}×${color.height}`,
          );
        }
        return new VideoFrame(bitmap, { timestamp: timestampUs });
      } finally {
        bitmap.close();
      }
    }
    case 'NV12':
    case 'BGRA32':
      return new VideoFrame(bytes, {
        format: color.format === 'NV12' ? 'NV12' : 'BGRA',
        codedWidth: color.width,
        codedHeight: color.height,
        timestamp: timestampUs,
      });
    case 'YUY2':
      throw new InputError('unsupported-input', 'The Kinect bridge sends YUY2 colour, which the page cannot show — start the device with MJPG (or BGRA32 / NV12).');
  }
}

/**
 * Connects to a Kinect bridge and waits for its calibration message.
 *
 * Back-pressure: captures are validated on arrival but decoded only when the consumer asks
 * for the next one, and only the newest undecoded capture is kept: if the consumer is slower
 * than the stream, older captures are dropped (counted in stats.dropped) before any
 * VideoFrame exists for them, so nothing leaks and latency stays at one capture.
 *
 * @param url ws:// or wss:// address of the bridge, e.g. 'ws://127.0.0.1:8765'
 * @returns the session; iterating it yields {@link KinectBridgeFrame}s until the bridge
 *   sends `end` (done) or fails (the iteration throws)
 * @throws InvalidOptionError for a URL that is not ws:// or wss://;
 *   KinectBridgeError 'not-running' when nothing answers at url, 'timeout' when no
 *   calibration arrives in connectTimeoutMs, 'closed' when the connection ends first,
 *   'server-error' when the bridge reports an error; InputError 'corrupt-input' /
 *   'unsupported-input' when the first message is not a valid calibration message.
 *   While iterating: KinectBridgeError 'closed' (connection dropped mid-stream) or
 *   'server-error', InputError for a malformed capture (see decodeCaptureMessage) or colour
 *   image (see decodeBridgeColor).
 */
export function openKinectBridge(url: string, options: OpenKinectBridgeOptions = {}): Promise<KinectBridgeSession> {
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  if (!(timeoutMs > 0)) return Promise.reject(new InvalidOptionError('connectTimeoutMs', `must be > 0, got ${timeoutMs}`));
  if (!/^wss?:\/\//i.test(url)) return Promise.reject(new InvalidOptionError('url', `the Kinect bridge address must start with ws:// or wss://, got "${url}"`));
  const Socket = options.WebSocket ?? globalThis.WebSocket;
  const decodeColor = options.decodeColor ?? decodeBridgeColor;
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = new Socket(url);
    } catch (err) {
      reject(new InvalidOptionError('url', `"${url}" is not a valid WebSocket address (${err instanceof Error ? err.message : String(err)})`));
      return;
    }
    socket.binaryType = 'arraybuffer';
    let opened = false;
    const settle = (error: unknown): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.onopen = socket.onmessage = socket.onclose = null;
      socket.onerror = () => {}; // closing a connecting socket reports an error we have already replaced
      socket.close();
      reject(error);
    };
    const onAbort = (): void => settle(signal!.reason);
    signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(
      () =>
        settle(
          new KinectBridgeError(
            'timeout',
            opened
              ? `The Kinect bridge at ${url} sent no calibration within ${timeoutMs} ms — is it a Kinect bridge?`
              : `No answer from a Kinect bridge at ${url} within ${timeoutMs} ms — ${START_HINT}.`,
          ),
        ),
      timeoutMs,
    );
    socket.onopen = () => {
      opened = true;
    };
    socket.onerror = () => {
      // A close event with the details always follows.
    };
    socket.onclose = (event) => {
      settle(
        opened
          ? new KinectBridgeError('closed', `The Kinect bridge at ${url} closed the connection before sending its calibration (${describeClose(event)}).`)
          : new KinectBridgeError('not-running', `No Kinect bridge is running at ${url} — ${START_HINT}.`),
      );
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') {
        settle(new InputError('corrupt-input', 'Corrupt Kinect bridge stream: a capture arrived before the calibration message'));
        return;
      }
      let message;
      try {
        message = parseBridgeTextMessage(event.data);
      } catch (err) {
        settle(err);
        return;
      }
      if (message.type === 'error') {
        settle(new KinectBridgeError('server-error', `The Kinect bridge reported: ${message.message}`));
        return;
      }
      if (message.type !== 'calibration') {
        settle(new InputError('corrupt-input', `Corrupt Kinect bridge stream: "${message.type}" arrived before the calibration message`));
        return;
      }
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const session = new BridgeSession(url, socket, message, decodeColor);
      signal?.addEventListener('abort', () => session.close(), { once: true });
      resolve(session);
    };
  });
}

function describeClose(event: CloseEvent): string {
  return `code ${event.code}${event.reason ? `: ${event.reason}` : ''}`;
}

/** State of one open connection after the calibration message. */
class BridgeSession implements KinectBridgeSession {
  readonly device: BridgeCalibrationMessage['device'];
  readonly calibrationJson: string;
  readonly stats = { received: 0, delivered: 0, dropped: 0 };
  /** The newest validated, not yet decoded capture (the back-pressure slot). */
  private pending: BridgeCapture | null = null;
  private failure: unknown = null;
  private ended = false;
  private closed = false;
  private waiters: Array<() => void> = [];

  constructor(
    readonly url: string,
    private readonly socket: WebSocket,
    calibration: BridgeCalibrationMessage,
    private readonly decodeColor: (color: BridgeColorImage, timestampUs: number) => Promise<VideoFrame>,
  ) {
    this.device = calibration.device;
    this.calibrationJson = calibration.calibrationJson;
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onclose = (event) => {
      if (!this.ended && !this.closed && this.failure === null) {
        this.failure = new KinectBridgeError(
          'closed',
          `The Kinect bridge connection at ${url} dropped mid-stream (${describeClose(event)}) — is the bridge still running? ${START_HINT}.`,
        );
      }
      this.wake();
    };
  }

  private onMessage(data: unknown): void {
    if (this.ended || this.failure !== null) return;
    try {
      if (typeof data === 'string') {
        const message = parseBridgeTextMessage(data);
        if (message.type === 'end') this.ended = true;
        else if (message.type === 'error') this.failure = new KinectBridgeError('server-error', `The Kinect bridge reported: ${message.message}`);
        else throw new InputError('corrupt-input', 'Corrupt Kinect bridge stream: a second calibration message mid-stream');
      } else if (data instanceof ArrayBuffer) {
        const capture = decodeCaptureMessage(new Uint8Array(data));
        this.stats.received++;
        if (capture.color === null) {
          this.stats.dropped++; // nothing to show: a live device can deliver depth-only captures
        } else {
          if (this.pending !== null) this.stats.dropped++;
          this.pending = capture;
        }
      } else {
        throw new InputError('corrupt-input', 'Corrupt Kinect bridge stream: a binary message that is not an ArrayBuffer');
      }
    } catch (err) {
      this.failure = err;
    }
    if (this.ended || this.failure !== null) this.socket.close();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async next(): Promise<IteratorResult<KinectBridgeFrame, undefined>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      const capture = this.pending;
      if (capture !== null) {
        this.pending = null;
        return this.deliver(capture);
      }
      if (this.failure !== null) throw this.failure;
      if (this.ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private async deliver(capture: BridgeCapture): Promise<IteratorResult<KinectBridgeFrame, undefined>> {
    const color = await this.decodeColor(capture.color!, capture.timestampUs);
    if (this.closed) {
      color.close();
      return { done: true, value: undefined };
    }
    this.stats.delivered++;
    return {
      done: false,
      value: {
        color,
        depth: capture.depth,
        bodyIndex: capture.bodyIndex,
        timestampUs: capture.timestampUs,
        sequence: capture.sequence,
        discontinuity: (capture.flags & CAPTURE_FLAG_DISCONTINUITY) !== 0,
      },
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<KinectBridgeFrame, undefined> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = null;
    this.socket.close();
    this.wake();
  }
}
