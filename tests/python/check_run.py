#!/usr/bin/env python3
"""Recompute a run's summaries from its per-draw paths, independently.

For every path dataset of a scenario in a sectorsim results file, numpy
recomputes mean, sd (ddof=1), min, max and the 5/25/50/75/95% quantiles
(numpy's default 'linear' method is type 7, the engine's definition) and
compares them with the stored summary; target probabilities are recounted
from the paths. Exit status 0 when everything agrees.

Usage: check_run.py FILE SCENARIO
"""

import os
import pathlib
import sys


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from testdeps import require  # noqa: E402 (after the path it is found on)


h5py, np = require("h5py", "numpy")

STATS = ["mean", "sd", "min", "p05", "p25", "p50", "p75", "p95", "max"]
OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


def main():
    path, name = sys.argv[1], sys.argv[2]
    failures, checks, paths = [], 0, 0
    with h5py.File(path, "r") as f:
        g = f["scenarios"][name]
        years = list(g["year"][:])
        stat = [s.decode() if isinstance(s, bytes) else s for s in g["summary"]["stat"][:]]
        assert stat == STATS, stat
        for series, ds in g.items():
            if not isinstance(ds, h5py.Dataset) or ds.ndim < 2 or "draw" not in ds.attrs.get("dims", ""):
                continue
            x = ds[:]
            paths += 1
            summ = g["summary"][series][:]
            ref = {
                "mean": x.mean(axis=0),
                "sd": x.std(axis=0, ddof=1),
                "min": x.min(axis=0),
                "max": x.max(axis=0),
            }
            for q, p in zip(["p05", "p25", "p50", "p75", "p95"], [0.05, 0.25, 0.5, 0.75, 0.95]):
                ref[q] = np.quantile(x, p, axis=0)
            # Error scale: the size of the values themselves (an sd of a cell
            # that is constant, as in the base year, is 0 up to rounding).
            scale = np.abs(ref["mean"]) + ref["sd"] + 1e-300
            for i, s in enumerate(STATS):
                got, want = summ[i], ref[s]
                checks += 1
                if s in ("min", "max", "p05", "p25", "p50", "p75", "p95"):
                    if not np.array_equal(got, want):
                        err = np.max(np.abs(got - want))
                        failures.append(f"{series} {s}: differs (max abs {err:.3g}), must be exact")
                    continue
                err = np.max(np.abs(got - want) / scale)
                if not err <= 1e-12:
                    failures.append(f"{series} {s}: max error {err:.3g} of scale > 1e-12")
        t = g["targets"]
        ids = [s.decode() if isinstance(s, bytes) else s for s in t["id"][:]]
        for k, tid in enumerate(ids):
            ind = t["indicator"][k]
            ind = ind.decode() if isinstance(ind, bytes) else ind
            op = t["op"][k]
            op = op.decode() if isinstance(op, bytes) else op
            year = int(t["target_year"][k])
            rel = int(t["relative_to_year"][k])
            head, _, sector = ind.partition(".")
            if head not in g or not isinstance(g[head], h5py.Dataset):
                continue  # a series without paths (capital, space, tax, revenue)
            x = g[head][:]
            if sector:
                sectors = [s.decode() if isinstance(s, bytes) else s for s in g["sector"][:]]
                x = x[:, :, sectors.index(sector)]
            v = x[:, years.index(year)]
            if rel:
                v = v / x[:, years.index(rel)]
            met = int(OPS[op](v, t["threshold"][k]).sum())
            checks += 1
            if met != int(t["met"][k]):
                failures.append(f"target {tid}: {met} met in the paths, {int(t['met'][k])} stored")
    if paths == 0:
        # A file without per-draw paths (--no-paths) leaves nothing to recompute.
        failures.append(f"no per-draw paths in {path} for {name}: nothing checked")
    for msg in failures:
        print("FAIL:", msg)
    print(f"check_run: {checks} checks, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
