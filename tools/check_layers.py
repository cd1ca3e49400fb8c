#!/usr/bin/python3
"""Checks that every project #include respects the layers of docs/architecture.md.

CMake links say which libraries a target may use, but every target shares the
source root as its include directory, so a stray #include of another layer's
header would compile as long as the symbols happened to link. This check makes
the table binding: each folder may include only the folders listed for it.

Usage: tools/check_layers.py [SOURCE_DIR]     (exit 1 and one line per violation)
"""
import pathlib
import re
import sys

# Folder (or file-name pattern within a folder) -> project folders it may include.
# The order of sampling <- spec <- stats <- exec is the engine's core.
RULES = [
    ("engine/sampling/", {"engine/sampling"}),
    ("engine/spec/", {"engine/spec", "engine/sampling"}),
    ("engine/stats/", {"engine/stats", "engine/spec", "engine/sampling"}),
    ("engine/exec/", {"engine/exec", "engine/spec", "engine/sampling"}),
    ("engine/config/", {"engine/config", "engine/spec", "engine/sampling"}),
    ("engine/io/", {"engine/io", "engine/spec", "engine/stats", "engine/sampling"}),
    # The report reads results files through the io reader's public headers only.
    ("engine/report/", {"engine/report", "engine/io/results_reader.hpp", "engine/io/format.hpp",
                        "engine/io/atomic_file.hpp", "engine/io/sensitivity_io.hpp",
                        "engine/io/discover_io.hpp",
                        "engine/spec", "engine/stats", "engine/sampling"}),
    ("engine/parallel/", {"engine/parallel", "engine/exec"}),
    ("engine/run/", {"engine/run", "engine/exec", "engine/stats", "engine/spec", "engine/sampling",
                     "engine/io", "models/registry.hpp"}),
    # Sensitivity evaluates any model: the registry makes it, the runner's
    # transformation turns the design's uniforms into its inputs.
    ("engine/analysis/sensitivity", {"engine/analysis", "engine/run", "engine/exec",
                                     "engine/stats", "engine/spec", "engine/sampling",
                                     "models/registry.hpp"}),
    # Discovery and optimisation run any model's draws: the registry makes
    # it, the runner gives each draw's parameters (discover) and values.
    ("engine/analysis/discover", {"engine/analysis", "engine/run", "engine/exec", "engine/stats",
                                  "engine/spec", "engine/sampling", "models/registry.hpp"}),
    ("engine/analysis/optimise", {"engine/analysis", "engine/run", "engine/exec", "engine/stats",
                                  "engine/spec", "engine/sampling", "models/registry.hpp"}),
    ("engine/analysis/", {"engine/analysis", "engine/run", "engine/stats", "engine/spec",
                          "engine/sampling"}),
    # The what-if server (sectorsim serve): runs in memory, draws the report's
    # charts, writes a changed mix as a scenario file, finds the model's levers.
    ("engine/serve/", {"engine/serve", "engine/run", "engine/config", "engine/report",
                       "engine/spec", "engine/stats", "engine/sampling", "models/registry.hpp"}),
    # A model's reader and the registry use the config layer's toolkit; the
    # model itself sees the spec and the samplers only.
    ("models/registry", {"models", "engine/config", "engine/spec", "engine/sampling"}),
    # Evaluates any model at its priors' tails: the model interface only.
    ("models/prior_tails", {"models/prior_tails.hpp", "engine/spec", "engine/sampling"}),
    ("models/*/*_reader", {"models/{self}", "engine/config", "engine/spec", "engine/sampling"}),
    ("models/*/", {"models/{self}", "engine/spec", "engine/sampling"}),
]

INCLUDE = re.compile(r'^\s*#\s*include\s+"((?:engine|models|apps)/[^"]+)"', re.M)


def rule_for(rel: str):
    for pattern, allowed in RULES:
        if pattern.startswith("models/*/"):
            parts = rel.split("/")
            if len(parts) < 3 or parts[0] != "models":
                continue
            if pattern.endswith("_reader") and not parts[-1].split(".")[0].endswith("_reader"):
                continue
            return {a.replace("{self}", parts[1]) for a in allowed}
        if rel.startswith(pattern):
            return allowed
    return None


def allowed(include: str, rules) -> bool:
    return any(include == r or include.startswith(r.rstrip("/") + "/") for r in rules)


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    bad = []
    checked = 0
    for path in sorted(list(root.glob("engine/**/*.[ch]pp")) + list(root.glob("models/**/*.[ch]pp"))):
        rel = path.relative_to(root).as_posix()
        rules = rule_for(rel)
        if rules is None:
            bad.append(f"{rel}: no layer rule covers this file (add one to tools/check_layers.py)")
            continue
        text = path.read_text(encoding="utf-8")
        for m in INCLUDE.finditer(text):
            checked += 1
            if not allowed(m.group(1), rules):
                line = text.count("\n", 0, m.start()) + 1
                bad.append(f"{rel}:{line}: includes {m.group(1)}, outside its layer "
                           f"(allowed: {', '.join(sorted(rules))})")
    for b in bad:
        print(b)
    if checked == 0:
        print("check_layers: no include was checked (wrong source directory?)")
        return 1
    print(f"check_layers: {checked} includes checked, {len(bad)} outside their layer")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
