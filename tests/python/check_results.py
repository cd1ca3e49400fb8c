#!/usr/bin/env python3
"""Check a sectorsim results file with readers independent of the engine.

h5py checks the root and scenario attributes, the stored input texts and
their SHA-256, the `dims`/`units` attributes and dimension scales of every
dataset, and values given on the command line; xarray (engine h5netcdf)
checks the netCDF-4 view: named dimensions and their coordinates.
The layout is documented in docs/output-format.md.

Usage:
  check_results.py FILE [--scenario NAME --draws N --years Y,Y --sectors A,B]
                        [--seed N] [--sum PATH=X ...] [--value 'PATH[i,j]=X' ...]

PATH is relative to /scenarios/NAME (e.g. va, or summary/va); --sum compares the sum
of a dataset and --value one element, both exactly. Exit status 0 when every
check passes; otherwise the failures are listed and the status is 1.
"""

import argparse
import datetime
import hashlib
import os
import pathlib
import re
import sys


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from testdeps import require  # noqa: E402 (after the path it is found on)


h5py, np, xr, _ = require("h5py", "numpy", "xarray", "h5netcdf")  # h5netcdf: xarray's engine

STATS = ["mean", "sd", "min", "p05", "p25", "p50", "p75", "p95", "max"]
FORMAT_MAJOR, FORMAT_MINOR = 1, 4

failures = []
checks = 0


def expect(condition, message):
    global checks
    checks += 1
    if not condition:
        failures.append(message)
    return condition


def text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return value


def is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_root(f, args):
    a = f.attrs
    expect(text(a.get("filetype")) == "sectorsim-results", f"filetype is {a.get('filetype')!r}")
    expect(text(a.get("format_version")) == f"{FORMAT_MAJOR}.{FORMAT_MINOR}",
           f"format_version is {a.get('format_version')!r}")
    expect(is_int(a.get("format_major")) and a["format_major"] == FORMAT_MAJOR, "format_major")
    expect(is_int(a.get("format_minor")) and a["format_minor"] == FORMAT_MINOR, "format_minor")
    for name in ("engine_version", "generator", "created_utc"):
        expect(isinstance(text(a.get(name)), str) and text(a.get(name)) != "",
               f"root attribute {name} missing or empty")
    expect(isinstance(text(a.get("command_line")), str), "root attribute command_line missing")
    try:
        datetime.datetime.strptime(text(a.get("created_utc", "")), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        expect(False, f"created_utc {a.get('created_utc')!r} is not ISO 8601 UTC")
    for name in ("seed", "chunk_draws"):
        expect(is_int(a.get(name)), f"root attribute {name} is not an integer")
    if args.seed is not None:
        expect(a.get("seed") == args.seed, f"seed is {a.get('seed')}, expected {args.seed}")


def check_dataset_labels(f):
    """Every dataset has dims and units; each named dimension has its scale attached."""
    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset):
            return
        dims, units = obj.attrs.get("dims"), obj.attrs.get("units")
        if not expect(isinstance(text(dims), str), f"/{name}: no dims attribute"):
            return
        expect(isinstance(text(units), str), f"/{name}: no units attribute")
        names = text(dims).split(",") if text(dims) else []
        if not expect(len(names) == obj.ndim, f"/{name}: dims {dims!r} for rank {obj.ndim}"):
            return
        if h5py.h5ds.is_scale(obj.id):
            expect(names == [name.split("/")[-1]], f"/{name}: scale with dims {dims!r}")
            return
        for axis, dim in enumerate(names):
            scales = obj.dims[axis]
            if expect(len(scales) == 1, f"/{name}: {len(scales)} scales on axis {axis}"):
                scale = scales[0]
                expect(scale.name.split("/")[-1] == dim,
                       f"/{name}: axis {axis} is labelled by {scale.name}, dims says {dim}")
                expect(scale.shape == (obj.shape[axis],),
                       f"/{name}: scale {scale.name} has shape {scale.shape}")
    f.visititems(visit)


def check_scenario(f, path, name):
    g = f[f"scenarios/{name}"]
    a = g.attrs
    for key in ("title_en", "title_zh", "sampler", "quantile_method", "scenario_sha256", "model"):
        expect(isinstance(text(a.get(key)), str), f"{name}: attribute {key}")
    expect(text(a.get("model", "")) != "", f"{name}: attribute model is empty")
    for key in ("base_year", "end_year", "draws_requested", "draws", "complete", "seed"):
        expect(is_int(a.get(key)), f"{name}: attribute {key} is not an integer")
    expect(a["complete"] == (1 if a["draws"] >= a["draws_requested"] else 0),
           f"{name}: complete={a['complete']} with {a['draws']} of {a['draws_requested']} draws")
    years = g["year"][()]
    expect(list(years) == list(range(a["base_year"], a["end_year"] + 1)),
           f"{name}: year coordinate {years} vs base_year/end_year")

    inputs = g["input"]
    n_files = len(inputs)
    expect(n_files >= 1, f"{name}: no input files")
    for i in range(n_files):
        ds = inputs[f"file_{i}"]
        body = text(ds[()])
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        expect(text(ds.attrs["sha256"]) == digest, f"{name}: input/file_{i} sha256")
        expect(isinstance(text(ds.attrs.get("path")), str), f"{name}: input/file_{i} path")
        if i == 0:
            expect(text(a["scenario_sha256"]) == digest, f"{name}: scenario_sha256")

    # The netCDF-4 view. Each group is a self-contained dataset.
    scen = xr.open_dataset(path, group=f"scenarios/{name}", engine="h5netcdf")
    expect(set(scen.dims) <= {"draw", "year", "sector"} and {"year", "sector"} <= set(scen.dims),
           f"{name}: scenario dims {dict(scen.dims)}")
    expect(list(scen["year"].values) == list(years), f"{name}: xarray year")
    expect(scen["sector_name_en"].dims == ("sector",), f"{name}: sector_name_en dims")
    sectors = [text(s) for s in scen["sector"].values]

    summary = xr.open_dataset(path, group=f"scenarios/{name}/summary", engine="h5netcdf")
    expect([text(s) for s in summary["stat"].values] == STATS, f"{name}: stat coordinate")
    expect(list(summary["year"].values) == list(years), f"{name}: summary year coordinate")
    expect([text(s) for s in summary["sector"].values] == sectors, f"{name}: summary sectors")
    expect(len(summary.data_vars) > 0, f"{name}: no summaries")
    for var in summary.data_vars.values():
        expect(var.dims in (("stat", "year"), ("stat", "year", "sector")),
               f"{name}: summary/{var.name} dims {var.dims}")

    # Format 1.2: draws that were not finite numbers, per series cell, with
    # the same variables and coordinates as the summaries (zero in a run
    # that was not allowed any).
    bad = xr.open_dataset(path, group=f"scenarios/{name}/nonfinite", engine="h5netcdf")
    expect(set(bad.data_vars) == set(summary.data_vars),
           f"{name}: nonfinite/ variables {sorted(bad.data_vars)}")
    for var in bad.data_vars.values():
        expect(var.dims == summary[var.name].dims[1:], f"{name}: nonfinite/{var.name} dims")
        expect(np.issubdtype(var.dtype, np.integer), f"{name}: nonfinite/{var.name} not counts")
        expect(int((var.values > 0).sum()) <= int(g["nonfinite"].attrs["cells"]),
               f"{name}: nonfinite/{var.name} against the cells attribute")

    targets = xr.open_dataset(path, group=f"scenarios/{name}/targets", engine="h5netcdf")
    for key, dims in (("undefined", ("target",)), ("undefined_by_year", ("target", "year"))):
        expect(key in targets and targets[key].dims == dims, f"{name}: targets/{key}")
    expect(set(targets.dims) <= {"target", "year"}, f"{name}: targets dims {dict(targets.dims)}")
    expect([text(t) for t in targets["target"].values] == [text(t) for t in targets["id"].values],
           f"{name}: target coordinate differs from id")
    for key in ("joint_probability", "joint_ci_low", "joint_ci_high", "joint_met", "joint_n"):
        expect(key in g["targets"].attrs, f"{name}: targets attribute {key}")
    if "probability_by_year" in targets:
        expect(targets["probability_by_year"].dims == ("target", "year"), "probability_by_year")

    if "draw" in g:
        # The scenario group itself: per-draw paths with draw, year and sector.
        paths = xr.open_dataset(path, group=f"scenarios/{name}", engine="h5netcdf")
        expect(list(paths["draw"].values) == list(range(a["draws_requested"])),
               f"{name}: draw coordinate")
        expect(list(paths["year"].values) == list(years), f"{name}: paths year coordinate")
        for var in paths.data_vars.values():
            if var.name.startswith("sector_name"):
                continue
            expect(var.dims in (("draw", "year"), ("draw", "year", "sector")),
                   f"{name}: {var.name} dims {var.dims}")
        return scen, summary, paths
    return scen, summary, None


def parse_value(spec):
    m = re.fullmatch(r"([\w./-]+)\[([\d,]+)\]=(.+)", spec)
    if not m:
        raise SystemExit(f"bad --value {spec!r}")
    return m.group(1), tuple(int(i) for i in m.group(2).split(",")), float(m.group(3))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--scenario")
    parser.add_argument("--draws", type=int)
    parser.add_argument("--years")
    parser.add_argument("--sectors")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--sum", action="append", default=[])
    parser.add_argument("--value", action="append", default=[])
    args = parser.parse_args()

    with h5py.File(args.file, "r") as f:
        check_root(f, args)
        check_dataset_labels(f)
        names = list(f["scenarios"])
        expect(len(names) > 0, "no scenarios")
        views = {name: check_scenario(f, args.file, name) for name in names}

        if args.scenario:
            name = args.scenario
            if not expect(name in views, f"no scenario {name}"):
                return report(args)
            g = f[f"scenarios/{name}"]
            scen, _, paths = views[name]
            if args.years:
                years = [int(y) for y in args.years.split(",")]
                expect(list(g["year"][()]) == years, f"{name}: years")
            if args.sectors:
                sectors = args.sectors.split(",")
                expect([text(s) for s in scen["sector"].values] == sectors, f"{name}: sectors")
            if args.draws is not None:
                expect(g.attrs["draws"] == args.draws, f"{name}: draws")
                if expect(paths is not None, f"{name}: no paths group"):
                    for var in paths.data_vars.values():
                        if var.name.startswith("sector_name"):
                            continue
                        expect(var.shape[0] == args.draws, f"{name}: {var.name} draws")
                    # Coordinates work for label-based selection.
                    if "va" in paths and args.years and args.sectors:
                        x = paths["va"].sel(draw=args.draws - 1, year=years[-1], sector=sectors[-1])
                        expect(float(x) == g["va"][args.draws - 1, -1, -1],
                               f"{name}: xarray .sel on va")
            for spec in args.sum:
                key, want = spec.rsplit("=", 1)
                got = float(np.sum(g[key][()], dtype=np.float64))
                expect(got == float(want), f"{name}: sum of {key} is {got!r}, expected {want}")
            for spec in args.value:
                key, index, want = parse_value(spec)
                got = float(g[key][index])
                expect(got == want, f"{name}: {key}{list(index)} is {got!r}, expected {want!r}")

    return report(args)


def report(args):
    if failures:
        print(f"check_results: {len(failures)} of {checks} checks failed for {args.file}:")
        for message in failures:
            print(f"  {message}")
        return 1
    print(f"check_results: {checks} checks passed for {args.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
