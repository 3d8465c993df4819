// The live Azure Kinect as a DepthFrameSource: the bridge session's captures (colour as a
// VideoFrame, raw depth) with the device's calibration parsed for its modes, ready for
// BackgroundReplacer.processDepthSource.
import type { DepthFrameSource, DepthSourceFrame } from '../../types/kinect';
import { InputError } from '../../errors';
import { openKinectBridge, type KinectBridgeSession, type OpenKinectBridgeOptions } from './bridgeClient';
import { parseKinectCalibration } from './calibration';

/** The Kinect bridge's default address (docs/kinect-bridge.md). */
export const DEFAULT_KINECT_BRIDGE_URL = 'ws://127.0.0.1:8765';

/**
 * Connects to a Kinect bridge (the native helper, or `npm run kinect-bridge -- --replay FILE`)
 * and returns its captures as a depth source.
 * @param url ws:// address of the bridge, e.g. {@link DEFAULT_KINECT_BRIDGE_URL}
 * @throws KinectBridgeError when the bridge is not running or answers no calibration in time;
 *   InputError 'corrupt-input' / 'unsupported-input' when its calibration cannot be used
 */
export async function openKinectDepthSource(url: string, options: OpenKinectBridgeOptions = {}): Promise<DepthFrameSource & { readonly session: KinectBridgeSession }> {
  const session = await openKinectBridge(url, options);
  try {
    return kinectDepthSource(session);
  } catch (err) {
    session.close();
    throw err;
  }
}

/**
 * Wraps an open bridge session. Each capture's colour frame goes to the consumer (who closes
 * it); its depth, when present, travels with it; the body-index map is not used.
 * @throws InputError when the session's modes or calibration cannot be used
 */
export function kinectDepthSource(session: KinectBridgeSession): DepthFrameSource & { readonly session: KinectBridgeSession } {
  const { colorMode, depthMode } = session.device;
  const underscore = colorMode.indexOf('_');
  if (underscore < 0) throw new InputError('unsupported-input', `The Kinect bridge reported colour mode "${colorMode}"; expected e.g. MJPG_720P.`);
  const calibration = parseKinectCalibration(session.calibrationJson, depthMode, colorMode.slice(underscore + 1));
  return {
    session,
    calibration,
    close: () => session.close(),
    async *[Symbol.asyncIterator](): AsyncGenerator<DepthSourceFrame> {
      for await (const capture of session) {
        const d = capture.depth;
        // The engine takes the depth's buffer (transferred): give it one of its own.
        const depth = d ? { width: d.width, height: d.height, data: ownBuffer(d.data) } : null;
        yield { frame: capture.color, depth };
      }
    },
  };
}

/** `data` itself when it spans a whole ArrayBuffer of its own, else a copy. */
function ownBuffer(data: Uint16Array<ArrayBufferLike>): Uint16Array<ArrayBuffer> {
  const buffer = data.buffer;
  if (buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength) return data as Uint16Array<ArrayBuffer>;
  return Uint16Array.from(data);
}
