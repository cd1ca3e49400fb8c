"""Headless Chromium over the DevTools protocol, for the browser tests.

Shared by tests/report/check_report.py (the HTML report, ctest
``IoReport.browser``) and tests/serve/check_serve.py (the live what-if page,
ctest ``Serve.browser``): the browser on a pipe (``--remote-debugging-pipe``,
standard library only), a page opened at a given size, scripts evaluated in
it, chart counts, full-page screenshots, the failures its events show
(console errors, uncaught exceptions, requests beyond what the page may
load), and the exit status when Chromium or h5py is missing.
"""

import base64
import contextlib
import importlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


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


@contextlib.contextmanager
def headless(chromium, width, height, domains=("Page", "Network", "Runtime", "Log")):
    """A browser in a profile of its own, its page attached, `domains`
    enabled and the window `width` x `height`; closed and its profile
    removed on leaving. Events from before the page is sized are dropped."""
    profile = tempfile.mkdtemp(prefix="sectorsim-chromium-")
    browser = Browser(chromium, profile)
    try:
        browser.open_page()
        for domain in domains:
            browser.send(f"{domain}.enable")
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        browser.events.clear()
        yield browser
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)


def navigate(browser, url):
    """Loads `url` and waits for its load event."""
    browser.send("Page.navigate", {"url": url})
    browser.wait_for("Page.loadEventFired")


def evaluate(browser, expression, await_promise=False, timeout=120):
    """The value of `expression` in the page (awaited when it is a promise
    and `await_promise`); raises RuntimeError when the script throws."""
    reply = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                              "awaitPromise": await_promise}, timeout=timeout)
    if "exceptionDetails" in reply:
        raise RuntimeError(f"page script failed: {reply['exceptionDetails']}")
    return reply["result"].get("value")


def chart_counts(browser):
    """The page's charts by kind: {data-chart of each svg: how many}."""
    return json.loads(evaluate(
        browser,
        "JSON.stringify(Array.from(document.querySelectorAll('svg[data-chart]'))"
        ".reduce((m, s) => (m[s.dataset.chart] = (m[s.dataset.chart] || 0) + 1, m), {}))"))


def screenshot(browser, path, width=1366, max_height=None):
    """A PNG of the whole page, `width` px wide (at most `max_height` px
    high), written to `path`; returns its bytes and the page's CSS size."""
    metrics = browser.send("Page.getLayoutMetrics")
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    height = size["height"] if max_height is None else min(size["height"], max_height)
    shot = browser.send("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    data = base64.b64decode(shot["data"])
    Path(path).write_bytes(data)
    return data, size


def settle(browser):
    """Waits for a round trip to the page, so that late events (a lazy
    request, a console message) are in browser.events."""
    browser.send("Runtime.evaluate", {"expression": "1"})


def page_failures(events, allowed):
    """What the page's events show went wrong: a request whose URL is not a
    data: URL and not `allowed(url)`, a console error or failed assertion,
    an uncaught exception, an error in the browser's log."""
    failures = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith("data:") and not allowed(url):
                failures.append(f"request to {url}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            failures.append(f"console {params['type']}: "
                            f"{[a.get('value', a.get('description')) for a in params['args']]}")
        elif method == "Runtime.exceptionThrown":
            failures.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            where = f" ({entry['url']})" if entry.get("url") else ""
            failures.append(f"console error: {entry.get('text')}{where}")
    return failures


def missing(what, install):
    """A dependency is missing: never a pass. Says why; returns the exit status:
    1 under CI (CI=true), else 77 (which ctest may count as skipped)."""
    in_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    print(f"{Path(sys.argv[0]).name}: nothing checked: {what}; {install}. "
          + ("CI is set: this is a failure (exit 1)." if in_ci else
             "Exit 77 (a failure under CI=true)."), flush=True)
    return 1 if in_ci else 77


def prerequisites(chromium):
    """The path of the Chromium program `chromium` and None, when it and
    h5py are there; else None and the exit status of missing()."""
    path = shutil.which(chromium)
    if path is None:
        return None, missing(f"no Chromium program '{chromium}'", "apt-get install chromium")
    try:
        importlib.import_module("h5py")
    except ImportError as e:
        return None, missing(f"h5py is not installed for {sys.executable} ({e})",
                             "apt-get install python3-h5py")
    return path, None
