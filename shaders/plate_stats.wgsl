// Plate statistics over the background (coarse alpha prior < 0.02 in a whole 4×4 block whose
// every plate texel is known, a ≥ 0.5: the background memory's unknown texels have a = 0), at
// 1/4 resolution: sums of the frame I and the plate B per channel, of |I − B|, and a count,
// in fixed point (×1024) with a workgroup reduction before the atomics. The refiner turns
// them into a per-channel gain g = ΣI / ΣB that corrects the plate's exposure and white
// balance; the engine turns them into the plate-fit warning.
// stats: [ΣI.r, ΣI.g, ΣI.b, ΣB.r, ΣB.g, ΣB.b, Σ|I−B| (mean over rgb), count]; cleared by the caller.

const SCALE: f32 = 1024.0;
const BLOCK: u32 = 4u;

@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var plate: texture_2d<f32>;
@group(0) @binding(2) var prior: texture_2d<f32>;
@group(0) @binding(3) var<storage, read_write> stats: array<atomic<u32>, 8>;

var<workgroup> partial: array<array<u32, 8>, 64>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(local_invocation_index) li: u32) {
  let size = textureDimensions(frame);
  let coarse = (size + BLOCK - 1u) / BLOCK;
  var v = array<u32, 8>(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
  if (id.x < coarse.x && id.y < coarse.y) {
    let lo = id.xy * BLOCK;
    let hi = min(lo + BLOCK, size);
    var sumI = vec3f(0.0);
    var sumB = vec3f(0.0);
    var pMax = 0.0;
    var known = 1.0;
    for (var y = lo.y; y < hi.y; y++) {
      for (var x = lo.x; x < hi.x; x++) {
        sumI += textureLoad(frame, vec2u(x, y), 0).rgb;
        let b = textureLoad(plate, vec2u(x, y), 0);
        sumB += b.rgb;
        known = min(known, b.a);
        pMax = max(pMax, textureLoad(prior, vec2u(x, y), 0).r);
      }
    }
    if (pMax < 0.02 && known >= 0.5) {
      let n = f32((hi.x - lo.x) * (hi.y - lo.y));
      let i = sumI / n;
      let b = sumB / n;
      let d = abs(i - b);
      v = array<u32, 8>(
        u32(i.r * SCALE + 0.5), u32(i.g * SCALE + 0.5), u32(i.b * SCALE + 0.5),
        u32(b.r * SCALE + 0.5), u32(b.g * SCALE + 0.5), u32(b.b * SCALE + 0.5),
        u32((d.r + d.g + d.b) / 3.0 * SCALE + 0.5), 1u);
    }
  }
  partial[li] = v;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride = stride / 2u) {
    if (li < stride) {
      for (var k = 0u; k < 8u; k++) {
        partial[li][k] = partial[li][k] + partial[li + stride][k];
      }
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    for (var k = 0u; k < 8u; k++) {
      atomicAdd(&stats[k], partial[0][k]);
    }
  }
}
