// Browser side of test/e2e/kinectDemux.spec.ts: fetches a recording the spec routes to this
// page, demuxes it with parseKinectRecording (ts-ebml over the `buffer` shim, as the app runs
// it) and decodes each colour image with kinectColorFrame, reporting sizes and timestamps.
import { kinectColorFrame } from '../../src/sources/kinect/colour';
import { decodeB16g, parseKinectRecording } from '../../src/sources/kinect/recording';

/** What the page reports about one capture. */
export interface DemuxedCapture {
  colorUs: number | null;
  depthUs: number | null;
  irUs: number | null;
  /** The decoded colour VideoFrame, or null without colour. */
  frame: { format: string | null; width: number; height: number; timestamp: number } | null;
  /** The frame's pixels copied back out (first 64 bytes), to compare with what was stored. */
  framePrefix: number[] | null;
  /** Sum of the decoded depth samples (native order), or null. */
  depthSum: number | null;
}

/** What the page reports about one recording. */
export interface DemuxReport {
  bufferShimmed: boolean;
  tags: Record<string, string>;
  colorUid: string | null;
  calibrationLength: number | null;
  captures: DemuxedCapture[];
}

/** An error thrown in the page, flattened so the spec can see its type and code. */
export interface DemuxFailure {
  error: { name: string; code: string | null; message: string };
}

declare global {
  interface Window {
    kinectDemux(url: string, maxCaptures?: number): Promise<DemuxReport | DemuxFailure>;
  }
}

const bufferShimmed = typeof (globalThis as { Buffer?: { from?: unknown } }).Buffer?.from === 'function';

window.kinectDemux = async (url, maxCaptures = 8) => {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
    const recording = parseKinectRecording(new Uint8Array(await response.arrayBuffer()));
    const captures: DemuxedCapture[] = [];
    for (const capture of recording.captures.slice(0, maxCaptures)) {
      let frame: DemuxedCapture['frame'] = null;
      let framePrefix: number[] | null = null;
      if (capture.color) {
        const video = await kinectColorFrame(capture.color);
        try {
          frame = { format: video.format, width: video.displayWidth, height: video.displayHeight, timestamp: video.timestamp };
          if (video.format) {
            const copy = new Uint8Array(video.allocationSize());
            await video.copyTo(copy);
            framePrefix = Array.from(copy.subarray(0, 64));
          }
        } finally {
          video.close();
        }
      }
      captures.push({
        colorUs: capture.color?.timestampUs ?? null,
        depthUs: capture.depth?.timestampUs ?? null,
        irUs: capture.ir?.timestampUs ?? null,
        frame,
        framePrefix,
        depthSum: capture.depth ? decodeB16g(capture.depth).reduce((s, v) => s + v, 0) : null,
      });
    }
    return {
      bufferShimmed,
      tags: Object.fromEntries(recording.tags),
      colorUid: recording.tracks.color?.uid.toString() ?? null,
      calibrationLength: recording.calibrationJson?.length ?? null,
      captures,
    };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return {
      error: {
        name: err instanceof Error ? err.name : 'unknown',
        code: typeof code === 'string' ? code : null,
        message: err instanceof Error ? err.message : String(err),
      },
    };
  }
};
document.title = 'ready';
