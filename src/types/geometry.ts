// Geometry shared by every layer.

/** A rectangle in full-resolution pixels (x, y: top-left corner; may be fractional). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
