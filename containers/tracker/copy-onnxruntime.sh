#!/bin/sh
# Copies the ONNX Runtime packages the tracker loads at run time into an image's node_modules, with the native
# binaries of one platform only: onnxruntime-node ships bin/napi-v6/<platform>/<arch>/ for darwin, linux and win32
# on x64 and arm64 (about 290 MB); the linux/amd64 image needs linux/x64 (about 45 MB, plus the CUDA provider
# libraries the build stage fetched into that same folder). The binding loads
# bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node, so nothing else is needed.
#   copy-onnxruntime.sh SRC_NODE_MODULES DEST_NODE_MODULES [PLATFORM] [ARCH]
set -eu
src=$1
dest=$2
platform=${3:-linux}
arch=${4:-x64}
binaries="onnxruntime-node/bin/napi-v6/$platform/$arch"
test -f "$src/$binaries/onnxruntime_binding.node" || { echo "no $binaries in $src" >&2; exit 1; }
mkdir -p "$dest/$binaries"
tar -C "$src" --exclude=onnxruntime-node/bin -cf - onnxruntime-node onnxruntime-common | tar -C "$dest" -xf -
cp -R "$src/$binaries/." "$dest/$binaries/"
