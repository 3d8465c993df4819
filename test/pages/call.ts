// A video call in one page (test/e2e/call.spec.ts): the camera goes through a
// BackgroundReplacer, the processed track is sent over an RTCPeerConnection to a second
// RTCPeerConnection in the same page (offer/answer and ICE candidates handed over directly),
// and the receiver decodes it into a <video>, as the other side of a call would. The test
// drives it through window.__call: start the call, sample the WebRTC and replacer counters,
// grab camera and received frames as PNG.
import { createBackgroundReplacer, type BackgroundReplacer } from 'bg-replacer';

/** The counters of one moment of the call; rates come from the difference of two samples. */
export interface CallSample {
  /** performance.now() in the page when sampled (ms). */
  at: number;
  /** performance.timeOrigin: changes when the page reloads (a new call), which would void a window. */
  timeOrigin: number;
  visibility: DocumentVisibilityState;
  /** The receiver's inbound-rtp report (the other side of the call). */
  inbound: {
    /** The report's own clock (ms): rates are computed against it, not against page timers. */
    timestamp: number;
    framesReceived: number;
    framesDecoded: number;
    framesDropped: number;
    /** The browser's own decoded-frames-per-second estimate (about the last second). */
    framesPerSecond: number;
    frameWidth: number;
    frameHeight: number;
  };
  /** The sender's outbound-rtp report. */
  outbound: {
    timestamp: number;
    bytesSent: number;
    framesEncoded: number;
    framesSent: number;
    /** Sum of the encoder's quantizer over framesEncoded (lower: finer). */
    qpSum: number;
    targetBitrate: number;
    frameWidth: number;
    frameHeight: number;
    qualityLimitationReason: string;
    encoderImplementation: string;
  };
  /** The replacer's counters (BackgroundReplacer.stats). */
  replacer: { processed: number; dropped: number; passedThrough: number; ready: boolean; renderer: string | null; adapter: string | null; lastTotalMs: number | null };
  /** Camera frames seen by a second reader of the camera track (the input rate). */
  cameraFrames: number;
}

export interface CallHarness {
  readonly replacer: BackgroundReplacer;
  /** The counters now. */
  sample(): Promise<CallSample>;
  /** One frame as a base64 PNG: of the camera track, or of the receiving <video> (a frame presented after the call). */
  grab(which: 'camera' | 'received'): Promise<string>;
  /** visibilitychange events seen so far: [performance.now(), state]. */
  readonly visibilityLog: Array<[number, DocumentVisibilityState]>;
  /** Error events and rejections seen (replacer `error` events, peer connection failures). */
  readonly errors: string[];
}

declare global {
  interface Window {
    /** Set once the call is up (the received video presents a frame), or `__callFailed` with why. */
    __call?: CallHarness;
    __callFailed?: string;
  }
}

/** MediaStreamTrackProcessor (Chromium, main thread); not in TypeScript's DOM lib yet. */
type TrackProcessorCtor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };
const TrackProcessor = (globalThis as unknown as { MediaStreamTrackProcessor: TrackProcessorCtor }).MediaStreamTrackProcessor;

/**
 * `?fallback=input|output|both`: the replacer runs as in a browser without the breakout box —
 * no MediaStreamTrackProcessor (it reads the camera through a <video> element) and/or no
 * MediaStreamTrackGenerator (it writes through a canvas's captureStream()) on the main thread.
 * The page kept its own reference to the processor above, for counting and grabbing frames.
 */
const FALLBACK = new URLSearchParams(location.search).get('fallback');
if (FALLBACK === 'input' || FALLBACK === 'both') delete (globalThis as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor;
if (FALLBACK === 'output' || FALLBACK === 'both') delete (globalThis as { MediaStreamTrackGenerator?: unknown }).MediaStreamTrackGenerator;

const errors: string[] = [];
const visibilityLog: Array<[number, DocumentVisibilityState]> = [[performance.now(), document.visibilityState]];
document.addEventListener('visibilitychange', () => visibilityLog.push([performance.now(), document.visibilityState]));

/** Offer/answer and ICE between two peer connections in this page. */
async function connect(sender: RTCPeerConnection, receiver: RTCPeerConnection): Promise<void> {
  sender.addEventListener('icecandidate', (e) => {
    if (e.candidate) receiver.addIceCandidate(e.candidate).catch((err: unknown) => errors.push(`receiver addIceCandidate: ${String(err)}`));
  });
  receiver.addEventListener('icecandidate', (e) => {
    if (e.candidate) sender.addIceCandidate(e.candidate).catch((err: unknown) => errors.push(`sender addIceCandidate: ${String(err)}`));
  });
  for (const pc of [sender, receiver]) {
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed') errors.push(`peer connection ${pc === sender ? 'sender' : 'receiver'} failed`);
    });
  }
  await sender.setLocalDescription();
  await receiver.setRemoteDescription(sender.localDescription!);
  await receiver.setLocalDescription();
  await sender.setRemoteDescription(receiver.localDescription!);
}

/** Counts the frames of a clone of `track` (read and closed at once) into `counter.frames`. */
function countFrames(track: MediaStreamTrack, counter: { frames: number }): void {
  const reader = new TrackProcessor({ track: track.clone(), maxBufferSize: 1 }).readable.getReader();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      value.close();
      counter.frames++;
    }
  })();
}

function statOf<T>(report: RTCStatsReport, type: string): T {
  for (const stat of report.values()) if ((stat as { type: string }).type === type) return stat as T;
  throw new Error(`no ${type} stats yet`);
}

async function pngBase64(source: CanvasImageSource, width: number, height: number): Promise<string> {
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d')!.drawImage(source, 0, 0, width, height);
  const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function start(): Promise<CallHarness> {
  const camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  const cameraTrack = camera.getVideoTracks()[0]!;
  const input = { frames: 0 };
  countFrames(cameraTrack, input);

  const replacer = await createBackgroundReplacer({ mode: 'blur' });
  replacer.addEventListener('error', (e) => errors.push(`replacer: ${e.detail.message}`));
  const processed = replacer.process(camera);

  const sender = new RTCPeerConnection();
  const receiver = new RTCPeerConnection();
  const video = document.getElementById('received') as HTMLVideoElement;
  receiver.addEventListener('track', (e) => (video.srcObject = e.streams[0] ?? new MediaStream([e.track])));
  sender.addTrack(processed.getVideoTracks()[0]!, processed);
  await connect(sender, receiver);
  await new Promise<void>((resolve) => video.requestVideoFrameCallback(() => resolve()));

  return {
    replacer,
    visibilityLog,
    errors,
    async sample() {
      const [out, inb] = await Promise.all([sender.getStats(), receiver.getStats()]);
      type Outbound = CallSample['outbound'];
      type Inbound = CallSample['inbound'];
      const o = statOf<Partial<Outbound>>(out, 'outbound-rtp');
      const i = statOf<Partial<Inbound>>(inb, 'inbound-rtp');
      const s = replacer.stats;
      return {
        at: performance.now(),
        timeOrigin: performance.timeOrigin,
        visibility: document.visibilityState,
        inbound: {
          timestamp: i.timestamp ?? 0,
          framesReceived: i.framesReceived ?? 0,
          framesDecoded: i.framesDecoded ?? 0,
          framesDropped: i.framesDropped ?? 0,
          framesPerSecond: i.framesPerSecond ?? 0,
          frameWidth: i.frameWidth ?? 0,
          frameHeight: i.frameHeight ?? 0,
        },
        outbound: {
          timestamp: o.timestamp ?? 0,
          bytesSent: o.bytesSent ?? 0,
          framesEncoded: o.framesEncoded ?? 0,
          framesSent: o.framesSent ?? 0,
          qpSum: o.qpSum ?? 0,
          targetBitrate: o.targetBitrate ?? 0,
          frameWidth: o.frameWidth ?? 0,
          frameHeight: o.frameHeight ?? 0,
          qualityLimitationReason: o.qualityLimitationReason ?? '',
          encoderImplementation: o.encoderImplementation ?? '',
        },
        replacer: { processed: s.processed, dropped: s.dropped, passedThrough: s.passedThrough, ready: s.ready, renderer: s.renderer, adapter: s.adapter, lastTotalMs: s.last?.total ?? null },
        cameraFrames: input.frames,
      };
    },
    async grab(which) {
      if (which === 'received') {
        // A frame presented from now on (not one decoded before the caller's last change).
        await new Promise<void>((resolve) => video.requestVideoFrameCallback(() => resolve()));
        return pngBase64(video, video.videoWidth, video.videoHeight);
      }
      const track = cameraTrack.clone();
      const reader = new TrackProcessor({ track }).readable.getReader();
      try {
        const { value: frame } = await reader.read();
        if (!frame) throw new Error('the camera track ended');
        try {
          return await pngBase64(frame, frame.displayWidth, frame.displayHeight);
        } finally {
          frame.close();
        }
      } finally {
        await reader.cancel();
        track.stop();
      }
    },
  };
}

start().then(
  (harness) => (window.__call = harness),
  (err: unknown) => (window.__callFailed = err instanceof Error ? `${err.name}: ${err.message}` : String(err)),
);
