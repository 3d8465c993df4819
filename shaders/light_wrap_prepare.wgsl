// Light wrap, step 1 of 2: the new background B′ where it shows around the person, downsampled.
// B′ is the background image, cover-fitted as the composite samples it (uv = p·bgScale + bgOffset
// at pixel centre p), or the solid colour; its weight is the background weight w = 1 − α.
// out(i, j) = ( Σ B′·w / n, Σ w / n ) over the factor×factor block (clipped at the frame edge),
// n = pixels in the block; then blurred by the Gaussian passes and read by light_wrap.wgsl.
// Inputs: alpha (full resolution, r32float), background (any size), params.
// Output: dst, rgba16float at ceil(W/factor)×ceil(H/factor).

struct Params {
  color: vec4f,
  bgScale: vec2f,
  bgOffset: vec2f,
  factor: u32,
  // 1: B′ is the image; 0: the colour.
  useImage: u32,
  _pad: vec2u,
}

@group(0) @binding(0) var alpha: texture_2d<f32>;
@group(0) @binding(1) var background: texture_2d<f32>;
@group(0) @binding(2) var linearSampler: sampler;
@group(0) @binding(3) var dst: texture_storage_2d<rgba16float, write>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dstSize = textureDimensions(dst);
  if (id.x >= dstSize.x || id.y >= dstSize.y) {
    return;
  }
  let size = textureDimensions(alpha);
  let x0 = id.x * params.factor;
  let y0 = id.y * params.factor;
  let x1 = min(x0 + params.factor, size.x);
  let y1 = min(y0 + params.factor, size.y);
  var acc = vec4f(0.0);
  for (var y = y0; y < y1; y++) {
    for (var x = x0; x < x1; x++) {
      let w = 1.0 - textureLoad(alpha, vec2u(x, y), 0).r;
      var b = params.color.rgb;
      if (params.useImage == 1u) {
        let p = vec2f(f32(x) + 0.5, f32(y) + 0.5);
        b = textureSampleLevel(background, linearSampler, p * params.bgScale + params.bgOffset, 0.0).rgb;
      }
      acc += vec4f(b * w, w);
    }
  }
  textureStore(dst, id.xy, acc / f32((x1 - x0) * (y1 - y0)));
}
