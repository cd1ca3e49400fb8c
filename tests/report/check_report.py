#!/usr/bin/env python3
"""Checks the HTML report of a results file in headless Chromium.

Runs the real command line (``--sectorsim``): ``sectorsim compare`` on a
baseline and a policy scenario into one results file, then ``sectorsim
report`` on it (or takes ``--results``/``--report`` as given). It then loads
the report in headless Chromium driven over the DevTools protocol
(``--remote-debugging-pipe``; standard library only) and FAILS on:

* any console error or uncaught exception;
* any request whose URL is neither the report itself nor a ``data:`` URL;
* a chart count that differs from what the results file implies (counted with
  h5py, independently of the C++ reader): per scenario one fan chart per region
  indicator plus one per target on a sector series or relative to a year
  (when the summaries allow it), one target-probability chart, one
  target-difference and one indicator-difference chart per comparison, one
  sector-mix chart;
* Chinese text drawn without a CJK font (missing glyphs).

It saves a full-page screenshot at 1366 px wide and an A4 PDF print, and prints
their paths. Exit status 0 when every check passes, 1 otherwise.
"""

import argparse
import base64
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CJK_FONT = re.compile(r"CJK|Han Sans|Han Serif|YaHei|PingFang|WenQuanYi|Droid Sans Fallback|"
                      r"SimSun|SimHei|Hiragino|Noto Sans SC|Noto Serif SC|AR PL", re.I)
STAT_MIN, STAT_MAX = 2, 8  # in the summaries' stat coordinate


class Browser:
    """Headless Chromium over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, exe, profile):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def attach_pipes():
            # Copy both ends out of the way first: the pipes may themselves be fds 3 and 4.
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        args = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--hide-scrollbars", "--mute-audio",
                f"--user-data-dir={profile}", "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=attach_pipes, close_fds=False,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events = []
        self.session = None

    def _read_message(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=True, timeout=60):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method, timeout=60):
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event["method"] == method:
                return event
        while True:
            event = self._read_message(deadline)
            if "method" in event:
                self.events.append(event)
                if event["method"] == method:
                    return event

    def open_page(self):
        targets = self.send("Target.getTargets", session=False)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": page["targetId"], "flatten": True},
                                 session=False)["sessionId"]

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def expected_charts(results):
    """Chart counts the report of `results` must show, read with h5py."""
    import h5py  # pylint: disable=import-outside-toplevel

    def text(values):
        return [v.decode() if isinstance(v, bytes) else str(v) for v in values]

    expected = {"fan": 0, "target-probabilities": 1, "target-diff": 0, "indicator-diff": 0,
                "sector-mix": 1}
    with h5py.File(results, "r") as f:
        for name, g in f["scenarios"].items():
            summary = g["summary"]
            series = {k: v for k, v in summary.items() if k not in ("stat", "year", "sector")}
            expected["fan"] += sum(1 for v in series.values() if v.ndim == 2)
            years = list(g["year"][:])
            sectors = text(g["sector"][:])
            t = g["targets"]
            for indicator, relative in zip(text(t["indicator"][:]), t["relative_to_year"][:]):
                if "." not in indicator and relative == 0:
                    continue
                base, _, sector = indicator.partition(".")
                if base not in series:
                    continue
                if relative != 0:
                    data = series[base]
                    y = years.index(relative) if relative in years else None
                    if y is None:
                        continue
                    cell = (lambda s: data[s, y, sectors.index(sector)]) if sector else \
                        (lambda s: data[s, y])
                    if not (cell(STAT_MIN) == cell(STAT_MAX) and cell(STAT_MIN) > 0):
                        continue
                expected["fan"] += 1
        comparisons = len(f["comparison"]) if "comparison" in f else 0
        expected["target-diff"] = expected["indicator-diff"] = comparisons
    return expected


def check(args):
    failures = []
    out_dir = Path(args.out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.sectorsim:
        results, report = out_dir / "report-input.h5", out_dir / "report.html"
        subprocess.run([args.sectorsim, "compare", args.baseline, args.scenario, "--draws",
                        str(args.draws), "-o", str(results), "--overwrite", "--quiet"], check=True)
        subprocess.run([args.sectorsim, "report", str(results), "-o", str(report), "--overwrite"],
                       check=True, stdout=subprocess.DEVNULL)
    else:
        results, report = Path(args.results).resolve(), Path(args.report).resolve()
    url = report.as_uri()
    html = report.read_text(encoding="utf-8")
    for banned in ("http://", "https://", "<script", "@import", "url(", "<link", "<img", "<iframe"):
        if banned in html:
            failures.append(f"the report contains '{banned}'")

    profile = tempfile.mkdtemp(prefix="sectorsim-chromium-")
    browser = Browser(args.chromium, profile)
    try:
        browser.open_page()
        for domain in ("Page", "Network", "Runtime", "Log", "DOM", "CSS"):
            browser.send(f"{domain}.enable")
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
        browser.events.clear()
        browser.send("Page.navigate", {"url": url})
        browser.wait_for("Page.loadEventFired")
        counts = json.loads(browser.send("Runtime.evaluate", {
            "expression": "JSON.stringify(Array.from(document.querySelectorAll('svg[data-chart]'))"
                          ".reduce((m, s) => (m[s.dataset.chart] = (m[s.dataset.chart] || 0) + 1,"
                          " m), {}))",
            "returnByValue": True})["result"]["value"])

        # Fonts that drew the first Chinese label.
        root = browser.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = browser.send("DOM.querySelector", {"nodeId": root, "selector": "h2 .zh"})["nodeId"]
        fonts = browser.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"] if node else []
        cjk_fonts = sorted({f["familyName"] for f in fonts})
        if not any(CJK_FONT.search(f["familyName"]) for f in fonts):
            failures.append("Chinese text is not drawn with a CJK font (fonts used: "
                            f"{[f['familyName'] for f in fonts]}); install fonts-noto-cjk")

        metrics = browser.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = browser.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1366, "height": size["height"], "scale": 1}})
        screenshot = out_dir / "report.png"
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        pdf = browser.send("Page.printToPDF", {"preferCSSPageSize": True,
                                               "printBackground": False}, timeout=120)
        pdf_path = out_dir / "report.pdf"
        pdf_path.write_bytes(base64.b64decode(pdf["data"]))
        # Late events (a lazy request) arrive before this answer.
        browser.send("Runtime.evaluate", {"expression": "1"})
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)

    for event in browser.events:
        method, params = event["method"], event.get("params", {})
        if method == "Network.requestWillBeSent":
            request_url = params["request"]["url"]
            if request_url != url and not request_url.startswith("data:"):
                failures.append(f"request to {request_url}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            failures.append(f"console {params['type']}: "
                            f"{[a.get('value', a.get('description')) for a in params['args']]}")
        elif method == "Runtime.exceptionThrown":
            failures.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            failures.append(f"console error: {params['entry'].get('text')} "
                            f"({params['entry'].get('url', '')})")

    expected = expected_charts(results)
    for kind in sorted(set(expected) | set(counts)):
        if counts.get(kind, 0) != expected.get(kind, 0):
            failures.append(f"charts '{kind}': {counts.get(kind, 0)} in the page, "
                            f"expected {expected.get(kind, 0)}")

    print(f"report: {report}")
    print(f"charts: {json.dumps(counts, sort_keys=True)}")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf_path.read_bytes()))
    print(f"page height: {size['height']:.0f} px; pdf pages: {pages}")
    print(f"fonts drawing Chinese text: {', '.join(cjk_fonts) or 'none'}")
    print(f"screenshot: {screenshot}")
    print(f"pdf: {pdf_path}")
    for failure in failures:
        print(f"FAIL: {failure}")
    print("1 passed, 0 failed" if not failures else "0 passed, 1 failed")
    return 0 if not failures else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--sectorsim", help="the sectorsim command line program")
    parser.add_argument("--baseline", help="baseline scenario file (with --sectorsim)")
    parser.add_argument("--scenario", help="policy scenario file (with --sectorsim)")
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--results", help="an existing results file (without --sectorsim)")
    parser.add_argument("--report", help="its report (without --sectorsim)")
    parser.add_argument("--out-dir", required=True, help="where the screenshot and PDF go")
    args = parser.parse_args()
    if not args.sectorsim and not (args.results and args.report):
        parser.error("give --sectorsim, or --results and --report")
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
