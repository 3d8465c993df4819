/**
 * Turns a Kinect colour image from {@link parseKinectRecording} into a VideoFrame (browser or
 * worker only). MJPG is decoded with WebCodecs' ImageDecoder where the platform has it, else
 * with createImageBitmap; NV12 and BGRA rows are wrapped as they are; YUY2 is converted to
 * I420 first, because VideoFrame has no packed 4:2:2 format.
 */
import { InputError } from '../../errors';
import type { KinectImage } from './recording';

function corrupt(message: string, cause?: unknown): InputError {
  return new InputError('corrupt-input', `Corrupt Kinect colour image: ${message}.`, { cause });
}

function checkBytes(image: KinectImage, expected: number): void {
  if (image.data.length !== expected) {
    throw corrupt(`a ${image.width}×${image.height} ${image.format} image has ${image.data.length} bytes, expected ${expected}`);
  }
}

/**
 * Converts packed YUY2 (Y0 U Y1 V per pixel pair, 4:2:2) to planar I420 (4:2:0): the luma is
 * copied, each chroma sample is the rounded mean of the two rows it covers (the last row
 * alone when the height is odd).
 * @param yuy2 width×height×2 bytes, rows of width×2 bytes
 * @param width even, > 0; height > 0
 * @returns Y plane (width×height) then U and V planes ((width/2)×ceil(height/2) each), 0..255
 * @throws InputError 'corrupt-input' for an odd width, a non-positive size or a wrong byte count
 */
export function yuy2ToI420(yuy2: Uint8Array, width: number, height: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width % 2 !== 0) {
    throw corrupt(`a YUY2 image must have an even width and a positive height, got ${width}×${height}`);
  }
  if (yuy2.length !== width * height * 2) {
    throw corrupt(`a ${width}×${height} YUY2 image has ${yuy2.length} bytes, expected ${width * height * 2}`);
  }
  const cw = width / 2;
  const ch = Math.ceil(height / 2);
  const out = new Uint8Array(width * height + 2 * cw * ch);
  const uOffset = width * height;
  const vOffset = uOffset + cw * ch;
  const stride = width * 2;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++) out[y * width + x] = yuy2[row + 2 * x] ?? 0;
  }
  for (let cy = 0; cy < ch; cy++) {
    const top = 2 * cy * stride;
    const bottom = Math.min(2 * cy + 1, height - 1) * stride;
    for (let cx = 0; cx < cw; cx++) {
      const u = (yuy2[top + 4 * cx + 1] ?? 0) + (yuy2[bottom + 4 * cx + 1] ?? 0);
      const v = (yuy2[top + 4 * cx + 3] ?? 0) + (yuy2[bottom + 4 * cx + 3] ?? 0);
      out[uOffset + cy * cw + cx] = (u + 1) >> 1;
      out[vOffset + cy * cw + cx] = (v + 1) >> 1;
    }
  }
  return out;
}

/** The view itself when it lies on an ArrayBuffer (as WebCodecs and Blob require), else a copy. */
function ownBytes(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
}

async function decodeJpeg(image: KinectImage, timestamp: number): Promise<VideoFrame> {
  let frame: VideoFrame;
  try {
    if (typeof ImageDecoder !== 'undefined') {
      const decoder = new ImageDecoder({ data: ownBytes(image.data), type: 'image/jpeg' });
      try {
        const decoded = (await decoder.decode()).image;
        frame = new VideoFrame(decoded, { timestamp });
        decoded.close();
      } finally {
        decoder.close();
      }
    } else {
      const bitmap = await createImageBitmap(new Blob([ownBytes(image.data)], { type: 'image/jpeg' }));
      try {
        frame = new VideoFrame(bitmap, { timestamp });
      } finally {
        bitmap.close();
      }
    }
  } catch (err) {
    throw corrupt(`the MJPG frame at ${image.timestampUs} µs does not decode as a JPEG (${err instanceof Error ? err.message : String(err)})`, err);
  }
  if (frame.displayWidth !== image.width || frame.displayHeight !== image.height) {
    const size = `${frame.displayWidth}×${frame.displayHeight}`;
    frame.close();
    throw corrupt(`the MJPG frame at ${image.timestampUs} µs is ${size}, but the track says ${image.width}×${image.height}`);
  }
  return frame;
}

/**
 * Makes a VideoFrame of a Kinect colour image. The caller owns the frame and must close it.
 * @param image a colour image (MJPG, NV12, YUY2 or BGRA) from parseKinectRecording
 * @param timestampUs the frame's timestamp in µs (default: the image's device timestamp)
 * @returns a width×height frame: decoded RGB for MJPG, 'NV12', 'BGRA' or 'I420' (from YUY2) otherwise
 * @throws InputError 'corrupt-input' when a JPEG will not decode or has the wrong size, or a raw
 *   image has the wrong byte count; 'unsupported-input' for a b16g (depth/IR) image
 */
export async function kinectColorFrame(image: KinectImage, timestampUs?: number): Promise<VideoFrame> {
  const timestamp = timestampUs ?? image.timestampUs;
  const { width, height } = image;
  switch (image.format) {
    case 'MJPG':
      return decodeJpeg(image, timestamp);
    case 'NV12':
      checkBytes(image, width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2));
      return new VideoFrame(ownBytes(image.data), { format: 'NV12', codedWidth: width, codedHeight: height, timestamp });
    case 'BGRA':
      checkBytes(image, width * height * 4);
      return new VideoFrame(ownBytes(image.data), { format: 'BGRA', codedWidth: width, codedHeight: height, timestamp });
    case 'YUY2':
      return new VideoFrame(yuy2ToI420(image.data, width, height), {
        format: 'I420',
        codedWidth: width,
        codedHeight: height,
        timestamp,
      });
    case 'b16g':
      throw new InputError('unsupported-input', 'kinectColorFrame needs a colour image; b16g is a depth/IR image (use decodeB16g).');
  }
}
