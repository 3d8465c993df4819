/** Images given to the replacer (backgrounds, plates): decoded and scaled to a size the GPU takes. */
import { InputError } from '../errors';

/**
 * Background images and plates are scaled down to fit this many pixels on their longer side
 * (GPU textures are limited to 8192 and a background needs no more than 4K).
 */
export const MAX_IMAGE_SIDE = 4096;

/**
 * Decodes a Blob and scales images larger than MAX_IMAGE_SIDE down to fit (aspect kept).
 * @param what "background image", "background plate": for the error message
 * @returns a bitmap the caller owns (the given one when it needed nothing), or null for null
 * @throws InputError 'corrupt-input' when the blob is not a decodable image or has no pixels
 */
export async function prepareImage(image: ImageBitmap | Blob | null, what: string): Promise<ImageBitmap | null> {
  if (image === null) return null;
  let bitmap: ImageBitmap;
  try {
    bitmap = image instanceof Blob ? await createImageBitmap(image) : image;
  } catch (err) {
    const type = image instanceof Blob ? image.type || 'unknown type' : 'bitmap';
    throw new InputError('corrupt-input', `The ${what} could not be decoded (${type}) — use a PNG, JPEG or WebP.`, { cause: err });
  }
  const { width, height } = bitmap;
  if (width === 0 || height === 0) {
    bitmap.close();
    throw new InputError('corrupt-input', `The ${what} has no pixels (${width}×${height}) — use another image.`);
  }
  const scale = MAX_IMAGE_SIDE / Math.max(width, height);
  if (scale >= 1) return bitmap;
  try {
    return await createImageBitmap(bitmap, {
      resizeWidth: Math.max(1, Math.round(width * scale)),
      resizeHeight: Math.max(1, Math.round(height * scale)),
      resizeQuality: 'high',
    });
  } catch (err) {
    throw new InputError('corrupt-input', `The ${what} (${width}×${height}) is too large to use — use one under ${MAX_IMAGE_SIDE} px on a side.`, {
      cause: err,
    });
  } finally {
    bitmap.close();
  }
}
