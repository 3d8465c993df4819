// First step of the mask-weighted background blur: downsample the frame by an integer
// factor d, weighting each pixel by its background weight w = 1 − α, so the person
// does not bleed into the blurred background.
// out(i, j) = ( Σ rgb·w / n, Σ w / n ) over the d×d block (clipped at the frame edge), n = pixels in the block.

struct Params {
  factor: u32,
}

@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var alpha: texture_2d<f32>;
@group(0) @binding(2) var dst: texture_storage_2d<rgba16float, write>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dstSize = textureDimensions(dst);
  if (id.x >= dstSize.x || id.y >= dstSize.y) {
    return;
  }
  let size = textureDimensions(frame);
  let x0 = id.x * params.factor;
  let y0 = id.y * params.factor;
  let x1 = min(x0 + params.factor, size.x);
  let y1 = min(y0 + params.factor, size.y);
  var acc = vec4f(0.0);
  for (var y = y0; y < y1; y++) {
    for (var x = x0; x < x1; x++) {
      let w = 1.0 - textureLoad(alpha, vec2u(x, y), 0).r;
      acc += vec4f(textureLoad(frame, vec2u(x, y), 0).rgb * w, w);
    }
  }
  textureStore(dst, id.xy, acc / f32((x1 - x0) * (y1 - y0)));
}
