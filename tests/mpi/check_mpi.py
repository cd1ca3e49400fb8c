#!/usr/bin/env python3
"""Distributed runs under mpirun (MPI build): every results file must hold
datasets bit-identical to a single-process run with the same seed, for 1, 2
and 3 processes and any thread count; errors are reported once; an
interrupted distributed run resumes, on another number of processes, to the
same file as an uninterrupted one.

Usage: check_mpi.py --sectorsim BIN --scenario YAML --out-dir DIR [--mpirun BIN]
Runs as root too (with the flags Open MPI asks for).
"""

import argparse
import glob
import hashlib
import os
import pathlib
import signal
import subprocess
import sys
import time


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / ".." / "python"))
from testdeps import require  # noqa: E402 (after the path it is found on)


h5py, np = require("h5py", "numpy")

FAILURES = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


def datasets(f):
    names = []
    f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    return names


def identical(a, b):
    """Names of datasets that differ (bitwise for floats) or exist in one file only."""
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        na, nb = datasets(fa), datasets(fb)
        bad = sorted(set(na) ^ set(nb))
        for n in na:
            if n not in fb:
                continue
            x, y = fa[n][()], fb[n][()]
            if fa[n].dtype.kind == "f":
                same = x.shape == y.shape and np.array_equal(
                    np.asarray(x).view(np.uint8), np.asarray(y).view(np.uint8))
            else:
                same = np.array_equal(x, y)
            if not same:
                bad.append(n)
        return len(na), bad


class Runner:
    def __init__(self, args):
        self.bin = args.sectorsim
        self.scenario = args.scenario
        self.dir = args.out_dir
        self.mpirun = [args.mpirun, "--oversubscribe", "--bind-to", "none"]
        if os.geteuid() == 0:
            self.mpirun.append("--allow-run-as-root")

    def path(self, name):
        return os.path.join(self.dir, name)

    def single(self, *args):
        return subprocess.run([self.bin, "run", self.scenario, "-q", *args],
                              capture_output=True, text=True)

    def mpi(self, np_, *args, command="run", scenario=True, wait=True):
        cmd = [*self.mpirun, "-np", str(np_), self.bin, command]
        if scenario:
            cmd.append(self.scenario)
        cmd += ["-q", *args]
        if not wait:
            return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return subprocess.run(cmd, capture_output=True, text=True)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sectorsim", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--mpirun", default="mpirun")
    ap.add_argument("--draws", type=int, default=20000)
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for f in glob.glob(os.path.join(args.out_dir, "*.h5")) + glob.glob(
            os.path.join(args.out_dir, ".*.tmp.*")):
        os.remove(f)
    r = Runner(args)
    n = str(args.draws)

    # Single process, then 1, 2 and 3 processes with 1 or 2 threads each.
    ref = r.path("ref.h5")
    p = r.single("-n", n, "-t", "2", "-o", ref)
    check(p.returncode == 0, f"single process run ({p.stderr.strip()})")
    for np_, threads in [(1, 2), (2, 1), (2, 2), (3, 1)]:
        out = r.path(f"np{np_}-t{threads}.h5")
        p = r.mpi(np_, "-n", n, "-t", str(threads), "-o", out)
        check(p.returncode == 0, f"mpirun -np {np_} -t {threads}: exit 0 ({p.stderr.strip()[-300:]})")
        if p.returncode != 0:
            continue
        count, bad = identical(ref, out)
        check(count > 0 and not bad,
              f"-np {np_} -t {threads}: {count} datasets bit-identical to one process {bad[:5]}")
        with h5py.File(out, "r") as f:
            check(int(f.attrs["processes"]) == np_, f"-np {np_}: file records processes = {np_}")

    # Other samplers and storage: Sobol replicates, quantile sketches, float32 + gzip.
    for name, extra, np_ in [("sobol", ["--sampler", "sobol"], 2),
                             ("sketch", ["--quantiles", "sketch"], 3),
                             ("f32gz", ["--float32", "--gzip", "4"], 2)]:
        one, many = r.path(f"{name}-1.h5"), r.path(f"{name}-{np_}.h5")
        a = r.single("-n", n, "-t", "2", *extra, "-o", one)
        b = r.mpi(np_, "-n", n, "-t", "1", *extra, "-o", many)
        check(a.returncode == 0 and b.returncode == 0, f"{name}: both runs exit 0 {b.stderr[-300:]}")
        if a.returncode == 0 and b.returncode == 0:
            count, bad = identical(one, many)
            check(count > 0 and not bad, f"{name}: -np {np_} bit-identical to one process {bad[:5]}")

    # A run conditioned on observations: its weights and each draw's
    # parameters are bit-identical too (docs/conditioning.md).
    cond = r.path("observed.yaml")
    with open(cond, "w") as fh:
        fh.write(f"extends: {os.path.abspath(args.scenario)}\nobserved:\n  min_ess: 1\n"
                 "  values:\n    - {indicator: district_gdp, year: 2023, value: 2808.19, "
                 "rel_sd: 0.01, source: test}\n")
    one, many = r.path("observed-1.h5"), r.path("observed-2.h5")
    a = subprocess.run([r.bin, "run", cond, "-q", "-n", n, "-t", "2", "-o", one],
                       capture_output=True, text=True)
    b = subprocess.run([*r.mpirun, "-np", "2", r.bin, "run", cond, "-q", "-n", n, "-t", "1",
                        "-o", many], capture_output=True, text=True)
    check(a.returncode == 0 and b.returncode == 0,
          f"observed: both runs exit 0 {a.stderr[-300:]} {b.stderr[-300:]}")
    if a.returncode == 0 and b.returncode == 0:
        count, bad = identical(one, many)
        with h5py.File(many, "r") as f:
            has = "scenarios/plan-2022-2025/conditioning/params" in f
        check(count > 0 and not bad and has,
              f"observed: -np 2 bit-identical to one process, weights and params included {bad[:5]}")

    # An existing file is refused once, by process 0, and left untouched.
    before = sha(ref)
    p = r.mpi(2, "-n", n, "-o", ref)
    msg = f"{ref}: exists; write elsewhere with -o FILE, or pass --overwrite to replace it"
    check(p.returncode == 2, f"existing output: exit 2 (got {p.returncode})")
    check(p.stderr.count(msg) == 1, f"existing output: one message '{msg}'")
    check(sha(ref) == before, "existing output: file unchanged")
    # Bad input: every process reads it, one reports it.
    missing = r.path("no-such.yaml")
    p = subprocess.run([*r.mpirun, "-np", "3", r.bin, "run", missing, "-q"],
                       capture_output=True, text=True)
    msg = f"{missing}: cannot read file (No such file or directory)"
    check(p.returncode == 2 and p.stderr.count(msg) == 1,
          f"missing scenario: exit 2, one message (got {p.returncode}, "
          f"{p.stderr.count(msg)} messages)")
    p = r.mpi(2, r.scenario, r.scenario, command="compare", scenario=False)
    msg = ("sectorsim: only 'run' is distributed over processes; run 'compare' as a single "
           "process (without mpirun)")
    check(p.returncode == 2 and p.stderr.count(msg) == 1, "compare under mpirun: refused once")

    # Interrupt process 0 part way (SIGINT, as Ctrl-C would), resume on 3 processes.
    big = "150000"
    out = r.path("interrupted.h5")
    proc = r.mpi(2, "-n", big, "-t", "1", "-o", out, wait=False)
    signalled = False
    for _ in range(1500):
        tmps = glob.glob(os.path.join(args.out_dir, ".interrupted.h5.tmp.*"))
        if tmps and os.path.getsize(tmps[0]) > (12 << 20):
            os.kill(int(tmps[0].rsplit(".", 1)[1]), signal.SIGINT)  # the temp file names process 0
            signalled = True
            break
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    _, err = proc.communicate(timeout=300)
    check(signalled, "interrupt: the run was signalled part way")
    check(proc.returncode == 3, f"interrupt: exit 3 (got {proc.returncode}: {err.strip()[-300:]})")
    check(err.count("marked incomplete") == 1, "interrupt: one message from process 0")
    if proc.returncode == 3:
        with h5py.File(out, "r") as f:
            g = f["scenarios/plan-2022-2025"]
            check(not bool(g.attrs["complete"]), "interrupt: file marked incomplete")
        p = r.mpi(3, "--resume", out, "-t", "1")
        check(p.returncode == 0, f"resume on 3 processes: exit 0 ({p.stderr.strip()[-300:]})")
        full = r.path("uninterrupted.h5")
        p = r.single("-n", big, "-t", "2", "-o", full)
        count, bad = identical(full, out)
        check(p.returncode == 0 and count > 0 and not bad,
              f"resumed file: {count} datasets bit-identical to an uninterrupted run {bad[:5]}")
    leftovers = glob.glob(os.path.join(args.out_dir, ".*.tmp.*"))
    check(not leftovers, f"no temporary file left {leftovers}")

    print(f"check_mpi: {len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
