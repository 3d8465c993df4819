/**
 * Reads a 2D texture back to the CPU (debug, replay, tests and one-off user actions such as
 * saving the background memory as the plate: never per frame on the live path).
 * Supports rgba8unorm, r32float and rgba16float (returned as raw Uint16 halves).
 * @returns tightly packed rows: Uint8Array for rgba8unorm, Float32Array for r32float, Uint16Array for rgba16float
 * @throws Error for other formats
 */
export async function readTexture(device: GPUDevice, texture: GPUTexture): Promise<Uint8Array | Float32Array | Uint16Array> {
  const bytesPerPixel = ({ rgba8unorm: 4, r32float: 4, rgba16float: 8 } as Partial<Record<GPUTextureFormat, number>>)[texture.format];
  if (!bytesPerPixel) throw new Error(`readTexture: unsupported format ${texture.format}`);
  const { width, height } = texture;
  const rowBytes = width * bytesPerPixel;
  const bytesPerRow = Math.ceil(rowBytes / 256) * 256;
  const buffer = device.createBuffer({ size: bytesPerRow * height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyTextureToBuffer({ texture }, { buffer, bytesPerRow }, { width, height });
    device.queue.submit([encoder.finish()]);
    await buffer.mapAsync(GPUMapMode.READ);
    const mapped = new Uint8Array(buffer.getMappedRange());
    const packed = new Uint8Array(rowBytes * height);
    for (let y = 0; y < height; y++) packed.set(mapped.subarray(y * bytesPerRow, y * bytesPerRow + rowBytes), y * rowBytes);
    buffer.unmap();
    if (texture.format === 'r32float') return new Float32Array(packed.buffer);
    if (texture.format === 'rgba16float') return new Uint16Array(packed.buffer);
    return packed;
  } finally {
    buffer.destroy();
  }
}
