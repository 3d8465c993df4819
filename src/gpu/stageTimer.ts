/**
 * Per-stage GPU time of one frame from timestamp queries. A mark is an empty compute pass
 * whose beginning writes a timestamp, so marks go between any passes, in any command encoder,
 * without changing the passes; a stage's time is the interval from the previous mark to its
 * own (summed when a name repeats). Needs the device feature 'timestamp-query'. Browsers may
 * quantise timestamps (Chromium: to 100 µs unless its developer features are on).
 *
 * Owns a query set and two buffers; destroy() releases them.
 */
export class StageTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private readonly readBuffer: GPUBuffer;
  private names: string[] = [];

  /**
   * @param capacity the most marks per frame (later marks are ignored)
   * @throws TypeError (from WebGPU) when the device lacks 'timestamp-query'
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly capacity = 32,
  ) {
    this.querySet = device.createQuerySet({ label: 'stage timer', type: 'timestamp', count: capacity });
    this.resolveBuffer = device.createBuffer({ label: 'stage timer resolve', size: capacity * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.readBuffer = device.createBuffer({ label: 'stage timer read', size: capacity * 8, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  }

  /** True when the device can time stages. */
  static supported(device: GPUDevice): boolean {
    return device.features.has('timestamp-query');
  }

  /** Starts a frame: forgets the previous marks. */
  begin(): void {
    this.names = [];
  }

  /**
   * Records a timestamp in `encoder` at this point; the interval since the previous mark is
   * the time of stage `name` (the first mark of a frame only starts the clock).
   */
  mark(encoder: GPUCommandEncoder, name: string): void {
    if (this.names.length >= this.capacity) return;
    encoder.beginComputePass({ label: `mark ${name}`, timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: this.names.length } }).end();
    this.names.push(name);
  }

  /** Records a mark in a command buffer of its own, submitted now. */
  markNow(name: string): void {
    const encoder = this.device.createCommandEncoder({ label: `mark ${name}` });
    this.mark(encoder, name);
    this.device.queue.submit([encoder.finish()]);
  }

  /**
   * Reads this frame's marks back (one map of capacity × 8 bytes); call after the frame's
   * work was submitted.
   * @returns milliseconds per stage name, in mark order; empty with fewer than two marks
   */
  async read(): Promise<Record<string, number>> {
    const n = this.names.length;
    if (n < 2) return {};
    const encoder = this.device.createCommandEncoder({ label: 'stage timer resolve' });
    encoder.resolveQuerySet(this.querySet, 0, n, this.resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, this.readBuffer, 0, n * 8);
    this.device.queue.submit([encoder.finish()]);
    await this.readBuffer.mapAsync(GPUMapMode.READ, 0, n * 8);
    const ticks = new BigInt64Array(this.readBuffer.getMappedRange(0, n * 8).slice(0));
    this.readBuffer.unmap();
    return stageDurations(this.names, ticks);
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
    this.readBuffer.destroy();
  }
}

/**
 * Stage times from marks: stage names[i] lasts from timestamp i − 1 to timestamp i.
 * @param ticks GPU timestamps in nanoseconds, one per name
 * @returns milliseconds per name (summed when a name repeats), never negative
 */
export function stageDurations(names: readonly string[], ticks: BigInt64Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 1; i < names.length; i++) {
    const ms = Number(ticks[i]! - ticks[i - 1]!) / 1e6;
    out[names[i]!] = (out[names[i]!] ?? 0) + Math.max(0, ms);
  }
  return out;
}
