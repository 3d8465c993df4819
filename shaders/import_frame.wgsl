// Imports the camera frame: reads the external texture (the browser converts YUV to
// sRGB-encoded RGB on the GPU, no CPU copy) and stores it as the rgba8unorm frame F that
// every later pass reads. out(p) = (rgb(p), 1).

@group(0) @binding(0) var src: texture_external;
@group(0) @binding(1) var dst: texture_storage_2d<rgba8unorm, write>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let size = textureDimensions(dst);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  textureStore(dst, id.xy, vec4f(textureLoad(src, id.xy).rgb, 1.0));
}
