// Light wrap, step 2 of 2: the new background's light bleeding onto the person's edge, as video
// call apps do (Google Meet, Volcomix's virtual-background): a blurred copy of the visible new
// background is mixed into the composite where the person is (α) and background lies near (the
// blurred background weight b):
//   out′ = mix(out, L, w),  L = s.rgb / s.a,  b = s.a,  w = clamp(strength · α · b, 0, 1)
// with s the blurred (B′·(1 − α), 1 − α) of light_wrap_prepare.wgsl, sampled bilinearly at the
// pixel centre. Drawn over the composite's output with blending (src-alpha, one-minus-src-alpha;
// the output's alpha is kept), so the fragment returns (L, w).
// Inputs: alpha (full resolution, r32float), wrap (the blurred texture, any size), params.
// fullscreen.wgsl (the vertex stage) is prepended.

struct Params {
  strength: f32,
}

const WRAP_EPS: f32 = 1e-4;

@group(0) @binding(0) var alpha: texture_2d<f32>;
@group(0) @binding(1) var wrap: texture_2d<f32>;
@group(0) @binding(2) var linearSampler: sampler;
@group(0) @binding(3) var<uniform> params: Params;

@fragment
fn fs(@builtin(position) position: vec4f) -> @location(0) vec4f {
  let size = vec2f(textureDimensions(alpha));
  let a = textureLoad(alpha, vec2u(position.xy), 0).r;
  let s = textureSampleLevel(wrap, linearSampler, position.xy / size, 0.0);
  let light = s.rgb / max(s.a, WRAP_EPS);
  return vec4f(light, clamp(params.strength * a * s.a, 0.0, 1.0));
}
