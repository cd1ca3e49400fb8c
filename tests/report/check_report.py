#!/usr/bin/env python3
"""Checks the HTML report of a results file in headless Chromium.

Runs the real command line (``--sectorsim``): ``sectorsim compare`` on a
baseline and a policy scenario into one results file, and ``sectorsim run``
of ``plan-2030.yaml`` (beside this script: the plan with a 2030 horizon, a
single run without comparisons), then ``sectorsim report`` on each (or takes
``--results``/``--report`` as given). It loads each report in headless
Chromium driven over the DevTools protocol (tests/browser/devtools.py,
shared with tests/serve/check_serve.py: ``--remote-debugging-pipe``;
standard library only) and FAILS on:

* any console error or uncaught exception;
* any request whose URL is neither the report itself nor a ``data:`` URL;
* a chart count that differs from what the results file implies (counted with
  h5py, independently of the C++ reader): per scenario one fan chart per
  per-year series plus one per target on a sector series or relative to a
  year (when the summaries allow it), one target-probability chart when any
  scenario has targets, per comparison one target-difference chart (when it
  has targets) and one per-year-series difference chart, one sector chart per
  by-sector series (when the scenarios have sectors);
* a section with nothing in it (an ``.empty`` placeholder), and in particular
  a "Differences" section or a link to one in a file without comparisons
  (issue #19);
* at 1366 and 1024 px: the page wider than the window, or a table wider than
  the page that does not scroll sideways in its own box with its target
  column sticky (issue #19: the probability-by-year table of a 2030 horizon
  ran off a 1366 px screen; it now fits there, and scrolls at 1024 px);
* printed (print media on an A4 page less its 12 mm margins, 703 px): a
  table wider than the page, or a cell whose text runs out of it (issue #19:
  the table was cut);
* in a fan chart, a threshold label whose box meets the median (its line,
  sampled every unit, or a dot), another label, or the edge of the chart
  (issue #19: a target label overlapped the median);
* Chinese text drawn without a CJK font (missing glyphs).

It saves a full-page screenshot at 1366 px wide and an A4 PDF print of each
report, and prints their paths. Exit status 0 when every check passes, 1
otherwise.
"""

import argparse
import base64
import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "browser"))
# pylint: disable=wrong-import-position
from devtools import (chart_counts, evaluate, headless, navigate, page_failures,  # noqa: E402
                      prerequisites, screenshot, settle)

CJK_FONT = re.compile(r"CJK|Han Sans|Han Serif|YaHei|PingFang|WenQuanYi|Droid Sans Fallback|"
                      r"SimSun|SimHei|Hiragino|Noto Sans SC|Noto Serif SC|AR PL", re.I)
STAT_MIN, STAT_MAX = 2, 8  # in the summaries' stat coordinate


def expected_charts(results):
    """Chart counts the report of `results` must show, read with h5py."""
    import h5py  # pylint: disable=import-outside-toplevel

    def text(values):
        return [v.decode() if isinstance(v, bytes) else str(v) for v in values]

    expected = {"fan": 0, "target-probabilities": 0, "target-diff": 0, "indicator-diff": 0,
                "sector-mix": 0}
    sector_ids, sector_series = None, []
    with h5py.File(results, "r") as f:
        for _, g in f["scenarios"].items():
            summary = g["summary"]
            series = {k: v for k, v in summary.items() if k not in ("stat", "year", "sector")}
            expected["fan"] += sum(1 for v in series.values() if v.ndim == 2)
            years = list(g["year"][:])
            sectors = text(g["sector"][:])
            # Sector charts: the by-sector series of the scenarios with the
            # sectors of the first one that has any.
            if sectors and years and sector_ids in (None, sectors):
                sector_ids = sectors
                sector_series += [k for k, v in series.items()
                                  if v.ndim == 3 and k not in sector_series]
            t = g["targets"]
            if len(t["id"]) > 0:
                expected["target-probabilities"] = 1
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
        expected["sector-mix"] = len(sector_series)
        for _, c in (f["comparison"].items() if "comparison" in f else []):
            expected["target-diff"] += 1 if len(c["targets"]["id"]) > 0 else 0
            expected["indicator-diff"] += 1 if any(
                v.ndim == 2 for k, v in c["diff"].items()
                if k not in ("diff_stat", "year", "sector")) else 0
    return expected


# Runs in the page: the layout failures at the current width and media, and
# how many tables scroll sideways.
# Tables: the page must not be wider than the window; a table wider than
# <main>'s content box must sit in a box that scrolls sideways (overflow-x
# auto or scroll), inside <main>, with its target column sticky. Print: no
# table wider than <main>, no cell whose content overflows it.
LAYOUT_JS = r"""
(() => {
  const failures = [];
  let scrolled = 0;
  const print = matchMedia('print').matches;
  const main = document.querySelector('main');
  const m = main.getBoundingClientRect(), ms = getComputedStyle(main);
  const right = m.right - parseFloat(ms.paddingRight) + 0.5;
  const page = document.documentElement.scrollWidth;
  if (page > window.innerWidth + 0.5)
    failures.push(`the page is ${page} px wide in a ${window.innerWidth} px window`);
  for (const table of document.querySelectorAll('main table')) {
    const name = table.className || 'table';
    const t = table.getBoundingClientRect();
    if (print) {
      if (t.right > right)
        failures.push(`print: table.${name} is ${Math.round(t.right - right)} px wider ` +
                      `than the page`);
      for (const cell of table.querySelectorAll('th, td')) {
        if (cell.scrollWidth > cell.clientWidth + 1) {
          failures.push(`print: a cell of table.${name} is cut or spills ` +
                        `(${cell.scrollWidth} px of content in ${cell.clientWidth} px): ` +
                        cell.textContent.trim().slice(0, 40));
          break;
        }
      }
      continue;
    }
    if (t.right <= right) continue;
    ++scrolled;
    const box = table.closest('.scroll');
    const overflow = box ? getComputedStyle(box).overflowX : 'none';
    if (!box || !['auto', 'scroll'].includes(overflow)) {
      failures.push(`table.${name} is ${Math.round(t.right - right)} px wider than the page ` +
                    `and does not scroll (overflow-x: ${overflow})`);
      continue;
    }
    const b = box.getBoundingClientRect();
    if (b.right > right)
      failures.push(`the scrolling box of table.${name} runs ${Math.round(b.right - right)} px ` +
                    `past the page`);
    if (box.scrollWidth < Math.floor(t.width))
      failures.push(`table.${name} cannot be scrolled to its end`);
    for (const th of table.querySelectorAll('th.target')) {
      if (getComputedStyle(th).position !== 'sticky') {
        failures.push(`the target column of table.${name} is not sticky`);
        break;
      }
    }
  }
  return {failures, scrolled};
})()
"""

# Runs in the page: threshold labels of fan charts against the median.
LABELS_JS = r"""
(() => {
  const failures = [];
  const meets = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width &&
                          a.y < b.y + b.height && b.y < a.y + a.height;
  let labels = 0;
  for (const svg of document.querySelectorAll('svg[data-chart="fan"]')) {
    const title = svg.querySelector('title').textContent;
    const view = svg.viewBox.baseVal;
    const median = svg.querySelector('path.median');
    const points = [];
    if (median) {
      const length = median.getTotalLength();
      for (let s = 0; s <= length; s += 1) points.push(median.getPointAtLength(s));
    }
    const dots = Array.from(svg.querySelectorAll('circle.dot'), c => c.getBBox());
    const boxes = [];
    for (const label of svg.querySelectorAll('text.threshold-label')) {
      ++labels;
      const b = label.getBBox(), what = `${title}: label "${label.textContent}"`;
      if (points.some(p => p.x > b.x && p.x < b.x + b.width && p.y > b.y && p.y < b.y + b.height))
        failures.push(`${what} overlaps the median line`);
      if (dots.some(d => meets(b, d))) failures.push(`${what} overlaps a median dot`);
      if (boxes.some(o => meets(b, o))) failures.push(`${what} overlaps another label`);
      if (b.x < 0 || b.y < 0 || b.x + b.width > view.width || b.y + b.height > view.height)
        failures.push(`${what} runs off the chart`);
      boxes.push(b);
    }
  }
  return {failures, labels};
})()
"""


def check_page(args, name, results, report, out_dir, comparisons_expected):
    """Loads `report` and checks it; returns the failures, each naming `name`."""
    failures = []
    url = report.as_uri()
    html = report.read_text(encoding="utf-8")
    for banned in ("http://", "https://", "<script", "@import", "url(", "<link", "<img", "<iframe"):
        if banned in html:
            failures.append(f"the report contains '{banned}'")

    with headless(args.chromium, 1366, 768,
                  ("Page", "Network", "Runtime", "Log", "DOM", "CSS")) as browser:
        navigate(browser, url)
        counts = chart_counts(browser)

        # Fonts that drew the first Chinese label.
        root = browser.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = browser.send("DOM.querySelector", {"nodeId": root, "selector": "h2 .zh"})["nodeId"]
        fonts = browser.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"] if node else []
        cjk_fonts = sorted({f["familyName"] for f in fonts})
        if not any(CJK_FONT.search(f["familyName"]) for f in fonts):
            failures.append("Chinese text is not drawn with a CJK font (fonts used: "
                            f"{[f['familyName'] for f in fonts]}); install fonts-noto-cjk")

        # Sections with nothing to show, and the Differences section.
        sections = evaluate(browser, """({
            empty: Array.from(document.querySelectorAll('.empty'), e => e.textContent.slice(0, 80)),
            comparison: !!document.getElementById('comparison'),
            link: !!document.querySelector('a[href="#comparison"]'),
            differences: document.body.innerText.includes('Differences against the baseline')})""")
        for text in sections["empty"]:
            failures.append(f"an empty placeholder: {text}")
        if not comparisons_expected and (sections["comparison"] or sections["link"]
                                         or sections["differences"]):
            failures.append("a Differences section (or a link to one) in a file without "
                            "comparisons")
        if comparisons_expected and not sections["comparison"]:
            failures.append("no Differences section in a file with comparisons")

        labels = evaluate(browser, LABELS_JS)
        failures += labels["failures"]
        # The layout at 1366 px, and at 1024 px, where a table of many years
        # no longer fits and must scroll.
        scrolling = {}
        for width in (1024, 1366):
            browser.send("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": 768, "deviceScaleFactor": 1, "mobile": False})
            layout = evaluate(browser, LAYOUT_JS)
            failures += [f"at {width} px: {failure}" for failure in layout["failures"]]
            scrolling[width] = layout["scrolled"]

        shot = out_dir / f"{name}.png"
        _, size = screenshot(browser, shot)

        # Print: the layout at the width of an A4 page less its margins
        # (210 - 2 x 12 mm at 96 px an inch), then the PDF itself.
        browser.send("Emulation.setEmulatedMedia", {"media": "print"})
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 703, "height": 1032, "deviceScaleFactor": 1, "mobile": False})
        failures += evaluate(browser, LAYOUT_JS)["failures"]
        browser.send("Emulation.setEmulatedMedia", {"media": ""})
        browser.send("Emulation.clearDeviceMetricsOverride")
        pdf = browser.send("Page.printToPDF", {"preferCSSPageSize": True,
                                               "printBackground": False}, timeout=120)
        pdf_path = out_dir / f"{name}.pdf"
        pdf_path.write_bytes(base64.b64decode(pdf["data"]))
        settle(browser)  # late events (a lazy request) arrive before this answer
    failures += page_failures(browser.events, lambda request: request == url)

    expected = expected_charts(results)
    for kind in sorted(set(expected) | set(counts)):
        if counts.get(kind, 0) != expected.get(kind, 0):
            failures.append(f"charts '{kind}': {counts.get(kind, 0)} in the page, "
                            f"expected {expected.get(kind, 0)}")

    print(f"[{name}] report: {report}")
    print(f"[{name}] charts: {json.dumps(counts, sort_keys=True)}; "
          f"threshold labels checked: {labels['labels']}; tables scrolling sideways: "
          + ", ".join(f"{n} at {w} px" for w, n in scrolling.items()))
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf_path.read_bytes()))
    print(f"[{name}] page height: {size['height']:.0f} px; pdf pages: {pages}")
    print(f"[{name}] fonts drawing Chinese text: {', '.join(cjk_fonts) or 'none'}")
    print(f"[{name}] screenshot: {shot}")
    print(f"[{name}] pdf: {pdf_path}")
    return [f"[{name}] {failure}" for failure in failures]


def has_comparisons(results):
    import h5py  # pylint: disable=import-outside-toplevel
    with h5py.File(results, "r") as f:
        return "comparison" in f and len(f["comparison"]) > 0


def check(args):
    out_dir = Path(args.out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = []  # name, results, report
    if args.sectorsim:
        def report_of(name, run_args):
            results, report = out_dir / f"{name}.h5", out_dir / f"{name}.html"
            subprocess.run([args.sectorsim, *run_args, "--draws", str(args.draws), "-o",
                            str(results), "--overwrite", "--quiet"], check=True)
            subprocess.run([args.sectorsim, "report", str(results), "-o", str(report),
                            "--overwrite"], check=True, stdout=subprocess.DEVNULL)
            pages.append((name, results, report))

        report_of("report", ["compare", args.baseline, args.scenario])
        report_of("report-2030", ["run", str(Path(__file__).resolve().parent / "plan-2030.yaml")])
    else:
        pages.append(("report", Path(args.results).resolve(), Path(args.report).resolve()))
    failures = []
    for name, results, report in pages:
        failures += check_page(args, name, results, report, out_dir, has_comparisons(results))
    for failure in failures:
        print(f"FAIL: {failure}")
    print("1 passed, 0 failed" if not failures else "0 passed, 1 failed")
    return 0 if not failures else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chromium", default="chromium")
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
    args.chromium, status = prerequisites(args.chromium)  # h5py: read by expected_charts()
    if status is not None:
        return status
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
