// .y4m files the bandwidth benchmark writes: the camera frames and each pipeline output, as
// I420 with BT.601 limited range, one file per variant of a clip.
import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * The .y4m stream header this module writes: I420, BT.601 limited range, fps as a ratio of
 * integers (thousandths when not whole).
 * @param width, height frame size in pixels
 * @param fps frames per second
 */
export function y4mHeader(width: number, height: number, fps: number): string {
  const [num, den] = Number.isInteger(fps) ? [fps, 1] : [Math.round(fps * 1000), 1000];
  return `YUV4MPEG2 W${width} H${height} F${num}:${den} Ip A1:1 C420jpeg XCOLORRANGE=LIMITED\n`;
}

/** A sequence written as .y4m: its path and shape. */
export interface Sequence {
  path: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
}

/** Appends I420 frames to a new .y4m file. */
export class Y4mWriter {
  private readonly fd: number;
  private count = 0;
  /** Creates (or truncates) `path` and writes the stream header. @throws Error from node:fs when the file cannot be opened */
  constructor(
    readonly path: string,
    readonly width: number,
    readonly height: number,
    readonly fps: number,
  ) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, y4mHeader(width, height, fps));
  }
  /** @throws RangeError for a frame of the wrong size */
  write(i420: Uint8Array): void {
    if (i420.length !== this.width * this.height * 1.5) throw new RangeError(`${this.path}: frame of ${i420.length} bytes for ${this.width}×${this.height}`);
    writeSync(this.fd, 'FRAME\n');
    writeSync(this.fd, i420);
    this.count++;
  }
  /** Closes the file. @returns the sequence written: its path, shape and frame count */
  close(): Sequence {
    closeSync(this.fd);
    return { path: this.path, width: this.width, height: this.height, fps: this.fps, frames: this.count };
  }
}
