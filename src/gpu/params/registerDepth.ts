// The depth registration's footprint bound (shaders/register_depth.wgsl), shared by the pass and
// its reference.

/**
 * Largest footprint of one depth pixel in the colour image, colour pixels per side: the
 * footprint is clipped to [⌈u − 3⌉, ⌈u + 3⌉) around the pixel's projected centre u (likewise v),
 * so no sample covers more than 6×6 colour pixels.
 */
export const REGISTER_FOOTPRINT_MAX = 6;
