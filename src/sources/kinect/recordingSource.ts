// An Azure Kinect recording (k4arecorder .mkv) played in the page as a DepthFrameSource: its
// captures at their recorded pace, colour decoded to VideoFrames, depth converted from b16g,
// with the recording's calibration — what the app uses when the user picks such a file.
import type { DepthFrameSource, DepthSourceFrame } from '../../types/kinect';
import { InputError } from '../../errors';
import { parseKinectCalibration } from './calibration';
import { kinectColorFrame } from './colour';
import { decodeB16g, parseKinectRecording, type KinectImage } from './recording';

/** True when the first bytes of a file look like a k4arecorder Matroska file (EBML magic and K4A names). */
export function looksLikeKinectRecording(head: Uint8Array): boolean {
  if (head.length < 4 || head[0] !== 0x1a || head[1] !== 0x45 || head[2] !== 0xdf || head[3] !== 0xa3) return false;
  const text = new TextDecoder('latin1').decode(head);
  return text.includes('K4A_') || text.includes('k4arecord') || text.includes('S_K4A/IMU');
}

/**
 * Plays a recording's captures that have a colour image, each when its recorded time comes
 * (relative to the first), looping when asked. A capture's depth travels with its frame; a
 * capture without depth gives `depth: null`.
 * @param bytes the whole .mkv
 * @param options.loop start again after the last capture (the default: a camera-like source)
 * @throws InputError 'corrupt-input' / 'unsupported-input' when the file is not a usable
 *   recording: malformed, no colour, no depth track or no calibration
 */
export function kinectRecordingSource(bytes: Uint8Array, options: { loop?: boolean } = {}): DepthFrameSource {
  const recording = parseKinectRecording(bytes);
  const colour = recording.captures.filter((c): c is typeof c & { color: KinectImage } => Boolean(c.color));
  if (colour.length === 0) throw new InputError('corrupt-input', 'The Kinect recording has no colour images.');
  const depthMode = recording.tags.get('K4A_DEPTH_MODE');
  const colorMode = recording.tags.get('K4A_COLOR_MODE');
  if (!recording.tracks.depth || !depthMode || depthMode === 'OFF') throw new InputError('unsupported-input', 'The Kinect recording has no depth track: open it as a plain video instead.');
  if (!recording.calibrationJson) throw new InputError('corrupt-input', 'The Kinect recording has no calibration.json attachment, so its depth cannot be registered.');
  if (!colorMode || !colorMode.includes('_')) throw new InputError('corrupt-input', `The Kinect recording's colour mode "${colorMode ?? ''}" is not one k4arecorder writes.`);
  const calibration = parseKinectCalibration(recording.calibrationJson, depthMode, colorMode.slice(colorMode.indexOf('_') + 1));
  const loop = options.loop ?? true;
  const first = colour[0]!.color.timestampUs;
  const last = colour[colour.length - 1]!.color.timestampUs;
  const gaps = colour.slice(1).map((c, i) => c.color.timestampUs - colour[i]!.color.timestampUs);
  const periodUs = gaps.length ? Math.max(1, gaps.sort((a, b) => a - b)[gaps.length >> 1]!) : 1e6 / 30;
  let closed = false;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => ((wake = null), resolve()), Math.max(0, ms));
      wake = () => (clearTimeout(timer), (wake = null), resolve());
    });
  return {
    calibration,
    close() {
      closed = true;
      wake?.();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<DepthSourceFrame> {
      const start = performance.now();
      for (let pass = 0; !closed && (pass === 0 || loop); pass++) {
        const passStartUs = pass * (last - first + periodUs);
        for (const capture of colour) {
          const dueUs = passStartUs + capture.color.timestampUs - first;
          await sleep(dueUs / 1000 - (performance.now() - start));
          if (closed) return;
          const frame = await kinectColorFrame(capture.color, dueUs);
          const depth = capture.depth ? { width: capture.depth.width, height: capture.depth.height, data: decodeB16g(capture.depth) } : null;
          if (closed) {
            frame.close();
            return;
          }
          yield { frame, depth };
        }
      }
    },
  };
}
