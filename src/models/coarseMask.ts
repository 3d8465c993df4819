/** Base-resolution person confidence from a segmentation network. */
export interface CoarseMask {
  width: number;
  height: number;
  /** [height, width] float32 person confidence in 0..1, row-major. */
  pha: Float32Array<ArrayBuffer>;
}
