// Network input from a texture: the base-resolution guide (the frame or the person's region
// of interest, area-downsampled to the network's input size by downsample.wgsl) written as a
// float32 tensor with RGB in 0..1, straight into the GPU buffer the runtime reads (no copy
// through the CPU):
//   `main`: planar NCHW [1, 3, H, W] (onnxruntime-web's Tensor.fromGpuBuffer);
//   `nhwc`: interleaved NHWC [1, H, W, 3] (TensorFlow.js graphs: Robust Video Matting's src).

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

@compute @workgroup_size(8, 8)
fn nhwc(@builtin(global_invocation_id) id: vec3u) {
  let size = textureDimensions(src);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  let rgb = textureLoad(src, id.xy, 0).rgb;
  let i = 3u * (id.y * size.x + id.x);
  tensor[i] = rgb.r;
  tensor[i + 1u] = rgb.g;
  tensor[i + 2u] = rgb.b;
}
