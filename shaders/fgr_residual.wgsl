// The foreground residual F − I at the coarse resolution from a BGMv2 MattingBase export,
// whose `fgr` output is clamp(residual + src, 0, 1) (the refiner of MattingRefine takes the
// residual itself; where the clamp cut it, F − I is what is left of it). Both tensors are
// planar NCHW float32 [1, 3, h, w]: `fgr` the network output, `src` its input.

@group(0) @binding(0) var<storage, read> fgr: array<f32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> residual: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= arrayLength(&residual)) {
    return;
  }
  residual[id.x] = fgr[id.x] - src[id.x];
}
