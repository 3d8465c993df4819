// The person's region of interest on the GPU, for the next base-network pass: the GPU twin
// of personRoi() in src/pipeline/roi.ts (reference), so the onnx-webgpu backend can zoom in
// on the person without reading the mask back to the CPU.
//
// `mask` (a storage buffer: the network's output) is the person confidence over the rectangle `prev` (full-res pixels; the
// whole frame for the first pass). The box of mask > 0.5 is found by one workgroup
// (per-thread bounds, then workgroup atomics), mapped into frame pixels, grown by `margin`
// of its size on each side, widened or heightened to the mask's aspect ratio, at least the
// mask's size in pixels, clamped to `prev`'s size and moved inside `prev`. With no person, or when the box would cover more
// than `maxArea` of `prev`, the result is `prev` itself (a further pass would not zoom in).
// The result is written to `next` (x, y, width, height) for the downsample and upsample
// passes, which copy it into their uniforms on the GPU.

struct Params {
  margin: f32,
  maxArea: f32,
  width: u32,   // the mask's size
  height: u32,
}

@group(0) @binding(0) var<storage, read> mask: array<f32>;  // row-major float32, width × height
@group(0) @binding(1) var<storage, read> prev: vec4f;
@group(0) @binding(2) var<storage, read_write> next: vec4f;
@group(0) @binding(3) var<uniform> params: Params;

const THREADS = 256u;
var<workgroup> lo: array<atomic<i32>, 2>;
var<workgroup> hi: array<atomic<i32>, 2>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  let size = vec2i(i32(params.width), i32(params.height));
  if (t == 0u) {
    atomicStore(&lo[0], size.x);
    atomicStore(&lo[1], size.y);
    atomicStore(&hi[0], -1);
    atomicStore(&hi[1], -1);
  }
  workgroupBarrier();
  var bmin = size;
  var bmax = vec2i(-1);
  let count = u32(size.x * size.y);
  for (var i = t; i < count; i += THREADS) {
    let p = vec2i(i32(i) % size.x, i32(i) / size.x);
    if (mask[i] > 0.5) {
      bmin = min(bmin, p);
      bmax = max(bmax, p);
    }
  }
  if (bmax.x >= 0) {
    atomicMin(&lo[0], bmin.x);
    atomicMin(&lo[1], bmin.y);
    atomicMax(&hi[0], bmax.x);
    atomicMax(&hi[1], bmax.y);
  }
  workgroupBarrier();
  if (t != 0u) {
    return;
  }
  let x1 = atomicLoad(&hi[0]);
  if (x1 < 0) {
    next = prev;
    return;
  }
  let b0 = vec2f(f32(atomicLoad(&lo[0])), f32(atomicLoad(&lo[1])));
  let b1 = vec2f(f32(x1 + 1), f32(atomicLoad(&hi[1]) + 1));
  let frameSize = prev.zw;
  let s = frameSize / vec2f(size);
  let box = (b1 - b0) * s;
  let centre = (b0 * s + b1 * s) * 0.5;
  var wh = box * (1.0 + 2.0 * params.margin);
  let aspect = f32(size.x) / f32(size.y);
  if (wh.x / wh.y < aspect) {
    wh.x = wh.y * aspect;
  } else {
    wh.y = wh.x / aspect;
  }
  // No smaller than the network's input in frame pixels (zooming further only upsamples).
  wh = min(max(wh, vec2f(size)), frameSize);
  if (wh.x * wh.y > params.maxArea * frameSize.x * frameSize.y) {
    next = prev;
    return;
  }
  let xy = min(max(centre - wh * 0.5, vec2f(0.0)), frameSize - wh);
  next = vec4f(prev.xy + xy, wh);
}
