"""Open an HTML file in headless Chromium and report what a person would see: whether every
image decoded, what the console logged as errors, and a PNG screenshot.

Talks the Chrome DevTools Protocol over `--remote-debugging-pipe` (fd 3 in, fd 4 out,
NUL-terminated JSON), so it needs nothing beyond the `chromium` binary (Debian's package,
installed by .ci/run).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_LOG = None if os.environ.get("AEKIT_CHROMIUM_LOG") else subprocess.DEVNULL
BINARIES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_chromium() -> str | None:
    return next((p for p in map(shutil.which, BINARIES) if p), None)


@dataclass
class PageCheck:
    images: list[dict[str, Any]]  # one per <img>: src prefix, complete, naturalWidth
    console_errors: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    title: str = ""

    @property
    def broken_images(self) -> list[dict[str, Any]]:
        return [i for i in self.images if not i["complete"] or i["naturalWidth"] <= 0]


class _Pipe:
    def __init__(self, proc: subprocess.Popen, w: int, r: int):
        self.proc, self.w, self.r = proc, w, r
        self.buf = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self.r], [], [], left)
            if ready:
                chunk = os.read(self.r, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium exited (code {self.proc.poll()})")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method: str, session: str | None = None, timeout: float = 30, **params):
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            e = self._read_message(deadline)
            if e.get("method") == method:
                return e
            self.events.append(e)


def check_page(
    path: str | Path, width: int = 1280, height: int = 1600, timeout: float = 60
) -> PageCheck:
    """Load `path` from disk, wait for the load event, and inspect it."""
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError("no Chromium found (apt-get install chromium)")
    url = Path(path).resolve().as_uri()
    cmd_r, cmd_w = os.pipe()  # we write commands; Chromium reads them on fd 3
    out_r, out_w = os.pipe()  # Chromium writes replies on fd 4; we read them

    def child_fds() -> None:
        # copy both ends above 9 first, so neither copy lands on 3 or 4 (dup2 onto the same
        # number is a no-op that keeps close-on-exec), then place them; dup2 makes them inheritable
        a = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
        b = fcntl.fcntl(out_w, fcntl.F_DUPFD, 10)
        os.dup2(a, 3)
        os.dup2(b, 4)

    # helpers Chromium leaves behind may still write to the profile as it is removed; their
    # leftovers must not fail the check (they are killed with the browser's session below)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-pipe", f"--user-data-dir={profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=_LOG,
            preexec_fn=child_fds, close_fds=False, start_new_session=True,
        )  # fmt: skip
        os.close(cmd_r)
        os.close(out_w)
        pipe = _Pipe(proc, cmd_w, out_r)
        try:
            target = pipe.call("Target.createTarget", url="about:blank", timeout=timeout)
            s = pipe.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)
            sid = s["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                pipe.call(f"{domain}.enable", session=sid)
            pipe.call("Emulation.setDeviceMetricsOverride", session=sid, width=width,
                      height=height, deviceScaleFactor=1, mobile=False)  # fmt: skip
            pipe.call("Page.navigate", session=sid, url=url)
            pipe.wait_event("Page.loadEventFired", timeout=timeout)
            js = (
                "JSON.stringify({title: document.title, images: Array.from(document.images)"
                ".map(i => ({src: i.src.slice(0, 40), complete: i.complete,"
                " naturalWidth: i.naturalWidth}))})"
            )
            res = pipe.call("Runtime.evaluate", session=sid, expression=js, returnByValue=True)
            page = json.loads(res["result"]["value"])
            shot = pipe.call("Page.captureScreenshot", session=sid, format="png")
            errors = [_error_text(e) for e in pipe.events if _is_error(e)]
            return PageCheck(page["images"], errors, base64.b64decode(shot["data"]), page["title"])
        finally:
            os.close(cmd_w)
            os.close(out_r)
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Stop Chromium and every helper process of its session (renderer, GPU, crash handler):
    the browser on its own may exit before its helpers do. SIGTERM first, then SIGKILL for
    whatever of the session is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:  # the whole session is gone
            break
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            continue
    proc.wait()


def _is_error(e: dict[str, Any]) -> bool:
    m, p = e.get("method"), e.get("params", {})
    return (
        m == "Runtime.exceptionThrown"
        or (m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"))
        or (m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error")
    )


def _error_text(e: dict[str, Any]) -> str:
    p = e.get("params", {})
    if "entry" in p:
        return p["entry"].get("text", "")
    if "exceptionDetails" in p:
        return p["exceptionDetails"].get("text", "")
    return " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
