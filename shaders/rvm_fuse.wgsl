// Two scales of Robust Video Matting's alpha fused into the prior. The fine scale (the frame
// seen large) is sharp on hair and hands but, its receptive field small against the person,
// can leave holes in large plain regions (a dark jacket, a grey face patch); the coarse scale
// (the frame seen small) sees the whole person and does not. So the coarse scale fills the
// fine one where it is sure of the foreground, inside the region rvm_fill_core.wgsl and
// rvm_fill_region.wgsl opened (wide holes, not the edge's soft band nor a narrow gap the
// coarse scale blurs over). Per pixel, with c the coarse and f the fine alpha, both already
// resampled to the frame's size, and r the region's texel (x·grid / size in integers):
//   w = fillWeight(c) · r   (rvm_fill_ramp.wgsl: 0 up to c = 0.90, 1 from c = 0.95)
//   prior = f + w · (1 − f)
// The coarse scale's background is not imposed: it misses thin parts (fingers, strands) the
// fine scale sees. Inputs: coarse, fine r32float, alpha in 0..1, the frame's size; region
// r32float 1/0 on the grid. Output: prior r32float, the frame's size, alpha in 0..1, written in full.

@group(0) @binding(0) var coarse: texture_2d<f32>;
@group(0) @binding(1) var fine: texture_2d<f32>;
@group(0) @binding(2) var region: texture_2d<f32>;
@group(0) @binding(3) var prior: texture_storage_2d<r32float, write>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let size = textureDimensions(prior);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  let grid = textureDimensions(region);
  let r = textureLoad(region, (id.xy * grid) / size, 0).r;
  let c = textureLoad(coarse, id.xy, 0).r;
  let f = textureLoad(fine, id.xy, 0).r;
  let w = fillWeight(c) * r;
  let a = clamp(f + w * (1.0 - f), 0.0, 1.0);
  textureStore(prior, id.xy, vec4f(a, 0.0, 0.0, 1.0));
}
