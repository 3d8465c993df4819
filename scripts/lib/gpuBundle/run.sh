#!/bin/sh
# bg-replacer's GPU bench, portable (made by `npm run bundle:gpu`; see the README's "Measuring on
# a GPU"). Usage:
#
#   ./run.sh OUT_DIR [bench flags]
#
# checks this folder against SHA256SUMS, unpacks Node, dawn.node, onnxruntime-web's runtime and
# the fallback libraries (once), then runs the bench at 1280x720, 1920x1080 and 3840x2160 (each
# row stops after 20 s) and writes OUT_DIR/bench-gpu.json, OUT_DIR/bench-gpu.txt (the table) and
# OUT_DIR/environment.txt. Flags after OUT_DIR override the defaults (--sizes, --frames,
# --warmup, --max-seconds, --no-base-network).
#
# Needs only /bin/sh, Linux x86-64 with glibc >= 2.34 and a Vulkan driver (NVIDIA's: its ICD in
# /usr/share/vulkan/icd.d or /etc/vulkan/icd.d). Every other program is bin/busybox (static).
# Environment:
#   VK_ICD_FILENAMES     the Vulkan driver's ICD JSON (e.g. SwiftShader's, to try it without a GPU)
#   BG_GPU_BUNDLE_LIBS   auto (default): the machine's libraries, and the bundle's Vulkan loader,
#                        libstdc++ and libgcc_s when Node, dawn.node or the adapter do not load
#                        with them; system; bundled
#   BG_GPU_BUNDLE_WORK   where to unpack (default: .unpacked in this folder)
# Exit status: the bench's (0 every row measured, 1 a row failed, 3 no WebGPU adapter, 4 dawn.node
# does not load), 2 for bad usage or a damaged bundle.
set -eu

case $0 in */*) dir=${0%/*} ;; *) dir=. ;; esac
here=$(cd "$dir" && pwd)
bb=$here/bin/busybox
if [ ! -x "$bb" ]; then
  echo "run.sh: $bb is missing or not executable: copy the whole bundle folder, keeping file modes (or chmod +x $bb)" >&2
  exit 2
fi
if [ $# -lt 1 ]; then
  echo "usage: $0 OUT_DIR [bench flags]" >&2
  exit 2
fi
out=$1
shift
"$bb" mkdir -p "$out"
out=$(cd "$out" && pwd)

libs=${BG_GPU_BUNDLE_LIBS:-auto}
case $libs in
  auto | system | bundled) ;;
  *)
    echo "run.sh: BG_GPU_BUNDLE_LIBS must be auto, system or bundled, not '$libs'" >&2
    exit 2
    ;;
esac

# 1. The bundle as it was made (a copy can be damaged or incomplete).
if ! (cd "$here" && "$bb" sha256sum -c -s SHA256SUMS); then
  echo "run.sh: files of $here differ from SHA256SUMS: copy the bundle again" >&2
  exit 2
fi

# 2. Unpack once: payload/ mirrors the work folder; *.xz files are decompressed.
work=${BG_GPU_BUNDLE_WORK:-$here/.unpacked}
stamp=$("$bb" sha256sum "$here/SHA256SUMS")
stamp=${stamp%% *}
unpacked=
if [ -f "$work/.stamp" ]; then read -r unpacked <"$work/.stamp" || true; fi
if [ "$unpacked" != "$stamp" ]; then
  echo "run.sh: unpacking into $work" >&2
  "$bb" rm -rf "$work"
  "$bb" mkdir -p "$work"
  for file in "$here"/payload/* "$here"/payload/*/*; do
    [ -f "$file" ] || continue
    rel=${file#"$here"/payload/}
    case $rel in */*) "$bb" mkdir -p "$work/${rel%/*}" ;; esac
    case $rel in
      *.xz) "$bb" unxz -c "$file" >"$work/${rel%.xz}.part" && "$bb" mv "$work/${rel%.xz}.part" "$work/${rel%.xz}" ;;
      *) "$bb" cp "$file" "$work/$rel" ;;
    esac
  done
  "$bb" chmod +x "$work/node"
  echo "$stamp" >"$work/.stamp"
fi

{
  echo "machine: $("$bb" uname -a)"
  if command -v nvidia-smi >/dev/null 2>&1; then nvidia-smi -L || true; fi
  echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-} BG_GPU_BUNDLE_LIBS=$libs"
  echo "bundle:"
  "$bb" cat "$here/bundle.json"
} >"$out/environment.txt" 2>&1

bench() {
  # Robust Video Matting (GPL-3.0) is in the bundle only where it was installed when it was made.
  if [ -f "$here/model/rvm/model.json" ]; then set -- --rvm "$here/model/rvm/model.json" "$@"; fi
  "$work/node" "$here/bench/bench-gpu.mjs" \
    --dawn "$work/dawn.node" --model "$here/model/selfie_segmentation_landscape.onnx" --ort "$work/ort" \
    --still "$here/data/still" --background "$here/data/background.png" --masks "$work/masks" \
    --sizes 1280x720,1920x1080,3840x2160 --frames 300 --warmup 30 --max-seconds 15 \
    --json "$out/bench-gpu.json" --table "$out/bench-gpu.txt" "$@"
}

# 3. The machine's libraries first; the bundle's when Node (127), dawn.node (4) or the Vulkan
# loader (no adapter: 3) do not load with them.
bundled_libs() {
  LD_LIBRARY_PATH=$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export LD_LIBRARY_PATH
}
if [ "$libs" = bundled ]; then bundled_libs; fi
status=0
bench "$@" || status=$?
if [ "$libs" = auto ] && { [ $status -eq 3 ] || [ $status -eq 4 ] || [ $status -eq 127 ]; }; then
  echo "run.sh: retrying with the bundle's Vulkan loader, libstdc++ and libgcc_s" >&2
  bundled_libs
  echo "retried with LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >>"$out/environment.txt"
  status=0
  bench "$@" || status=$?
fi
if [ $status -eq 0 ]; then echo "run.sh: results in $out (bench-gpu.json, bench-gpu.txt, environment.txt)" >&2; fi
exit $status
