"""A headless Chromium driven over the DevTools protocol (stdlib only).

Opens a page and reports what a person would not see but a test must:
uncaught exceptions, console errors, browser log errors (CSP violations
among them), every network request, JavaScript dialogs. The websocket
client is the minimum the protocol needs: text frames, masking, lengths
up to 64 bits, fragments, ping and close.
"""

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request

CHROMIUM = os.environ.get("BW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


class BrowserError(Exception):
    pass


class WebSocket:
    def __init__(self, url, timeout):
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key))
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise BrowserError("websocket handshake: connection closed")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise BrowserError("websocket handshake refused: %r" % status)
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise BrowserError("websocket closed by the browser")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send_frame(self, opcode, payload):
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def send(self, text):
        self._send_frame(0x1, text.encode())

    def recv(self):
        """The next text message (fragments joined); pings answered."""
        parts = []
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x9:
                self._send_frame(0xA, data)
                continue
            if opcode == 0x8:
                raise BrowserError("websocket closed by the browser")
            if opcode in (0x0, 0x1):
                parts.append(data)
                if b0 & 0x80:
                    return b"".join(parts).decode("utf-8", "replace")

    def settimeout(self, t):
        self.sock.settimeout(t)

    def close(self):
        self.sock.close()


class Page:
    """One tab of a headless Chromium of its own (a fresh profile)."""

    def __init__(self, timeout=30):
        if not os.access(CHROMIUM, os.X_OK):
            raise BrowserError("no chromium at %s" % CHROMIUM)
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="bw-chromium-")
        self.log = open(os.path.join(self.profile, "stderr.log"), "wb")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-port=0", "--user-data-dir=" + self.profile,
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-default-apps", "--mute-audio", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log,
            start_new_session=True)
        self.next_id = 0
        self.events = []
        self.ws = None
        try:
            self.ws = WebSocket(self._page_ws_url(), timeout)
        except Exception:
            self.close()
            raise

    def _page_ws_url(self):
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrowserError("chromium exited with %s: %s" % (self.proc.returncode, self.stderr()))
            try:
                with open(port_file) as f:
                    port = int(f.readline())
                with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=5) as r:
                    targets = json.load(r)
                for t in targets:
                    if t.get("type") == "page":
                        return t["webSocketDebuggerUrl"]
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise BrowserError("chromium's DevTools endpoint did not come up in %ds: %s"
                           % (self.timeout, self.stderr()))

    def stderr(self):
        try:
            with open(os.path.join(self.profile, "stderr.log"), "rb") as f:
                return f.read()[-1500:].decode("utf-8", "replace")
        except OSError:
            return ""

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise BrowserError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self._event(msg)

    def _event(self, msg):
        self.events.append(msg)
        if msg["method"] == "Page.javascriptDialogOpening":
            # Answered, or the page would hang; the test sees the event.
            self.ws.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog",
                                     "params": {"accept": False}}))

    def wait_event(self, method, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        for e in self.events:
            if e["method"] == method:
                return e
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except socket.timeout:
                break
            if "method" in msg:
                self._event(msg)
                if msg["method"] == method:
                    return msg
        raise BrowserError("no %s within %ss" % (method, timeout or self.timeout))

    def open(self, path, prelude=""):
        """Load file path with every domain watched; prelude runs before the page's scripts."""
        self.events = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable")
        added = None
        if prelude:
            added = self.call("Page.addScriptToEvaluateOnNewDocument", source=prelude)
        url = "file://" + os.path.abspath(path)
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")
        if added:  # for this page only
            self.call("Page.removeScriptToEvaluateOnNewDocument", identifier=added["identifier"])
        return url

    def evaluate(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        if "exceptionDetails" in r:
            raise BrowserError("evaluating %s: %s" % (expr[:80], r["exceptionDetails"]))
        return r["result"].get("value")

    def problems(self, url):
        """Exceptions, console errors, browser log errors, requests other than url, dialogs."""
        out = []
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: %s %s" % (d.get("text"), d.get("exception", {}).get("description", "")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                out.append("console.%s: %s" % (p["type"], [a.get("value", a.get("description"))
                                                         for a in p.get("args", [])]))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                out.append("browser log %s: %s" % (p["entry"]["level"], p["entry"].get("text")))
            elif m == "Network.requestWillBeSent" and p.get("request", {}).get("url") != url:
                out.append("network request: %s" % p["request"]["url"][:200])
            elif m == "Page.javascriptDialogOpening":
                out.append("a dialog opened: %s %r" % (p.get("type"), p.get("message")))
        return out

    def close(self):
        if self.ws:
            self.ws.close()
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except OSError:
                pass
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
