#!/usr/bin/env bash
# Builds the GPU benchmark kit: one folder that a linux-x64 machine with an NVIDIA GPU and no
# network runs with `bash <kit>/run.sh` (see bench/gpu/README.md).
#
#   bash bench/gpu/build-kit.sh [--out DIR] [--bundle-only]
#
# DIR defaults to bench/gpu/dist (git-ignored). The kit holds:
#   bench.mjs           the bench (bench/gpu/bench.ts and the real src/gan code, tfjs included), one
#                       file with its dependencies' licence comments at the end
#   dawn.node.xz        Dawn, the WebGPU implementation, from the `webgpu` npm package (linux-x64)
#   node.xz             the Node binary that runs this script, for machines without Node 20+
#   lib/                Debian bookworm's Vulkan loader (libvulkan1) and the libraries NVIDIA's
#                       Vulkan driver links against (libglvnd0, X11's libX11/libXext and theirs);
#                       run.sh uses each only where the machine lacks it
#   torch_reference.py  the same step in PyTorch, run on CUDA for the ratio
#   run.sh, README.md, licenses/
# --bundle-only writes just bench.mjs, an uncompressed dawn.node and run.sh (what the unit test runs).
# The kit must stay under 64 MiB (what the GPU machine accepts with the repo); this checks it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/bench/gpu/dist"
BUNDLE_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --bundle-only) BUNDLE_ONLY=1; shift ;;
    *) echo "build-kit.sh: unknown option $1 (use --out DIR, --bundle-only)" >&2; exit 1 ;;
  esac
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
LIMIT_BYTES=$((64 * 1024 * 1024))
DAWN="$ROOT/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$DAWN" ] || { echo "build-kit.sh: $DAWN is missing: run npm install" >&2; exit 1; }

# One ES module for Node 20+. The banner gives the bundled CommonJS parts of tfjs a `require`.
"$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/gpu/bench.ts" --bundle --platform=node --format=esm --target=node20 \
  --minify-whitespace --minify-syntax --legal-comments=eof --log-level=warning --outfile="$OUT/bench.mjs" \
  "--banner:js=import { createRequire as kitCreateRequire } from 'node:module'; const require = kitCreateRequire(import.meta.url);"

if [ "$BUNDLE_ONLY" = 1 ]; then
  cp "$DAWN" "$OUT/dawn.node"
  cp "$ROOT/bench/gpu/run.sh" "$OUT/"
  echo "bundle: $OUT (bench.mjs, dawn.node, run.sh)"
  exit 0
fi

cp "$ROOT/bench/torch_reference.py" "$ROOT/bench/gpu/run.sh" "$ROOT/bench/gpu/README.md" "$OUT/"
chmod +x "$OUT/run.sh"
mkdir -p "$OUT/licenses"
cp "$ROOT/node_modules/webgpu/LICENSE.md" "$OUT/licenses/dawn-webgpu-LICENSE.md"

# xz at -9 takes minutes on a busy machine: compress again only when the input changed.
compress_once() { # source, target
  local stamp
  stamp="$(sha256sum "$1" | cut -c1-64)"
  if [ -f "$2" ] && [ "$(cat "$2.sha256" 2>/dev/null)" = "$stamp" ]; then return; fi
  echo "compressing $1 (xz -9; a minute or more)"
  xz -9 -T1 -c "$1" >"$2.tmp"
  mv "$2.tmp" "$2"
  echo "$stamp" >"$2.sha256"
}
compress_once "$DAWN" "$OUT/dawn.node.xz"

NODE_BIN="$(command -v node)"
NODE_MAJOR="$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')"
if [ "$NODE_MAJOR" -lt 20 ] || [ "$("$NODE_BIN" -p 'process.platform + "-" + process.arch')" != linux-x64 ]; then
  echo "build-kit.sh: the kit carries the Node that runs this script, which must be linux-x64 and 20 or newer" >&2; exit 1
fi
compress_once "$(readlink -f "$NODE_BIN")" "$OUT/node.xz"
"$NODE_BIN" --version >"$OUT/node.version"
for license in /usr/share/doc/nodejs/LICENSE "$(dirname "$(readlink -f "$NODE_BIN")")/../share/doc/node/LICENSE"; do
  if [ -f "$license" ]; then cp "$license" "$OUT/licenses/node-LICENSE"; break; fi
done

# Debian's libraries, from the package archive (apt-get download needs no root, only package lists).
DEBS=(libvulkan1 libglvnd0 libx11-6 libxext6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if ! (cd "$WORK" && apt-get download -oAPT::Architecture=amd64 "${DEBS[@]}" >/dev/null 2>"$WORK/apt.log"); then
  cat "$WORK/apt.log" >&2
  echo "build-kit.sh: apt-get download failed; run 'apt-get update' and try again" >&2; exit 1
fi
rm -rf "$OUT/lib"
mkdir -p "$OUT/lib" "$WORK/root"
for deb in "$WORK"/*.deb; do dpkg-deb -x "$deb" "$WORK/root"; done
# Each library under its soname (the name programs ask the loader for), symlinks resolved.
for lib in "$WORK"/root/usr/lib/x86_64-linux-gnu/*.so.* "$WORK"/root/lib/x86_64-linux-gnu/*.so.*; do
  [ -e "$lib" ] || continue
  soname="$(objdump -p "$lib" 2>/dev/null | awk '/SONAME/ { print $2 }')"
  if [ -n "$soname" ] && [ ! -e "$OUT/lib/$soname" ]; then cp -L "$lib" "$OUT/lib/$soname"; fi
done
for package in "${DEBS[@]}"; do
  cp "$WORK/root/usr/share/doc/$package/copyright" "$OUT/licenses/$package-copyright" 2>/dev/null || true
done
[ -f "$OUT/lib/libvulkan.so.1" ] || { echo "build-kit.sh: libvulkan.so.1 not found in libvulkan1" >&2; exit 1; }

SIZE="$(du -sb "$OUT" --exclude='*.sha256' | cut -f1)"
awk -v size="$SIZE" -v out="$OUT" 'BEGIN { printf "kit: %s, %.1f MiB (limit 64 MiB)\n", out, size / 1048576 }'
du -b "$OUT"/* | sort -rn | head -6 | awk '{ printf "  %6.1f MiB  %s\n", $1 / 1048576, $2 }'
if [ "$SIZE" -ge "$LIMIT_BYTES" ]; then
  echo "build-kit.sh: the kit is over 64 MiB" >&2; exit 1
fi
