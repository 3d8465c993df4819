// Shared by tensor_to_texture.wgsl and rvm_fgr.wgsl (their wrappers prepend it): where pixel
// `id` of an image `size` texels large falls on a grid of `grid` samples, resampled bilinearly
// with align_corners = False (PyTorch's F.interpolate(mode='bilinear')): half-pixel centres,
// the position clamped at 0 (the caller clamps base + 1 at the far edges when it reads).
// Returns the top-left sample `base` and the weights `t` (0..1) towards base + 1 in x and y.

struct HalfPixelBilinear {
  base: vec2i,
  t: vec2f,
}

fn halfPixelBilinear(id: vec2u, size: vec2u, grid: vec2u) -> HalfPixelBilinear {
  let scale = vec2f(grid) / vec2f(size);
  let pos = max((vec2f(id) + 0.5) * scale - 0.5, vec2f(0.0));
  let base = vec2i(floor(pos));
  return HalfPixelBilinear(base, pos - vec2f(base));
}
