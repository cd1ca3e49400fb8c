#!/usr/bin/env bash
# Installs the Debian 12 packages sectorsim needs, only those missing.
#   tools/install-deps.sh          build and run
#   tools/install-deps.sh --test   also what the test suite needs
# Runs apt-get as root (directly, or through sudo when not root).
set -euo pipefail

pkgs=(build-essential cmake pkg-config libeigen3-dev libboost-dev libboost-math-dev
      libboost-program-options-dev libyaml-cpp-dev libhdf5-dev librandom123-dev libhwy-dev
      libgtest-dev libgmock-dev libbenchmark-dev libnlopt-cxx-dev
      libcpp-httplib-dev)  # sectorsim serve (engine/serve)
if [[ "${1:-}" == "--test" ]]; then
  pkgs+=(hdf5-tools python3 python3-numpy python3-h5py python3-xarray python3-h5netcdf
         clang-format chromium fonts-noto-cjk
         clang libclang-rt-14-dev  # tools/fuzz.sh: libFuzzer and sanitizer runtimes
         libopenmpi-dev openmpi-bin)  # the MPI build (-DSECTORSIM_MPI=ON) and its test
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then as_root=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
