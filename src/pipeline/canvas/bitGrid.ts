// A set of cells of a small grid as bits, one row of 32-bit words per grid row, for the CPU
// matte's bookkeeping (which cells are near an edge, which blocks are flat): dilations,
// erosions and unions work on 32 cells at a time.

/**
 * A w×h grid of bits: cell (x, y) is bit x % 32 of word y·stride + ⌊x / 32⌋ of `words`. Bits
 * past w in a row's last word are kept 0 by every operation here.
 */
export class BitGrid {
  /** Words per row. */
  readonly stride: number;
  readonly words: Uint32Array;
  /** The valid bits of a row's last word. */
  private readonly lastMask: number;

  /**
   * @param w, h grid size in cells (≥ 1)
   */
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.stride = Math.ceil(w / 32);
    this.words = new Uint32Array(this.stride * h);
    const tail = w % 32;
    this.lastMask = tail === 0 ? 0xffffffff : ((1 << tail) - 1) >>> 0;
  }

  /** Whether cell k = y·w + x is set. */
  has(k: number): boolean {
    const x = k % this.w;
    const y = (k - x) / this.w;
    return ((this.words[y * this.stride + (x >>> 5)]! >>> (x & 31)) & 1) === 1;
  }

  /** Adds cell k = y·w + x. */
  add(k: number): void {
    const x = k % this.w;
    const y = (k - x) / this.w;
    this.words[y * this.stride + (x >>> 5)]! |= 1 << (x & 31);
  }

  /**
   * this = src dilated by a (2r+1)² square (cells outside the grid ignored); `tmp` the same size,
   * holds the row pass. this, src and tmp must be distinct grids.
   */
  dilate(src: BitGrid, r: number, tmp: BitGrid): this {
    const { stride, h } = this;
    const a = src.words;
    const t = tmp.words;
    for (let y = 0; y < h; y++) this.spreadRow(a, y * stride, r, true, t);
    const o = this.words;
    for (let y = 0; y < h; y++) {
      const y0 = Math.max(y - r, 0);
      const y1 = Math.min(y + r, h - 1);
      for (let i = 0; i < stride; i++) {
        let out = 0;
        for (let yy = y0; yy <= y1; yy++) out |= t[yy * stride + i]!;
        o[y * stride + i] = out;
      }
    }
    return this;
  }

  /**
   * this = the cells of src whose whole (2r+1)² square is in src, cells outside the grid taken
   * as the nearest cell inside (edges replicated); `tmp` and `tmp2` scratch of the same size.
   */
  erode(src: BitGrid, r: number, tmp: BitGrid, tmp2: BitGrid): this {
    tmp2.not(src);
    this.dilate(tmp2, r, tmp);
    return this.not(this);
  }

  /** this = the complement of src (bits past w stay 0). */
  not(src: BitGrid): this {
    const { stride, words } = this;
    for (let k = 0; k < words.length; k++) words[k] = ~src.words[k]!;
    for (let k = stride - 1; k < words.length; k += stride) words[k]! &= this.lastMask;
    return this;
  }

  /** this = a ∪ b. */
  or(a: BitGrid, b: BitGrid): this {
    for (let k = 0; k < this.words.length; k++) this.words[k] = a.words[k]! | b.words[k]!;
    return this;
  }

  /** this = a ∩ b. */
  and(a: BitGrid, b: BitGrid): this {
    for (let k = 0; k < this.words.length; k++) this.words[k] = a.words[k]! & b.words[k]!;
    return this;
  }

  /** this = a \ b. */
  andNot(a: BitGrid, b: BitGrid): this {
    for (let k = 0; k < this.words.length; k++) this.words[k] = a.words[k]! & ~b.words[k]!;
    return this;
  }

  /**
   * this = the cells with a 4-neighbour (left, right, above, below) in src: src's cross-shaped
   * dilation without the centre.
   */
  neighbours(src: BitGrid): this {
    const { stride, h } = this;
    const a = src.words;
    const o = this.words;
    for (let y = 0; y < h; y++) {
      const row = y * stride;
      this.spreadRow(a, row, 1, false, o);
      for (let i = 0; i < stride; i++) {
        if (y > 0) o[row + i]! |= a[row - stride + i]!;
        if (y + 1 < h) o[row + i]! |= a[row + stride + i]!;
      }
    }
    return this;
  }

  /**
   * out's row at word `row` = the union of a's row shifted by ±1 … ±r cells (and a's row itself
   * when `centre`), cells past the row's ends dropped.
   */
  private spreadRow(a: Uint32Array, row: number, r: number, centre: boolean, out: Uint32Array): void {
    const { stride } = this;
    for (let i = 0; i < stride; i++) {
      const v = a[row + i]!;
      const prev = i > 0 ? a[row + i - 1]! : 0;
      const next = i + 1 < stride ? a[row + i + 1]! : 0;
      let bits = centre ? v : 0;
      for (let d = 1; d <= r; d++) bits |= (v << d) | (prev >>> (32 - d)) | (v >>> d) | (next << (32 - d));
      out[row + i] = bits;
    }
    out[row + stride - 1]! &= this.lastMask;
  }

  /**
   * Writes the set's cells k = y·w + x, in increasing order, into `out`.
   * @returns how many
   */
  list(out: Int32Array): number {
    const { stride, h, w, words } = this;
    let n = 0;
    for (let y = 0; y < h; y++) {
      for (let i = 0; i < stride; i++) {
        let v = words[y * stride + i]!;
        const base = y * w + i * 32;
        while (v !== 0) {
          const low = v & -v;
          out[n++] = base + 31 - Math.clz32(low);
          v ^= low;
        }
      }
    }
    return n;
  }

  /**
   * The smallest rectangle of cells holding every cell of the set: columns x0 ≤ x < x1, rows
   * y0 ≤ y < y1; null when the set is empty.
   */
  bounds(): { x0: number; y0: number; x1: number; y1: number } | null {
    const { stride, h, words } = this;
    let x0 = Number.POSITIVE_INFINITY;
    let x1 = -1;
    let y0 = -1;
    let y1 = -1;
    for (let y = 0; y < h; y++) {
      for (let i = 0; i < stride; i++) {
        const v = words[y * stride + i]!;
        if (v === 0) continue;
        if (y0 < 0) y0 = y;
        y1 = y;
        x0 = Math.min(x0, i * 32 + 31 - Math.clz32(v & -v));
        x1 = Math.max(x1, i * 32 + 31 - Math.clz32(v));
      }
    }
    return y0 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
  }

  /**
   * Calls `fill(start, end)` for each run of cells k = y·w + x in [start, end) that are not in
   * the set, one row at a time (a run does not cross rows), whole words of 32 at a time.
   */
  forEachGap(fill: (start: number, end: number) => void): void {
    const { stride, h, w, words } = this;
    for (let y = 0; y < h; y++) {
      let start = -1;
      for (let i = 0; i < stride; i++) {
        const v = words[y * stride + i]!;
        const x0 = i * 32;
        if (v === 0) {
          if (start < 0) start = x0;
          continue;
        }
        const end = Math.min(x0 + 32, w);
        for (let x = x0; x < end; x++) {
          if ((v >>> (x - x0)) & 1) {
            if (start >= 0) fill(y * w + start, y * w + x);
            start = -1;
          } else if (start < 0) start = x;
        }
      }
      if (start >= 0) fill(y * w + start, y * w + w);
    }
  }
}
