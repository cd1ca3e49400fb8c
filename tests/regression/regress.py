#!/usr/bin/env python3
"""Regression cases: reference digests of sectorsim results files.

Each folder tests/regression/<case>/ holds the case's inputs (copies of the
scenario files, with the files they extend), case.json (the exact command) and
digest.txt (the reference: one line per group, dataset and attribute of the
results file with its own SHA-256, then a total). `check` runs the case in a
temporary folder with the given command line program and compares, line by
line; `update` regenerates the references on purpose (a commit that moves a
result says why). See tests/regression/README.md.

Usage:
  regress.py list
  regress.py check CASE... --cli PATH [--keep]
  regress.py update [CASE...] --cli PATH
  regress.py digest FILE.h5

Run with /usr/bin/python3 (Debian's h5py and numpy). Exit status: 0 when every
case matches its reference, 1 on any difference or failure, 2 on bad usage.
"""

import argparse
import glob
import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = "result.h5"  # the results file, relative to the case's run folder
CLI_TIMEOUT_S = 300


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / ".." / "python"))
from testdeps import require  # noqa: E402 (after the path it is found on)


h5py, np = require("h5py", "numpy")

# Attributes left out of the digest: they record when, where, by what build or
# by what command a file was written, not a result. Each is left out wherever
# it appears (today: on the root group).
VOLATILE_ATTRIBUTES = {
    # The UTC time the file was written: moves every run.
    "created_utc": "time of writing",
    # The engine's version string ("0.3.2"): a release that moves no result
    # must still match the references of the one before.
    "engine_version": "version of the build",
    # The source revision of the build, where a build records it (0.3.2 does
    # not yet): moves with every commit.
    "git_sha1": "source revision of the build",
    # argv as typed: holds the program's absolute path (the build folder) and
    # the output file's path, which differ between machines and between
    # `check` and `update`; the settings it holds that matter (draws, seed,
    # sampler, quantile method, paths or not) are recorded in attributes and
    # datasets that are digested.
    "command_line": "command line and absolute paths",
    # The number of MPI processes of the run (1 without mpirun): results are
    # bit-identical for any process count (tests/mpi/check_mpi.py), as they
    # are for any thread count (not recorded), so one reference holds for
    # every parallel layout.
    "processes": "parallel layout of the run",
}

# HDF5 dimension-scale bookkeeping: object references, whose raw bytes are
# file addresses that move with the order objects are written in. They are
# digested by what they point at (object names, sorted), not by address.
REFERENCE_SETS = {"DIMENSION_LIST", "REFERENCE_LIST"}


# ---------------------------------------------------------------- digest


def dtype_name(dt):
    """A short, stable name of an HDF5 type as h5py maps it to numpy."""
    s = h5py.check_string_dtype(dt)
    if s is not None:
        return f"str[{'vlen' if s.length is None else s.length},{s.encoding}]"
    if h5py.check_ref_dtype(dt) is not None:
        return "ref"
    v = h5py.check_vlen_dtype(dt)
    if v is not None:
        return f"vlen[{dtype_name(v)}]"
    if dt.names:
        return "{" + ",".join(f"{n}:{dtype_name(dt.fields[n][0])}" for n in dt.names) + "}"
    return dt.str


def shape_text(shape):
    return "(" + ",".join(str(n) for n in shape) + ")" if shape is not None else "null"


def plain(x, f):
    """A JSON-able value: strings by their UTF-8 text, references by the name they point at."""
    if isinstance(x, h5py.h5r.Reference):
        return f[x].name if x else None
    if isinstance(x, (bytes, np.bytes_)):
        try:
            return bytes(x).decode("utf-8")
        except UnicodeDecodeError:
            return "hex:" + bytes(x).hex()
    if isinstance(x, str):
        return x
    if isinstance(x, np.void) and x.dtype.names:
        return [plain(x[n], f) for n in x.dtype.names]
    if isinstance(x, np.ndarray):
        return plain(x[()], f) if x.ndim == 0 else [plain(v, f) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x).hex()
    raise TypeError(f"cannot digest a value of type {type(x).__name__}")


def is_numeric(dt):
    return dt.names is None and dt.kind in "biuf" and h5py.check_vlen_dtype(dt) is None


def canonical(value, dt, f, name=None):
    """The bytes digested for a value of type `dt`, and a short text of it (or None)."""
    if isinstance(value, h5py.Empty):
        return b"<empty>", "<empty>"
    if is_numeric(dt):
        # Raw bytes, little-endian whatever the host: bit-for-bit.
        arr = np.asarray(value, dtype=dt).astype(dt.newbyteorder("<"))
        shown = None
        if arr.ndim == 0:
            shown = repr(float(arr)) if dt.kind == "f" else repr(int(arr))
        return arr.tobytes(order="C"), shown
    p = plain(value, f)
    if name in REFERENCE_SETS and isinstance(p, list):
        # A set of (object, axis) pairs or, per axis, of scales: sorted.
        p = sorted(p, key=json.dumps) if name == "REFERENCE_LIST" else [
            sorted(axis, key=json.dumps) if isinstance(axis, list) else axis for axis in p]
    text = json.dumps(p, ensure_ascii=False, separators=(",", ":"))
    shown = text if len(text) <= 80 and not isinstance(p, list) else None
    return text.encode("utf-8"), shown


def sha(data):
    return hashlib.sha256(data).hexdigest()


def line(kind, path, dt, shape, data, shown=None):
    s = f"{kind} {path} {dt} {shape} sha256={sha(data)}"
    return s + (f" = {shown}" if shown is not None else "")


def attribute_lines(obj, path, f):
    lines = []
    for name in sorted(obj.attrs.keys()):
        if name in VOLATILE_ATTRIBUTES:
            continue
        aid = obj.attrs.get_id(name)
        data, shown = canonical(obj.attrs[name], aid.dtype, f, name)
        lines.append(line("attr", f"{path}@{name}", dtype_name(aid.dtype), shape_text(aid.shape),
                          data, shown))
    return lines


def dataset_bytes(ds, f):
    dt = ds.dtype
    if ds.shape is None:
        return b"<empty>"
    if is_numeric(dt):
        return canonical(ds[()], dt, f)[0]
    if h5py.check_string_dtype(dt) is not None:
        return canonical(ds.asstr()[()], dt, f)[0]
    return canonical(ds[()], dt, f)[0]


def digest_lines(path):
    """One line per group, dataset and attribute, sorted by path; then the total."""
    lines = []
    with h5py.File(path, "r") as f:
        names = []
        f.visit(names.append)
        lines.append("group /")
        lines += attribute_lines(f, "/", f)
        for name in sorted(names):
            obj = f[name]
            full = "/" + name
            if isinstance(obj, h5py.Group):
                lines.append(f"group {full}")
            elif isinstance(obj, h5py.Dataset):
                lines.append(line("dataset", full, dtype_name(obj.dtype), shape_text(obj.shape),
                                  dataset_bytes(obj, f)))
            else:
                lines.append(f"{type(obj).__name__.lower()} {full}")
            lines += attribute_lines(obj, full, f)
        version = f.attrs.get("engine_version", "?")
    lines.append(total_line(lines))
    return lines, (version.decode() if isinstance(version, bytes) else str(version))


def total_line(lines):
    return "total sha256=" + sha("\n".join(lines).encode("utf-8"))


def data_lines(text):
    return [s for s in text.splitlines() if s.strip() and not s.startswith("#")]


# ---------------------------------------------------------------- cases


class CaseError(Exception):
    pass


def case_names():
    return sorted(p.parent.name for p in HERE.glob("*/case.json"))


def load_case(name):
    spec_path = HERE / name / "case.json"
    if not spec_path.is_file():
        raise CaseError(f"no case '{name}' ({spec_path} not found); cases: "
                        f"{', '.join(case_names()) or 'none'}")
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    if spec.get("command") not in ("run", "compare"):
        raise CaseError(f"{spec_path}: command must be 'run' or 'compare'")
    args = spec.get("args")
    if not isinstance(args, list) or not args or not all(isinstance(a, str) for a in args):
        raise CaseError(f"{spec_path}: args must be a non-empty list of strings")
    for banned in ("-o", "--output", "-t", "--threads", "--resume", "--overwrite"):
        if any(a == banned or a.startswith(banned + "=") for a in args):
            raise CaseError(f"{spec_path}: args may not hold {banned} (regress.py adds it)")
    threads = spec.get("threads", [2])
    if not isinstance(threads, list) or not threads or not all(
            isinstance(t, int) and t >= 1 for t in threads):
        raise CaseError(f"{spec_path}: threads must be a non-empty list of thread counts")
    if "interrupt" in spec and spec["command"] != "run":
        raise CaseError(f"{spec_path}: only a 'run' case can be interrupted and resumed")
    return spec


def sectorsim(cli, workdir, argv, what):
    p = subprocess.run([cli, *argv], cwd=workdir, capture_output=True, text=True,
                       timeout=CLI_TIMEOUT_S)
    if p.returncode != 0:
        raise CaseError(f"{what} exited {p.returncode}: sectorsim {' '.join(argv)}\n"
                        f"{p.stdout}{p.stderr}")
    return p


def read_progress(path):
    """(complete, draws, draws_requested) of every scenario in a results file."""
    with h5py.File(path, "r") as f:
        return [(int(g.attrs["complete"]), int(g.attrs["draws"]), int(g.attrs["draws_requested"]))
                for g in f["scenarios"].values()]


def interrupt_part_way(cli, workdir, argv, after_bytes, attempts):
    """Runs `argv` and sends it SIGINT once its temporary results file beside
    OUT holds more than `after_bytes` (some chunks of paths written), as Ctrl-C
    would (the test of the command line does the same: there is no
    deterministic hook). The run must exit 3 with a file marked incomplete
    holding some but not all draws; a run that ended before the signal is
    tried again, up to `attempts` times, then the case fails."""
    for attempt in range(1, attempts + 1):
        out = Path(workdir) / OUT
        if out.exists():
            out.unlink()
        proc = subprocess.Popen([cli, *argv], cwd=workdir, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        signalled = False
        deadline = time.monotonic() + CLI_TIMEOUT_S
        while proc.poll() is None and time.monotonic() < deadline:
            tmps = glob.glob(os.path.join(workdir, f".{OUT}*")) + glob.glob(
                os.path.join(workdir, f"{OUT}.*"))
            if any(os.path.isfile(t) and os.path.getsize(t) > after_bytes for t in tmps):
                proc.send_signal(signal.SIGINT)
                signalled = True
                break
            time.sleep(0.002)
        try:
            stdout, stderr = proc.communicate(timeout=CLI_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        if proc.returncode == 0:
            print(f"  attempt {attempt}: the run ended before the interrupt "
                  f"(signalled: {signalled}); again", flush=True)
            continue
        if proc.returncode != 3:
            raise CaseError(f"interrupted run exited {proc.returncode}, expected 3 "
                            f"(signalled: {signalled}): sectorsim {' '.join(argv)}\n"
                            f"{stdout}{stderr}")
        progress = read_progress(out)
        if not all(c == 0 and 0 < d < n for c, d, n in progress):
            raise CaseError(f"the interrupted file is not a part-way run: (complete, draws, "
                            f"requested) = {progress}")
        return progress
    raise CaseError(f"could not interrupt the run part way in {attempts} attempts: "
                    f"sectorsim {' '.join(argv)}")


def run_case(name, spec, cli, threads, workdir, resume=True):
    """Runs the case with `threads` threads in `workdir` (a copy of the case
    folder); returns the results file's path. Relative paths and a fixed
    layout: the stored input paths are those of the case folder. An
    interrupted case (`interrupt` in case.json) starts the run, interrupts
    it, and continues it with --resume on `threads` threads; with
    resume=False it runs uninterrupted instead."""
    cli = str(Path(cli).resolve())
    argv = [spec["command"], *spec["args"]]
    common = ["-o", OUT, "-q"]
    interrupt = spec.get("interrupt")
    if interrupt and resume:
        first = [*argv, *common, "--threads", str(interrupt.get("threads", 1)),
                 *interrupt.get("extra_args", [])]
        progress = interrupt_part_way(cli, workdir, first, int(interrupt["after_bytes"]),
                                      int(interrupt.get("attempts", 3)))
        print(f"  {name}: interrupted at (complete, draws, requested) = {progress}", flush=True)
        scenario = spec["args"][0]
        sectorsim(cli, workdir, ["run", scenario, "--resume", OUT, "--threads", str(threads), "-q"],
                  "resume")
        progress = read_progress(Path(workdir) / OUT)
        if not all(c == 1 and d == n for c, d, n in progress):
            raise CaseError(f"the resumed file is not complete: (complete, draws, requested) = "
                            f"{progress}")
    else:
        sectorsim(cli, workdir, [*argv, *common, "--threads", str(threads)], "sectorsim")
    return Path(workdir) / OUT


def digest_run(name, spec, cli, threads, keep, resume=True):
    """Runs the case once with `threads` threads; returns (lines, version)."""
    workdir = tempfile.mkdtemp(prefix=f"sectorsim-regress-{name}-")
    try:
        shutil.copytree(HERE / name, workdir, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("digest.txt", "*.h5", "__pycache__"))
        t0 = time.monotonic()
        out = run_case(name, spec, cli, threads, workdir, resume)
        lines, version = digest_lines(out)
        how = "interrupted and resumed" if spec.get("interrupt") and resume else "ran"
        print(f"  {name}: {threads} thread(s): {how} and digested in "
              f"{time.monotonic() - t0:.1f} s", flush=True)
        return lines, version
    finally:
        if keep:
            print(f"  {name}: kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def case_digests(name, spec, cli, keep=False):
    """[(label, lines)] for every way case.json asks the case to be run: each
    thread count and, for an interrupted case, also an uninterrupted run
    (the resumed file must be the same); and the engine version."""
    out, version = [], "?"
    for threads in spec["threads"]:
        lines, version = digest_run(name, spec, cli, threads, keep)
        out.append((f"{threads} thread(s)" + (", interrupted and resumed"
                                               if spec.get("interrupt") else ""), lines))
    if spec.get("interrupt"):
        threads = spec["threads"][0]
        lines, _ = digest_run(name, spec, cli, threads, keep, resume=False)
        out.append((f"{threads} thread(s), uninterrupted", lines))
    return out, version


def compare_lines(reference, got, limit=200):
    """(number of lines that differ, a human-readable list of them); (0, []) when identical."""
    def keyed(lines):
        return {" ".join(s.split(" ", 2)[:2]): s for s in lines}
    ref, new = keyed(reference), keyed(got)
    differ = [key for key in sorted(set(ref) | set(new)) if ref.get(key) != new.get(key)]
    out = []
    for key in differ[:limit]:
        a, b = ref.get(key), new.get(key)
        if a is None:
            out.append(f"  only in the result:    {b}")
        elif b is None:
            out.append(f"  only in the reference: {a}")
        else:
            out += [f"  reference: {a}", f"  result:    {b}"]
    if len(differ) > limit:
        out.append(f"  ... and {len(differ) - limit} more")
    return len(differ), out


def read_reference(name):
    digest_file = HERE / name / "digest.txt"
    if not digest_file.is_file():
        raise CaseError(f"{digest_file} is missing: generate it with "
                        f"regress.py update {name} --cli PATH")
    reference = data_lines(digest_file.read_text(encoding="utf-8"))
    if (len(reference) < 2 or not reference[-1].startswith("total ")
            or not any(s.startswith("dataset ") for s in reference)):
        raise CaseError(f"{digest_file}: no datasets or no total line: nothing to check")
    if reference[-1] != total_line(reference[:-1]):
        raise CaseError(f"{digest_file}: the total does not match its lines (edited by hand?); "
                        f"regenerate with regress.py update {name}")
    return reference


def cmd_check(args):
    failed = []
    for name in args.cases:
        try:
            spec = load_case(name)
            reference = read_reference(name)
            runs, _ = case_digests(name, spec, args.cli, args.keep)
            for label, lines in runs:
                count, diff = compare_lines(reference, lines)
                if count:
                    if name not in failed:
                        failed.append(name)
                    print(f"FAIL: {name} ({label}): {count} line(s) differ from "
                          f"tests/regression/{name}/digest.txt:")
                    print("\n".join(diff))
                else:
                    n = sum(1 for s in lines if s.startswith("dataset "))
                    print(f"ok: {name} ({label}): {n} datasets, {len(lines)} lines identical to "
                          f"the reference")
        except (CaseError, OSError, subprocess.SubprocessError) as e:
            failed.append(name)
            print(f"FAIL: {name}: {e}")
    print(f"regress: {len(args.cases) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def cmd_update(args):
    names = args.cases or case_names()
    if not names:
        print("regress: no case to update")
        return 1
    failed = 0
    for name in names:
        try:
            spec = load_case(name)
            runs, version = case_digests(name, spec, args.cli)
            first, lines = runs[0]
            for label, other in runs[1:]:
                count, diff = compare_lines(lines, other)
                if count:
                    raise CaseError(f"{label} gives another file than {first}: digest.txt not "
                                    "written\n" + "\n".join(diff))
            header = [
                f"# sectorsim regression reference: case {name} "
                f"(tests/regression/{name}/case.json)",
                f"# written by regress.py update with sectorsim {version}; agreeing: "
                + "; ".join(label for label, _ in runs),
                "# one line per group, dataset and attribute: "
                "kind path type shape sha256 [= value]",
                "# left out: " + ", ".join(sorted(VOLATILE_ATTRIBUTES)) + " (see regress.py)",
            ]
            (HERE / name / "digest.txt").write_text("\n".join(header + lines) + "\n",
                                                    encoding="utf-8")
            print(f"updated: {name}: {len(lines)} lines, {lines[-1]}")
        except (CaseError, OSError, subprocess.SubprocessError) as e:
            failed += 1
            print(f"FAIL: {name}: {e}")
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the cases")
    p = sub.add_parser("check", help="run cases and compare with their digest.txt")
    p.add_argument("cases", nargs="+", metavar="CASE")
    p.add_argument("--cli", required=True, help="the sectorsim program to run")
    p.add_argument("--keep", action="store_true", help="keep the run folders")
    p = sub.add_parser("update", help="regenerate digest.txt of the cases (default: all)")
    p.add_argument("cases", nargs="*", metavar="CASE")
    p.add_argument("--cli", required=True, help="the sectorsim program to run")
    p = sub.add_parser("digest", help="print the digest of a results file")
    p.add_argument("file")
    args = parser.parse_args()
    if args.command == "list":
        for name in case_names():
            spec = load_case(name)
            print(f"{name}: sectorsim {spec['command']} {' '.join(spec['args'])} "
                  f"--threads {spec['threads']}" + (" (interrupted, resumed)"
                                                    if "interrupt" in spec else ""))
        return 0 if case_names() else 1
    if args.command == "digest":
        print("\n".join(digest_lines(args.file)[0]))
        return 0
    if not os.access(args.cli, os.X_OK):
        print(f"regress: {args.cli} is not an executable program")
        return 2
    return cmd_check(args) if args.command == "check" else cmd_update(args)


if __name__ == "__main__":
    sys.exit(main())
