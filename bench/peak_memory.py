#!/usr/bin/env python3
"""Peak memory of a summary-only run: runs `sectorsim run` once and prints
draws, wall time, draws per second and the peak resident set of the process
(getrusage of the child, as /usr/bin/time reports it), with the quantile
method the file records (a stated rank-error bound in sketch mode).

    bench/peak_memory.py --sectorsim build/apps/sectorsim \
        --scenario scenarios/luohu/plan-2022-2025.yaml --draws 10000000 [--threads T]
        [--max-mb 300]      # exit 1 when the peak is above this many MB (10^6 bytes)
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import h5py


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sectorsim", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--draws", type=int, default=10_000_000)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--max-mb", type=float)
    ap.add_argument("--dir", default=None, help="where the results file goes (deleted after)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        out = os.path.join(d, "peak.h5")
        cmd = [args.sectorsim, "run", args.scenario, "--draws", str(args.draws), "--no-paths",
               "-t", str(args.threads), "-q", "-o", out]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.monotonic() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e6  # KiB -> MB
        if p.returncode != 0:
            print(f"peak_memory: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
            return 1
        with h5py.File(out, "r") as f:
            g = f["scenarios"][list(f["scenarios"].keys())[0]]
            method = g.attrs["quantile_method"]
            method = method.decode() if isinstance(method, bytes) else str(method)
            draws = int(g.attrs["draws"])
        size_mb = os.path.getsize(out) / 1e6
    print(f"draws            {draws}")
    print(f"threads          {args.threads}")
    print(f"wall             {wall:.1f} s ({draws / wall:,.0f} draws/s, whole run)")
    print(f"peak resident    {peak_mb:.1f} MB")
    print(f"results file     {size_mb:.2f} MB")
    print(f"quantile method  {method}")
    ok = draws == args.draws
    if args.max_mb is not None:
        print(f"limit            {args.max_mb:.0f} MB: {'ok' if peak_mb <= args.max_mb else 'EXCEEDED'}")
        ok = ok and peak_mb <= args.max_mb
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
