// Two scales of Robust Video Matting's alpha fused into the prior. The fine scale (the frame
// seen large) is sharp on hair and hands but, its receptive field small against the person,
// can leave holes in large plain regions (a dark jacket, a grey face patch); the coarse scale
// (the frame seen small) sees the whole person and does not. So the coarse scale fills the
// fine one where it is sure of the foreground. Per pixel, with c the coarse and f the fine
// alpha, both already resampled to the frame's size:
//   w = clamp((c − (1 − 2T)) / T, 0, 1)   (0 below c = 0.90, 1 from c = 0.95; T = 0.05)
//   prior = f + w · (1 − f)
// The coarse scale's background is not imposed: it misses thin parts (fingers, strands) the
// fine scale sees. Inputs: coarse, fine r32float, alpha in 0..1, the frame's size. Output:
// prior r32float, the frame's size, alpha in 0..1, written in full.

const T: f32 = 0.05;

@group(0) @binding(0) var coarse: texture_2d<f32>;
@group(0) @binding(1) var fine: texture_2d<f32>;
@group(0) @binding(2) var prior: texture_storage_2d<r32float, write>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let size = textureDimensions(prior);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  let c = textureLoad(coarse, id.xy, 0).r;
  let f = textureLoad(fine, id.xy, 0).r;
  let w = clamp((c - (1.0 - 2.0 * T)) / T, 0.0, 1.0);
  let a = clamp(f + w * (1.0 - f), 0.0, 1.0);
  textureStore(prior, id.xy, vec4f(a, 0.0, 0.0, 1.0));
}
