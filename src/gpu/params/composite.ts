// The composite pass's parameters (shaders/composite.wgsl): its mode and view numbering and the
// cover fit of a background image, shared by the pass, its reference and both renderers.

/** Composite modes as numbered in shaders/composite.wgsl; `video` composites its current frame as `image` does its image. */
export const COMPOSITE_MODE = { off: 0, blur: 1, image: 2, video: 2, color: 3 } as const;

/** Debug views as numbered in shaders/composite.wgsl. */
/** The composite shader's view codes; `mem` renders the composite, which the memory-view stage then replaces. */
export const COMPOSITE_VIEW = { com: 0, pha: 1, fgr: 2, err: 3, ref: 4, mem: 0 } as const;

export interface CompositeParams {
  mode: number;
  view: number;
  /** sRGB 0..1 */
  color: [number, number, number];
  /** Background uv = pixel·bgScale + bgOffset (pixel = pixel centre in output pixels). */
  bgScale: [number, number];
  bgOffset: [number, number];
}

/**
 * Cover-fit of a background image of size (bw, bh) to a frame (w, h): scale to fill,
 * centre, crop the overflow. Returns the uv transform used by the compositor.
 */
export function coverFit(w: number, h: number, bw: number, bh: number): { bgScale: [number, number]; bgOffset: [number, number] } {
  const s = Math.max(w / bw, h / bh);
  // uv = ((p − frame/2)/s + image/2) / image
  return {
    bgScale: [1 / (s * bw), 1 / (s * bh)],
    bgOffset: [0.5 - w / (2 * s * bw), 0.5 - h / (2 * s * bh)],
  };
}

/**
 * The source rectangle of a background image that covers a width×height frame (scaled to fill
 * it, centred, the overflow cropped): the same fit as the WebGPU composite's coverFit.
 * @param width frame size in pixels (> 0)
 * @param imageWidth background image size in pixels (> 0)
 * @returns the crop in image pixels (may be fractional), for drawImage(image, sx, sy, sw, sh, 0, 0, width, height)
 */
export function coverSourceRect(width: number, height: number, imageWidth: number, imageHeight: number): { sx: number; sy: number; sw: number; sh: number } {
  const scale = Math.max(width / imageWidth, height / imageHeight);
  const sw = width / scale;
  const sh = height / scale;
  return { sx: (imageWidth - sw) / 2, sy: (imageHeight - sh) / 2, sw, sh };
}
