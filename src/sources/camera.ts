import { cameraError } from '../errors';

/** Capture resolutions the UI offers, named by frame height. */
export type Resolution = '360p' | '720p' | '1080p';
export const RESOLUTIONS: readonly Resolution[] = ['360p', '720p', '1080p'];
export const DEFAULT_RESOLUTION: Resolution = '720p';

/** Frame size of each resolution in pixels (16:9). */
export const RESOLUTION_SIZE: Readonly<Record<Resolution, { width: number; height: number }>> = Object.freeze({
  '360p': { width: 640, height: 360 },
  '720p': { width: 1280, height: 720 },
  '1080p': { width: 1920, height: 1080 },
});

/** A video input device as the camera picker shows it. */
export interface CameraDevice {
  deviceId: string;
  /** Human-readable name; browsers give a generic `Camera N` here until permission is granted. */
  label: string;
}

/**
 * Lists the video input devices. Labels are only real after camera permission was granted
 * (e.g. after {@link openCamera} succeeded once); before that they read `Camera 1`, `Camera 2`…
 * @returns the devices in the order the browser reports them (possibly empty)
 * @throws ReplacerError 'camera-not-found' when the browser has no media devices API (insecure context)
 */
export async function listCameras(): Promise<CameraDevice[]> {
  if (!navigator.mediaDevices?.enumerateDevices) throw cameraError(new DOMException('No media devices API', 'NotFoundError'));
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices
    .filter((d) => d.kind === 'videoinput')
    .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` }));
}

/** What {@link openCamera} opens. */
export interface CameraRequest {
  /** A deviceId from {@link listCameras}; the browser's default camera when absent. */
  deviceId?: string;
  /** Ideal capture size; the camera may deliver the nearest size it supports. Default `720p`. */
  resolution?: Resolution;
}

/**
 * Opens a camera with getUserMedia: video only, the requested size as `ideal` (never above
 * 1920×1080) and 30 fps ideal.
 * @returns a MediaStream with one video track; stop it with {@link stopStream}
 * @throws ReplacerError 'camera-permission-denied', 'camera-not-found' or 'camera-in-use'
 */
export async function openCamera(request: CameraRequest = {}): Promise<MediaStream> {
  const { width, height } = RESOLUTION_SIZE[request.resolution ?? DEFAULT_RESOLUTION];
  const video: MediaTrackConstraints = {
    width: { ideal: width, max: 1920 },
    height: { ideal: height, max: 1080 },
    frameRate: { ideal: 30 },
  };
  if (request.deviceId) video.deviceId = { exact: request.deviceId };
  if (!navigator.mediaDevices?.getUserMedia) throw cameraError(new DOMException('No media devices API', 'NotFoundError'));
  try {
    return await navigator.mediaDevices.getUserMedia({ video, audio: false });
  } catch (err) {
    throw cameraError(err);
  }
}

/** Stops every track of a stream (turns the camera light off). */
export function stopStream(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
