// Tile selection for the sparse refiner (BackgroundMattingV2's refine modes). Full-resolution
// tiles of 8×8 pixels = 2×2 texels of the 1/4-resolution error map; a tile's error is the
// maximum over its texels. Three dispatches:
//   measure:   tile error → tileErr[], and a 256-bin histogram of the errors;
//   threshold: one thread picks the cut: `full` every tile; `thresholding` err > threshold;
//              `sampling` the top `budget` tiles by error (bins above the cut all, tiles in the
//              cut bin in row-major order up to the budget), never tiles with err ≤ 1/255;
//              it also resets the indirect dispatch count;
//   countTies: one thread per row counts the row's tiles in the cut bin (sampling);
//   rankRows:  one thread turns the counts into each row's first tie rank (an exclusive prefix
//              sum), so a tie tile's rank — and whether it is selected — does not depend on the
//              order threads run in;
//   append:    each selected tile is appended to `tiles` (x | y << 16) with an atomic counter
//              (dispatch[3]): the list's order varies, its set does not;
//   finalize:  one thread turns the count into indirect dispatch arguments, one workgroup per
//              tile, at most 65535 per dimension: (min(n, 65535), max(1, ceil(n / 65535)), 1);
//              the refiner skips workgroups past n.

struct Params {
  mode: u32,       // 0 sampling, 1 thresholding, 2 full
  budget: u32,     // sampling: at most this many tiles
  threshold: f32,  // thresholding: err > threshold
  tilesX: u32,
  tilesY: u32,
}

struct Cut {
  bin: u32,        // tiles whose bin is above are selected
  tieBudget: u32,  // tiles in `bin` itself selected while their row-major rank < tieBudget
}

const BINS: u32 = 256u;
const MAX_GROUPS: u32 = 65535u;
const MIN_ERR: f32 = 1.0 / 255.0;

@group(0) @binding(0) var err: texture_2d<f32>;
@group(0) @binding(1) var<storage, read_write> tileErr: array<f32>;
@group(0) @binding(2) var<storage, read_write> histogram: array<atomic<u32>, 256>;
@group(0) @binding(3) var<storage, read_write> cut: Cut;
@group(0) @binding(4) var<storage, read_write> tiles: array<u32>;
@group(0) @binding(5) var<storage, read_write> dispatch: array<atomic<u32>, 4>;
@group(0) @binding(6) var<uniform> params: Params;
// Sampling: per row, the tiles in the cut bin (countTies), then the rank of its first one (rankRows).
@group(0) @binding(7) var<storage, read_write> rowTies: array<u32>;

fn binOf(e: f32) -> u32 {
  return min(u32(clamp(e, 0.0, 1.0) * f32(BINS)), BINS - 1u);
}

@compute @workgroup_size(8, 8)
fn measure(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= params.tilesX || id.y >= params.tilesY) {
    return;
  }
  let size = vec2i(textureDimensions(err));
  let base = vec2i(id.xy) * 2;
  var e = 0.0;
  for (var dy = 0; dy < 2; dy++) {
    for (var dx = 0; dx < 2; dx++) {
      let q = base + vec2i(dx, dy);
      if (q.x < size.x && q.y < size.y) {
        e = max(e, textureLoad(err, q, 0).r);
      }
    }
  }
  tileErr[id.y * params.tilesX + id.x] = e;
  if (e > MIN_ERR) {
    atomicAdd(&histogram[binOf(e)], 1u);
  }
}

@compute @workgroup_size(1)
fn threshold() {
  atomicStore(&dispatch[0], 0u);
  atomicStore(&dispatch[1], 1u);
  atomicStore(&dispatch[2], 1u);
  atomicStore(&dispatch[3], 0u);
  cut.bin = BINS;
  cut.tieBudget = 0u;
  if (params.mode != 0u) {
    return;
  }
  var above = 0u;
  for (var b = i32(BINS) - 1; b >= 0; b--) {
    let n = atomicLoad(&histogram[u32(b)]);
    if (above + n > params.budget) {
      cut.bin = u32(b);
      cut.tieBudget = params.budget - above;
      return;
    }
    above += n;
  }
  // Every tile with an error fits in the budget.
  cut.bin = 0u;
  cut.tieBudget = atomicLoad(&histogram[0]);
}

fn isTie(e: f32) -> bool {
  return e > MIN_ERR && binOf(e) == cut.bin;
}

@compute @workgroup_size(64)
fn countTies(@builtin(global_invocation_id) id: vec3u) {
  let y = id.x;
  if (y >= params.tilesY || params.mode != 0u) {
    return;
  }
  var n = 0u;
  for (var x = 0u; x < params.tilesX; x++) {
    if (isTie(tileErr[y * params.tilesX + x])) {
      n++;
    }
  }
  rowTies[y] = n;
}

@compute @workgroup_size(1)
fn rankRows() {
  if (params.mode != 0u) {
    return;
  }
  var first = 0u;
  for (var y = 0u; y < params.tilesY; y++) {
    let n = rowTies[y];
    rowTies[y] = first;
    first += n;
  }
}

@compute @workgroup_size(8, 8)
fn append(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= params.tilesX || id.y >= params.tilesY) {
    return;
  }
  let e = tileErr[id.y * params.tilesX + id.x];
  var selected = false;
  if (params.mode == 2u) {
    selected = true;
  } else if (params.mode == 1u) {
    selected = e > params.threshold;
  } else if (e > MIN_ERR) {
    let b = binOf(e);
    if (b > cut.bin) {
      selected = true;
    } else if (b == cut.bin) {
      // Row-major rank among the ties: the ties of the rows above, then those left of it.
      var rank = rowTies[id.y];
      for (var x = 0u; x < id.x; x++) {
        if (isTie(tileErr[id.y * params.tilesX + x])) {
          rank++;
        }
      }
      selected = rank < cut.tieBudget;
    }
  }
  if (selected) {
    let slot = atomicAdd(&dispatch[3], 1u);
    tiles[slot] = id.x | (id.y << 16u);
  }
}

@compute @workgroup_size(1)
fn finalize() {
  let n = atomicLoad(&dispatch[3]);
  atomicStore(&dispatch[0], min(n, MAX_GROUPS));
  atomicStore(&dispatch[1], max(1u, (n + MAX_GROUPS - 1u) / MAX_GROUPS));
  atomicStore(&dispatch[2], 1u);
}
