// Motion-aware temporal smoothing of alpha, against edge flicker on a still person:
//   α_t = α + k·(α_prev − α),  k = s·exp(−|I_t − I_prev|² / (2σ²)),
// so alpha is averaged over time only where the frame did not change (motion resets it).
// `history` = 0 on the first frame after a reset (no previous frame): α_t = α.

struct Params {
  strength: f32,  // s in 0..0.9
  sigma: f32,     // RGB units
  history: u32,
}

@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var framePrev: texture_2d<f32>;
@group(0) @binding(2) var alpha: texture_2d<f32>;
@group(0) @binding(3) var alphaPrev: texture_2d<f32>;
@group(0) @binding(4) var alphaOut: texture_storage_2d<r32float, write>;
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let size = textureDimensions(alphaOut);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  let a = textureLoad(alpha, id.xy, 0).r;
  var k = 0.0;
  if (params.history == 1u) {
    let d = textureLoad(frame, id.xy, 0).rgb - textureLoad(framePrev, id.xy, 0).rgb;
    k = params.strength * exp(-dot(d, d) / (2.0 * params.sigma * params.sigma));
  }
  let prev = textureLoad(alphaPrev, id.xy, 0).r;
  textureStore(alphaOut, id.xy, vec4f(a + k * (prev - a), 0.0, 0.0, 1.0));
}
