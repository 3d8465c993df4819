// Byte counts of the Azure Kinect's raw image formats, shared by the MKV demuxer and the bridge protocol.

/** Expected payload bytes of a raw image (NV12 chroma rounded up for odd sizes), or null for MJPG (any length). */
export function rawImageBytes(format: 'MJPG' | 'NV12' | 'YUY2' | 'BGRA' | 'b16g', width: number, height: number): number | null {
  switch (format) {
    case 'MJPG':
      return null;
    case 'NV12':
      return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
    case 'YUY2':
    case 'b16g':
      return width * height * 2;
    case 'BGRA':
      return width * height * 4;
  }
}
