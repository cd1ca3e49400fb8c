#!/usr/bin/env python3
"""Exit 0 when two results files hold the same datasets with identical
contents, bit for bit (attributes such as created_utc may differ).

Usage: compare_files.py A.h5 B.h5
"""

import os
import pathlib
import sys


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from testdeps import require  # noqa: E402 (after the path it is found on)


h5py, np = require("h5py", "numpy")


def datasets(f):
    names = []
    f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    return names


def same(a, b):
    x, y = a[()], b[()]
    if a.dtype.kind == "f":
        return x.shape == y.shape and np.array_equal(np.asarray(x).view(np.uint64),
                                                     np.asarray(y).view(np.uint64))
    return np.array_equal(x, y)


def main():
    with h5py.File(sys.argv[1], "r") as fa, h5py.File(sys.argv[2], "r") as fb:
        na, nb = datasets(fa), datasets(fb)
        bad = sorted(set(na) ^ set(nb))
        bad += [n for n in na if n in fb and not same(fa[n], fb[n])]
        print(f"compare_files: {len(na)} datasets, {len(bad)} differ {bad[:8]}")
        return 1 if bad or not na else 0


if __name__ == "__main__":
    sys.exit(main())
