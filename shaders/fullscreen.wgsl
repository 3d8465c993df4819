// The vertex stage of the render passes that cover the whole target (composite, light wrap):
// one triangle over the viewport, drawn with draw(3); the fragment stage reads its pixel from
// @builtin(position). Prepended to those passes' WGSL by their modules.

@vertex
fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
  let xy = vec2f(f32((i << 1u) & 2u), f32(i & 2u));
  return vec4f(xy * 2.0 - 1.0, 0.0, 1.0);
}
