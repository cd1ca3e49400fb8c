#!/usr/bin/env python3
"""Checks the live what-if page of ``sectorsim serve`` in headless Chromium.

Starts ``sectorsim serve`` on a free port (``--port 0``; the address is read
from what it prints), loads the page in headless Chromium driven over the
DevTools protocol (tests/browser/devtools.py, shared with
tests/report/check_report.py: ``--remote-debugging-pipe``, standard library
only), moves levers with real mouse input (the land total and the finance
share of the funds), and FAILS on:

* any console error or uncaught exception, or any request to anything but
  the server itself (``http://127.0.0.1:PORT/``) or a ``data:`` URL;
* charts missing from the page before or after the move (the report's fan
  charts, target probabilities and differences, drawn by the server), or
  charts and target probabilities that did not change with the levers;
* target probabilities and paired differences on the page that differ, in
  any bit, from those of ``sectorsim compare`` run on the scenario file the
  page's "Save as scenario" gives, with the same seed and draws (read from
  the results file with h5py);
* a redraw (performance.now() around the page's update, layout included)
  slower than --max-redraw-ms (200) at the median.

It keeps a screenshot before and after the move (1366 px wide), checks that
each is a PNG of that width with more than a few colours, that they differ,
prints their paths, the redraw and server times, and stops the server itself
(SIGTERM; it must exit 0). Exit status 0 when every check passes, 1
otherwise, 77 (skipped; 1 under CI=true) without Chromium or h5py.
"""

import argparse
import base64
import json
import re
import signal
import statistics
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "browser"))
# pylint: disable=wrong-import-position
from devtools import (chart_counts, evaluate, headless, navigate, page_failures,  # noqa: E402
                      prerequisites, screenshot, settle)


def start_server(args):
    proc = subprocess.Popen([args.sectorsim, "serve", args.scenarios, "--port", "0", "--draws",
                             str(args.draws), "--seed", str(args.seed)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if m:
            return proc, m.group(0), lines
    proc.kill()
    raise RuntimeError("sectorsim serve printed no address:\n" + "".join(lines))


def png_info(data):
    """Width, height and number of distinct sampled pixels of an 8-bit RGB(A) PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat, width, height, colour = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, _, colour = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    channels = 4 if colour == 6 else 3
    stride = 1 + width * channels
    seen = set()
    for row in range(0, height, max(1, height // 60)):
        line = raw[row * stride + 1:(row + 1) * stride]  # filtered bytes: a rough sample
        for x in range(0, len(line) - channels, channels * 37):
            seen.add(line[x:x + channels])
    return width, height, len(seen)


def click_at_fraction(browser, selector, fraction):
    """A real mouse click on the slider `selector` at `fraction` of its width."""
    box = evaluate(browser, f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                            "e.scrollIntoView({block: 'center'});"
                            "const r = e.getBoundingClientRect();"
                            "return {x: r.left, y: r.top, w: r.width, h: r.height}; })()")
    x, y = box["x"] + fraction * box["w"], box["y"] + box["h"] / 2
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        browser.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                  "clickCount": 1})


def page_numbers(browser):
    return evaluate(browser, "(() => { const r = window.sectorsim.state.last; return {"
                             "name: r.name, seed: r.seed, draws: r.draws, targets: r.targets,"
                             "mix_svg: document.getElementById('chart-mix').innerHTML,"
                             "levers: r.levers}; })()")


def check(args):
    out_dir = Path(args.out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    failures = []
    proc, url, _ = start_server(args)
    origin = url.rstrip("/")
    try:
        with headless(args.chromium, 1366, 900) as browser:
            navigate(browser, url)
            evaluate(browser, "new Promise(r => { const w = () => window.sectorsim ? "
                              "window.sectorsim.idle().then(r) : setTimeout(w, 20); w(); })", True)
            before = page_numbers(browser)
            counts_before = chart_counts(browser)
            shot_before, _ = screenshot(browser, out_dir / "serve-before.png", max_height=6000)

            # Move the levers: land released (its total), its first year's share,
            # and the funds' share to finance, each move drawn before the next.
            moves = [("#lever-land-total", 0.6), ("#lever-land-total", 0.9),
                     (f"#lever-land-year-{args.first_year}", 0.2),
                     ("#lever-funds-sector-finance", 0.95), ("#lever-land-total", 0.75)]
            for selector, fraction in moves:
                click_at_fraction(browser, selector, fraction)
                time.sleep(0.05)
                evaluate(browser, "window.sectorsim.idle()", True)
            after = page_numbers(browser)
            counts_after = chart_counts(browser)
            timings = evaluate(browser, "window.sectorsim.state.timings")
            shot_after, _ = screenshot(browser, out_dir / "serve-after.png", max_height=6000)
            evaluate(browser, "window.scrollTo(0, 0)")
            view = browser.send("Page.captureScreenshot", {"format": "png"})
            (out_dir / "serve-viewport.png").write_bytes(base64.b64decode(view["data"]))
            saved = evaluate(browser, "window.sectorsim.scenarioFile()", True)
            settle(browser)  # late events arrive before this answer
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            status = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = "killed after 30 s"
        rest = proc.stdout.read()
    if status != 0:
        failures.append(f"the server did not stop cleanly on SIGTERM: {status}; {rest}")
    elif "sectorsim serve: stopped" not in rest:
        failures.append(f"the server did not say it stopped: {rest!r}")
    failures += page_failures(browser.events, lambda request: request.startswith(origin + "/"))

    for name, counts in (("before", counts_before), ("after", counts_after)):
        for kind, least in (("fan", 2), ("target-probabilities", 1), ("target-diff", 1),
                            ("indicator-diff", 1)):
            if counts.get(kind, 0) < least:
                failures.append(f"{name} the move: {counts.get(kind, 0)} '{kind}' charts")
    if before["mix_svg"] == after["mix_svg"]:
        failures.append("the fan charts did not change with the levers")
    if [t["mix"] for t in before["targets"]] == [t["mix"] for t in after["targets"]]:
        failures.append("no target probability changed with the levers")
    land_before = next(l for l in before["levers"] if l["key"] == "land")["total"]
    land_after = next(l for l in after["levers"] if l["key"] == "land")["total"]
    if land_after <= land_before:
        failures.append(f"the land total did not rise ({land_before} -> {land_after})")

    # The saved mix through the command line: the same numbers, bit for bit.
    yaml_path = out_dir / saved["name"]
    yaml_path.write_text(saved["text"], encoding="utf-8")
    results = out_dir / "serve-compare.h5"
    subprocess.run([args.sectorsim, "compare", args.baseline, str(yaml_path), "--seed",
                    str(after["seed"]), "--draws", str(after["draws"]), "-o", str(results),
                    "--overwrite", "--quiet"], check=True)
    import h5py  # pylint: disable=import-outside-toplevel
    with h5py.File(results, "r") as f:
        group = f[f"comparison/{after['name']}/targets"]
        ids = [i.decode() if isinstance(i, bytes) else i for i in group["id"][()]]
        cli = {ids[k]: {"mix": float(group["scenario_probability"][k]),
                        "baseline": float(group["baseline_probability"][k]),
                        "diff": float(group["diff"][k]), "low": float(group["paired_low"][k]),
                        "high": float(group["paired_high"][k])} for k in range(len(ids))}
    compared = 0
    for t in after["targets"]:
        c = cli.get(t["id"])
        if c is None:
            failures.append(f"target {t['id']} is not in the command line's results")
            continue
        page = {"mix": t["mix"]["p"], "baseline": t["baseline"]["p"],
                "diff": t["difference"]["diff"], "low": t["difference"]["low"],
                "high": t["difference"]["high"]}
        for key, value in page.items():
            compared += 1
            if value != c[key]:
                failures.append(f"target {t['id']} {key}: page {value!r}, sectorsim compare {c[key]!r}")

    for name, data in (("before", shot_before), ("after", shot_after)):
        info = png_info(data)
        if info is None or info[0] != 1366 or info[1] < 600 or info[2] < 8:
            failures.append(f"screenshot {name}: not a full page ({info})")
    if shot_before == shot_after:
        failures.append("the screenshots before and after the move are the same")

    # The moves' redraws (the first draw, at the page's load, is left out).
    redraw = [t["redraw_ms"] for t in timings[1:]]
    server = [t["server_ms"] for t in timings[1:]]
    if not redraw:
        failures.append("no redraw was timed")
    elif statistics.median(redraw) > args.max_redraw_ms:
        failures.append(f"redraw median {statistics.median(redraw):.1f} ms > {args.max_redraw_ms} ms")

    print(f"page: {url} ({after['draws']} draws, seed {after['seed']})")
    print(f"charts after the move: {json.dumps(counts_after, sort_keys=True)}")
    print(f"target numbers compared with sectorsim compare: {compared}")
    if redraw:
        print(f"redraw ms (performance.now() around the update, layout included): "
              f"{', '.join(f'{v:.1f}' for v in redraw)} (median {statistics.median(redraw):.1f}, "
              f"max {max(redraw):.1f}); server ms: {', '.join(f'{v:.0f}' for v in server)}")
    print(f"screenshots: {out_dir / 'serve-before.png'} {out_dir / 'serve-after.png'} "
          f"{out_dir / 'serve-viewport.png'} "
          f"({png_info(shot_before)[:2]}, {png_info(shot_after)[:2]})")
    print(f"saved scenario: {yaml_path}")
    for failure in failures:
        print(f"FAIL: {failure}")
    print("1 passed, 0 failed" if not failures else "0 passed, 1 failed")
    return 0 if not failures else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--sectorsim", required=True)
    parser.add_argument("--scenarios", required=True, help="folder or file given to serve")
    parser.add_argument("--baseline", required=True, help="the baseline's scenario file")
    parser.add_argument("--draws", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=20221014)
    parser.add_argument("--first-year", type=int, default=2023, help="first year of the levers")
    parser.add_argument("--max-redraw-ms", type=float, default=200)
    parser.add_argument("--out-dir", required=True, help="where the screenshots go")
    args = parser.parse_args()
    args.chromium, status = prerequisites(args.chromium)
    if status is not None:
        return status
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
