#!/usr/bin/env python3
"""Open a run's scenario group with xarray (netCDF-4 view through h5netcdf)
and check named dimensions, coordinates and values against h5py.

Usage: check_xarray.py FILE SCENARIO
"""

import os
import pathlib
import sys


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from testdeps import require  # noqa: E402 (after the path it is found on)


h5py, np, xr, _ = require("h5py", "numpy", "xarray", "h5netcdf")  # h5netcdf: xarray's engine


def main():
    path, name = sys.argv[1], sys.argv[2]
    ds = xr.open_dataset(path, group=f"scenarios/{name}", engine="h5netcdf")
    problems = []
    if set(ds["va"].dims) != {"draw", "year", "sector"} or ds["va"].dims != ("draw", "year", "sector"):
        problems.append(f"va dims {ds['va'].dims}")
    if ds["service_va"].dims != ("draw", "year"):
        problems.append(f"service_va dims {ds['service_va'].dims}")
    with h5py.File(path, "r") as f:
        g = f["scenarios"][name]
        years = list(g["year"][:])
        sectors = list(g["sector"].asstr()[:])
        if list(ds["year"].values) != years:
            problems.append("year coordinate")
        if list(ds["sector"].values) != sectors:
            problems.append("sector coordinate")
        if list(ds["draw"].values) != list(range(g.attrs["draws"])):
            problems.append("draw coordinate")
        # Label-based selection returns the same numbers as positional h5py reads.
        x = ds["va"].sel(sector="finance", year=years[-1]).values
        y = g["va"][:, len(years) - 1, sectors.index("finance")]
        if not np.array_equal(x, y):
            problems.append("va.sel(sector=finance, last year) differs from h5py")
        if not np.array_equal(ds["service_va"].values, g["service_va"][:]):
            problems.append("service_va differs from h5py")
        summary = xr.open_dataset(path, group=f"scenarios/{name}/summary", engine="h5netcdf")
        med = float(summary["service_va"].sel(stat="p50", year=years[-1]))
        if med != float(np.quantile(g["service_va"][:, -1], 0.5)):
            problems.append("summary p50 differs from numpy's median of the paths")
    for p in problems:
        print("FAIL:", p)
    print(f"check_xarray: {len(problems)} problems; dims {dict(ds.sizes)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
