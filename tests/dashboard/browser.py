"""Headless Chromium (Debian's `chromium`) driven over the DevTools protocol: open a page, wait on a condition, shoot.

`--dump-dom` with `--virtual-time-budget` does not wait for a marimo app: its cells arrive over a websocket after
the page loads. So the test polls the live DOM with `Runtime.evaluate` until the charts are drawn, then takes the
screenshot. Every host but 127.0.0.1 fails to resolve, and every request is recorded, so a test can prove that the
page rendered without the internet.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO, Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    # Only the local server is reachable: a CDN fetch fails here just as it would offline.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


# The page's text including what web components (marimo's outputs, tables) render inside their shadow roots.
DEEP_TEXT = """(() => {
  const roots = [document];
  let text = document.body ? document.body.innerText : '';
  while (roots.length) {
    const root = roots.pop();
    for (const element of root.querySelectorAll('*')) { if (element.shadowRoot) roots.push(element.shadowRoot); }
    if (root !== document) text += '\\n' + root.textContent;
  }
  return text;
})()"""


def find_chromium() -> str | None:
    """Debian's `chromium` (or another Chromium-family binary on PATH), else None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if path := shutil.which(name):
            return path
    return None


class Browser:
    """One headless Chromium with a fresh profile, and a DevTools session on its first page."""

    def __init__(self, executable: str, profile_dir: Path, *, width: int = 1280, height: int = 900) -> None:
        self._process = subprocess.Popen(
            [
                executable,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile_dir}",
                f"--window-size={width},{height}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self._ids = itertools.count(1)
        self._session = contextlib.ExitStack()
        self.requested_urls: list[str] = []
        try:
            debugger_port = self._wait_for_devtools()
            self._socket = self._session.enter_context(self._attach_to_page(debugger_port))
            self._set_viewport(width, height)
            self.call("Network.enable")
            self.call("Page.enable")
        except BaseException:
            self.close()
            raise

    def _wait_for_devtools(self) -> int:
        """Chromium prints `DevTools listening on ws://127.0.0.1:<port>/...` on stderr once it accepts sessions.

        A thread keeps reading stderr for the browser's whole life, so a full pipe never stalls Chromium.
        """
        assert self._process.stderr is not None
        ports: queue.Queue[int | None] = queue.Queue()
        self._stderr_tail: list[str] = []

        def drain(stream: IO[str]) -> None:
            for line in stream:
                self._stderr_tail = [*self._stderr_tail[-19:], line]
                if match := re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line):
                    ports.put(int(match.group(1)))
            ports.put(None)

        threading.Thread(target=drain, args=(self._process.stderr,), daemon=True).start()
        port = ports.get(timeout=60)
        if port is None:
            raise RuntimeError("chromium exited before DevTools came up:\n" + "".join(self._stderr_tail))
        return port

    def _attach_to_page(self, debugger_port: int) -> ClientConnection:
        with urllib.request.urlopen(f"http://127.0.0.1:{debugger_port}/json/list", timeout=10) as response:
            targets = json.load(response)
        page = next(target for target in targets if target["type"] == "page")
        return connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and return its result; events that arrive meanwhile are recorded."""
        message_id = next(self._ids)
        self._socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=60))
            if message.get("method") == "Network.requestWillBeSent":
                self.requested_urls.append(message["params"]["request"]["url"])
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def _set_viewport(self, width: int, height: int) -> None:
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, *, timeout: float, poll: float = 0.25) -> Any:
        """Poll a JavaScript expression until it is truthy (the condition we wait on), or fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"page never satisfied {expression!r} within {timeout:.0f}s")
            time.sleep(poll)  # the polling interval of the condition above, not a wait standing in for it

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        """A PNG of the page; `full_page` grows the viewport to the tallest scrolling box (marimo scrolls in one)."""
        if full_page:
            width, height = self.evaluate(
                "[document.documentElement.clientWidth, Math.max(...[...document.querySelectorAll('*')]"
                ".map((element) => element.scrollHeight))]"
            )
            self._set_viewport(width, height)
            self.evaluate("new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))")
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self._session.close()
        if self._process.poll() is None:
            os.killpg(self._process.pid, 15)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, 9)
                self._process.wait()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
