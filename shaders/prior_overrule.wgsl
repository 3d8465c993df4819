// Overruling the segmentation prior where the background memory knows the background and the
// frame matches it (before the plate statistics' use by the coarse stage): a chair back, a
// desk edge or a wheel the segmenter took for part of the person becomes background whatever
// the prior said. One invocation per 4×4 block of the frame (the coarse stage's blocks): the
// block's 16 prior texels are set to 0 when every pixel of the 3×3 blocks around it (12×12
// pixels, clipped to the frame) is known to the memory (plate a ≥ 0.5), every pixel of the
// block itself matches the memory, and at most MAX_MISMATCHED of the 3×3 blocks' pixels do not.
// A pixel matches when |I − min(g·B, 1)| ≤ MATCH_TOLERANCE, g the plate gain (plate_gain.wgsl).
// Blocks that are not overruled are left as they are (the prior is written, never read here).

const BLOCK: i32 = 4;
const MATCH_TOLERANCE: f32 = 0.05;
const MAX_MISMATCHED: u32 = 2u;

@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var plate: texture_2d<f32>;
@group(0) @binding(2) var<storage, read> stats: array<u32, 8>;
@group(0) @binding(3) var prior: texture_storage_2d<r32float, write>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let size = vec2i(textureDimensions(frame));
  let blocks = (size + BLOCK - 1) / BLOCK;
  let block = vec2i(id.xy);
  if (block.x >= blocks.x || block.y >= blocks.y) {
    return;
  }
  let g = plateGain();
  let lo = block * BLOCK;
  let hi = min(lo + BLOCK, size);
  let outerLo = max(lo - BLOCK, vec2i(0));
  let outerHi = min(hi + BLOCK, size);
  var mismatched = 0u;
  for (var y = outerLo.y; y < outerHi.y; y++) {
    for (var x = outerLo.x; x < outerHi.x; x++) {
      let b = textureLoad(plate, vec2i(x, y), 0);
      if (b.a < 0.5) {
        return;
      }
      let i = textureLoad(frame, vec2i(x, y), 0).rgb;
      if (length(i - min(g * b.rgb, vec3f(1.0))) > MATCH_TOLERANCE) {
        let inside = x >= lo.x && x < hi.x && y >= lo.y && y < hi.y;
        if (inside) {
          return;
        }
        mismatched++;
      }
    }
  }
  if (mismatched > MAX_MISMATCHED) {
    return;
  }
  for (var y = lo.y; y < hi.y; y++) {
    for (var x = lo.x; x < hi.x; x++) {
      textureStore(prior, vec2i(x, y), vec4f(0.0, 0.0, 0.0, 1.0));
    }
  }
}
