#!/usr/bin/env python3
"""Checks the published-statistics tables in data/*/: every row has the seven
columns region,indicator,year,value,unit,source,note; a year in 1978..2100; a
number for a value; a source that names a document (not our own docs).

Usage: tools/check_data.py [SOURCE_DIR]      (exit 1 and one line per problem)
"""
import csv
import pathlib
import sys

HEADER = ["region", "indicator", "year", "value", "unit", "source", "note"]


def check(path: pathlib.Path) -> list:
    problems = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != HEADER:
        return [f"{path}:1: header is {rows[0] if rows else None}, expected {HEADER}"]
    for line, row in enumerate(rows[1:], start=2):
        where = f"{path}:{line}"
        if len(row) != len(HEADER):
            problems.append(f"{where}: {len(row)} fields, expected {len(HEADER)}")
            continue
        rec = dict(zip(HEADER, row))
        try:
            year = int(rec["year"])
            if not 1978 <= year <= 2100:
                problems.append(f"{where}: year {year} out of range")
        except ValueError:
            problems.append(f"{where}: year '{rec['year']}' is not a whole number")
        if rec["value"].strip():
            try:
                float(rec["value"])
            except ValueError:
                problems.append(f"{where}: value '{rec['value']}' is not a number")
        if not rec["source"].strip():
            problems.append(f"{where}: no source")
        if "docs/" in rec["source"] or "MODEL.md" in rec["source"]:
            problems.append(f"{where}: cites the project's own docs as its source")
    return problems


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    files = sorted(root.glob("data/*/*.csv"))
    problems = [p for f in files for p in check(f)]
    for p in problems:
        print(p)
    print(f"check_data: {len(files)} tables, {len(problems)} problems")
    return 1 if problems or not files else 0


if __name__ == "__main__":
    sys.exit(main())
