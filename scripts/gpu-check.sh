#!/usr/bin/env bash
# GPU evidence in one command, for a machine with an NVIDIA GPU and no network access.
#
#   scripts/gpu-check.sh bundle [out.tar.gz]   here, in a built checkout (pnpm install && pnpm build):
#                                              packs gpu-check/ (built packages, the node_modules they need,
#                                              the trainer benchmark, the Vulkan loader as .deb files)
#   ./gpu-check.sh                             there, inside the unpacked gpu-check/ folder: prints
#                                              `tradecore doctor --json` and the trainer benchmark per backend
#
# The machine needs Node >= 20.19 and the NVIDIA driver (with its Vulkan ICD: containers need
# NVIDIA_DRIVER_CAPABILITIES to include graphics). Nothing is downloaded there.
set -euo pipefail

bundle() {
  local repo out
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  out="$(realpath -m "${1:-gpu-check-bundle.tar.gz}")"
  STAGE="$(mktemp -d)"
  trap 'rm -rf "$STAGE"' EXIT
  local stage="$STAGE"
  mkdir -p "$stage/gpu-check/app" "$stage/gpu-check/debs"
  for pkg in cli sdk trainer-gpu; do
    [ -f "$repo/packages/$pkg/dist/index.js" ] || { echo "gpu-check: packages/$pkg is not built (pnpm build)" >&2; exit 1; }
  done
  node "$repo/scripts/gpu-check-bundle.mjs" "$stage/gpu-check/app"
  # The benchmark as plain JavaScript (no TypeScript loader on the GPU machine), with the demo dataset.
  "$repo/node_modules/.bin/esbuild" "$repo/scripts/gpu-check-bench.ts" --bundle --platform=node --format=esm --target=node20 \
    --packages=external --outfile="$stage/gpu-check/app/bench/trainer.mjs" --log-level=warning
  cp -r "$repo/data" "$stage/gpu-check/app/data"
  # The Vulkan loader for machines that lack it (Debian 12's, glibc >= 2.34).
  (cd "$stage/gpu-check/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || echo "gpu-check: apt-get download libvulkan1 failed; the bundle relies on the machine's libvulkan.so.1" >&2
  cp "$repo/scripts/gpu-check.sh" "$stage/gpu-check/gpu-check.sh"
  tar -C "$stage" -czf "$out" gpu-check
  echo "gpu-check: wrote $out ($(du -h "$out" | cut -f1)); on the GPU machine: tar xzf $(basename "$out") && cd gpu-check && ./gpu-check.sh"
}

# Makes libvulkan.so.1 and the NVIDIA Vulkan driver visible to Dawn, unpacking the carried loader if needed.
setup_vulkan() {
  local here="$1"
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
    local deb
    deb="$(ls "$here"/debs/libvulkan1_*.deb 2>/dev/null | head -1 || true)"
    if [ -n "$deb" ]; then
      mkdir -p "$here/vulkan"
      if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$deb" "$here/vulkan"
      else (cd "$here/vulkan" && ar x "$deb" && tar xf data.tar.*); fi
      export LD_LIBRARY_PATH="$here/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      echo "gpu-check: using the carried Vulkan loader ($(basename "$deb"))" >&2
    else
      echo "gpu-check: no libvulkan.so.1 on this machine and none carried: webgpu cannot load" >&2
    fi
  fi
  # The driver's ICD json is missing in containers started without the graphics capability; the
  # driver's Vulkan entry point (libGLX_nvidia.so.0) may still be there.
  if [ -z "${VK_ICD_FILENAMES:-}" ] && ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1; then
    if ldconfig -p 2>/dev/null | grep -q 'libGLX_nvidia.so.0'; then
      printf '{"file_format_version":"1.0.0","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3"}}\n' >"$here/nvidia_icd.json"
      export VK_ICD_FILENAMES="$here/nvidia_icd.json"
      echo "gpu-check: no nvidia_icd.json installed; pointing Vulkan at libGLX_nvidia.so.0" >&2
    else
      echo "gpu-check: no NVIDIA Vulkan driver found (start the container with NVIDIA_DRIVER_CAPABILITIES=all)" >&2
    fi
  fi
}

check() {
  local here app
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  app="$here/app"
  [ -d "$app/node_modules" ] || { echo "gpu-check: run this inside the unpacked bundle (scripts/gpu-check.sh bundle makes it)" >&2; exit 1; }
  setup_vulkan "$here"
  local cli="$app/node_modules/@tradecore/cli/bin/tradecore.js"
  echo "== nvidia-smi"
  nvidia-smi || true
  echo "== tradecore doctor --json --backend webgpu"
  (cd "$app" && node "$cli" doctor --json --backend webgpu) || echo "(doctor exit code $?)"
  if [ -d "$app/node_modules/@tensorflow/tfjs-node-gpu" ]; then
    echo "== tradecore doctor --json --backend tensorflow-gpu"
    (cd "$app" && node "$cli" doctor --json --backend tensorflow-gpu) || echo "(doctor exit code $?)"
  fi
  echo "== trainer benchmark: webgpu vs wasm (and tensorflow-gpu where it loads), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd "$app" && TRADECORE_BENCH_BACKENDS="${TRADECORE_BENCH_BACKENDS:-tensorflow-gpu,webgpu,wasm}" node bench/trainer.mjs)
}

case "${1:-check}" in
  bundle) shift; bundle "$@" ;;
  check) check ;;
  *) echo "usage: $0 [bundle [out.tar.gz] | check]" >&2; exit 2 ;;
esac
