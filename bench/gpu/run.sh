#!/usr/bin/env bash
# The GPU benchmark kit's one command (built by bench/gpu/build-kit.sh; see README.md beside it):
#
#   bash run.sh [bench options, e.g. --configs heaton:64 --steps 20]
#
# Needs nothing from the network. Uses the machine's Node (20+), Vulkan loader and X11/GLVND
# libraries where it has them and the kit's copies where it does not, finds NVIDIA's Vulkan
# driver where containers put it, then runs bench.mjs: Ganvas's training step on WebGPU
# through Dawn, the same step in PyTorch on CUDA, and a table with the ratio.
set -euo pipefail

KIT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUNTIME="$(mktemp -d "${TMPDIR:-/tmp}/ganvas-gpu-kit.XXXXXX")"
trap 'rm -rf "$RUNTIME"' EXIT

unpack() { # file.xz, target
  if command -v xz >/dev/null; then
    xz -dc "$1" >"$2"
  elif command -v python3 >/dev/null; then
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  else
    echo "run.sh: need xz or python3 to unpack $1" >&2; exit 1
  fi
}

# Node: the machine's if it is 20 or newer, else the one the kit carries.
if command -v node >/dev/null && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  NODE="$(command -v node)"
  echo "node: the machine's, $NODE $("$NODE" --version)"
else
  unpack "$KIT/node.xz" "$RUNTIME/node"
  chmod +x "$RUNTIME/node"
  NODE="$RUNTIME/node"
  echo "node: the kit's, $("$NODE" --version)"
fi

if [ -f "$KIT/dawn.node" ]; then
  export GANVAS_DAWN_NODE="$KIT/dawn.node"
else
  unpack "$KIT/dawn.node.xz" "$RUNTIME/dawn.node"
  export GANVAS_DAWN_NODE="$RUNTIME/dawn.node"
fi

# Libraries: only those the machine's loader cannot find come from the kit (Debian bookworm's).
LDCONFIG="$(command -v ldconfig || echo /sbin/ldconfig)"
known="$("$LDCONFIG" -p 2>/dev/null | awk '/x86-64/ { print $1 }' || true)"
mkdir -p "$RUNTIME/lib"
borrowed=()
for lib in "$KIT"/lib/*.so.*; do
  [ -e "$lib" ] || continue
  name="$(basename "$lib")"
  if ! grep -qxF "$name" <<<"$known"; then
    ln -s "$lib" "$RUNTIME/lib/$name"
    borrowed+=("$name")
  fi
done
# NVIDIA's libraries (libGLX_nvidia, which its Vulkan driver is) where containers mount them.
for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  if [ -d "$dir" ]; then LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$dir"; fi
done
export LD_LIBRARY_PATH="$RUNTIME/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "libraries from the kit: ${borrowed[*]:-none}"

# The Vulkan driver: the loader reads /usr/share/vulkan/icd.d and /etc/vulkan/icd.d; a container
# may mount NVIDIA's manifest elsewhere. An explicit VK_ICD_FILENAMES / VK_DRIVER_FILES wins.
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] \
  && ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json >/dev/null 2>&1; then
  for manifest in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$manifest" ]; then
      export VK_ICD_FILENAMES="$manifest" VK_DRIVER_FILES="$manifest"
      break
    fi
  done
fi
echo "vulkan driver: ${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-default search paths}}"

# Dawn (through the Vulkan loader) wants a private runtime directory.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ]; then
  export XDG_RUNTIME_DIR="$RUNTIME/xdg"
  mkdir -m 700 "$XDG_RUNTIME_DIR"
fi
if command -v nvidia-smi >/dev/null; then nvidia-smi -L || true; fi

status=0
"$NODE" "$KIT/bench.mjs" "$@" || status=$?
exit "$status"
