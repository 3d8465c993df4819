// Push-pull fill of sparse colour samples (Gortler et al., "The Lumigraph", 1996), used to
// spread confident foreground and background colours into the unknown band.
// Texels hold premultiplied samples (rgb·w, w), w in 0..1.
// `down`: level k+1 texel = mean of its 2×2 children at level k (clamped at the edge).
// `up`:   filled(k) = (c.rgb + (1 − c.w)·P) / (c.w + (1 − c.w)), stored as (colour, 1), where c
//         is the level-k texel and P the filled colour of level k+1 sampled bilinearly at the
//         texel centre. The coarsest level is filled with its own colour, or grey when empty.

struct Params {
  isTop: u32,  // up: 1 at the coarsest level (no parent)
}

@group(0) @binding(0) var src: texture_2d<f32>;
@group(0) @binding(1) var parent: texture_2d<f32>;
@group(0) @binding(2) var dst: texture_storage_2d<rgba16float, write>;
@group(0) @binding(3) var<uniform> params: Params;
@group(0) @binding(4) var linearSampler: sampler;

@compute @workgroup_size(8, 8)
fn down(@builtin(global_invocation_id) id: vec3u) {
  let size = textureDimensions(dst);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  let srcMax = vec2i(textureDimensions(src)) - 1;
  let base = vec2i(id.xy) * 2;
  var sum = vec4f(0.0);
  for (var dy = 0; dy < 2; dy++) {
    for (var dx = 0; dx < 2; dx++) {
      sum += textureLoad(src, min(base + vec2i(dx, dy), srcMax), 0);
    }
  }
  textureStore(dst, id.xy, sum * 0.25);
}

@compute @workgroup_size(8, 8)
fn up(@builtin(global_invocation_id) id: vec3u) {
  let size = textureDimensions(dst);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  let c = textureLoad(src, id.xy, 0);
  let uv = (vec2f(id.xy) + 0.5) / vec2f(size);
  let p = textureSampleLevel(parent, linearSampler, uv, 0.0).rgb;
  var fill = p;
  if (params.isTop == 1u) {
    fill = vec3f(0.5);
  }
  let w = clamp(c.w, 0.0, 1.0);
  let rest = 1.0 - w;
  let colour = (c.rgb + rest * fill) / max(w + rest, 1e-6);
  textureStore(dst, id.xy, vec4f(colour, 1.0));
}
