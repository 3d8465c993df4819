// Network input from a texture: the base-resolution guide (the frame or the person's region
// of interest, area-downsampled to the network's input size by downsample.wgsl) written as a
// planar NCHW float32 tensor [1, 3, H, W] with RGB in 0..1, straight into the GPU buffer
// onnxruntime-web reads (Tensor.fromGpuBuffer): no copy through the CPU.

@group(0) @binding(0) var src: texture_2d<f32>;
@group(0) @binding(1) var<storage, read_write> tensor: array<f32>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let size = textureDimensions(src);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  let rgb = textureLoad(src, id.xy, 0).rgb;
  let plane = size.x * size.y;
  let i = id.y * size.x + id.x;
  tensor[i] = rgb.r;
  tensor[plane + i] = rgb.g;
  tensor[2u * plane + i] = rgb.b;
}
