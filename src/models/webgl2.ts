// Whether this realm (page or worker) gives an OffscreenCanvas a WebGL2 context: tasks-vision's
// segmenter needs one, even on its CPU delegate (its post-processing runs on WebGL).

/**
 * True when `new OffscreenCanvas(1, 1).getContext('webgl2')` gives a context here (the probe's
 * context is released at once: browsers cap the number of live WebGL contexts). Never throws.
 */
export function hasOffscreenWebgl2(): boolean {
  if (typeof OffscreenCanvas !== 'function') return false;
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
    return gl !== null;
  } catch {
    return false;
  }
}
