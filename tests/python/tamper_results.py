#!/usr/bin/env python3
"""Make HDF5 files that the results reader must refuse (tests/test_io.cpp).

  tamper_results.py foreign FILE    write an HDF5 file whose filetype is 'statepoint'
  tamper_results.py major FILE N    set format_major to N (and format_version to "N.0")
  tamper_results.py minor FILE N    set format_minor to N (and format_version to "1.N")
"""

import os
import pathlib
import sys


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from testdeps import require  # noqa: E402 (after the path it is found on)


h5py, np = require("h5py", "numpy")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    command, path = argv[0], argv[1]
    if command == "foreign":
        with h5py.File(path, "w") as f:
            f.attrs["filetype"] = "statepoint"
            f.attrs["version"] = np.array([18, 1], dtype=np.int32)
        return 0
    if command in ("major", "minor") and len(argv) == 3:
        n = int(argv[2])
        with h5py.File(path, "r+") as f:
            major = n if command == "major" else int(f.attrs["format_major"])
            minor = n if command == "minor" else 0
            f.attrs["format_major"] = np.int32(major)
            f.attrs["format_minor"] = np.int32(minor)
            f.attrs["format_version"] = f"{major}.{minor}"
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
