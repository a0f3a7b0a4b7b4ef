#!/usr/bin/env python3
"""Hostile clients against a local cluster (proxy + 2 workers on loopback), Python stdlib only.

Every case sends raw bytes to the proxy and checks the answer (a status, or the connection closing), then checks
that the proxy still serves a normal request. At the end: the proxy and the workers kept their PIDs and no worker
logged a 5xx. Prints a table: case, expected, got. Exit status 0 when every case passed.

Usage: MORSE_BIN_DIR=.build-hostile/debug Tests/hostile/hostile.py [--only NAME[,NAME]]
Traffic goes to 127.0.0.1 only; every loop is bounded in count and time (the whole run stays under 3 minutes).
"""

import argparse
import re
import resource
import socket
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))
try:
    import pytest  # noqa: F401  (conftest imports it; the suite itself needs only the stdlib)
except ImportError:
    stub = types.ModuleType("pytest")

    def _fail(message):
        raise SystemExit(message)

    stub.fail = _fail
    stub.fixture = lambda *a, **k: (a[0] if a and callable(a[0]) else (lambda f: f))
    sys.modules["pytest"] = stub
from conftest import LocalCluster, http  # noqa: E402

CLOSE = "close"
SUITE_BUDGET = 170  # seconds: the whole suite must end under 3 minutes


# --- raw HTTP --------------------------------------------------------------------------------------------------

def connect(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def send_all(s, data):
    """Sends what the peer accepts; a reset or closed peer ends the sending quietly (the answer is read next)."""
    try:
        s.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False
    except TimeoutError:
        return False


def read_responses(s, want=1, timeout=5.0):
    """Reads up to `want` responses. Returns (statuses, closed): closed when the peer ended the connection."""
    deadline = time.monotonic() + timeout
    buf = b""
    statuses = []
    closed = False
    while len(statuses) < want and time.monotonic() < deadline:
        # Parse what we have.
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            head = buf[:end].decode("latin-1")
            match = re.match(r"HTTP/1\.[01] (\d{3})", head)
            if not match:
                return statuses + [f"garbage:{head[:40]!r}"], closed
            length = 0
            chunked = False
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
                if name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
                    chunked = True
            body_start = end + 4
            if chunked:
                terminator = buf.find(b"\r\n0\r\n\r\n", body_start - 2)
                if terminator < 0:
                    pass
                else:
                    statuses.append(int(match.group(1)))
                    buf = buf[terminator + 7:]
                    continue
            elif len(buf) >= body_start + length:
                statuses.append(int(match.group(1)))
                buf = buf[body_start + length:]
                continue
        if closed:
            break
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            closed = True
            continue
        if not chunk:
            closed = True
        buf += chunk
    if len(statuses) >= want and not closed:
        # Is the connection closed right after? (a short look: the proxy closes after an error answer)
        s.settimeout(0.3)
        try:
            closed = s.recv(1) == b""
        except TimeoutError:
            closed = False
        except ConnectionResetError:
            closed = True
    return statuses, closed


def exchange(port, data, want=1, timeout=5.0, shut_wr=False):
    s = connect(port)
    try:
        send_all(s, data)
        if shut_wr:
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        return read_responses(s, want=want, timeout=timeout)
    finally:
        s.close()


def describe(statuses, closed):
    parts = [str(x) for x in statuses]
    if closed:
        parts.append(CLOSE)
    return "+".join(parts) if parts else "nothing (timeout)"


# --- the cases -------------------------------------------------------------------------------------------------

GET = b"GET /api/v1/encode?text=sos HTTP/1.1\r\nHost: morse\r\n\r\n"


def single(data, allowed, must_close=True, want=1, timeout=5.0, shut_wr=False):
    """A case: send `data`; pass when the first status is in `allowed` (or the proxy just closes, when CLOSE is
    allowed), and the connection is closed afterwards when must_close."""

    def run(port):
        statuses, closed = exchange(port, data, want=want, timeout=timeout, shut_wr=shut_wr)
        got = describe(statuses, closed)
        if statuses:
            ok = statuses[0] in allowed and (closed or not must_close)
        else:
            ok = CLOSE in allowed and closed
        return ok, got

    return run


def pipelined(port):
    data = (b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
            + b"GET /api/v1/encode?text=abc HTTP/1.1\r\nHost: a\r\n\r\n"
            + b"GET /api/v1/decode?morse=...%20---%20... HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    statuses, closed = exchange(port, data, want=3, timeout=8)
    return statuses == [200, 200, 200], describe(statuses, closed)


def pipelined_then_garbage(port):
    data = GET + b"GARBAGE\r\n\r\n"
    statuses, closed = exchange(port, data, want=2, timeout=8)
    return statuses == [200, 400] and closed, describe(statuses, closed)


def many_headers(port):
    """100,000 header fields: 431 (too many / too large) and a close, long before they are all sent."""
    s = connect(port, timeout=5)
    try:
        send_all(s, b"GET / HTTP/1.1\r\nHost: a\r\n")
        block = b"".join(b"X-H%d: v\r\n" % i for i in range(1000))
        for _ in range(100):  # 100 × 1000 headers
            if not send_all(s, block):
                break
        send_all(s, b"\r\n")
        statuses, closed = read_responses(s, timeout=5)
    finally:
        s.close()
    return statuses[:1] == [431] and closed or (not statuses and closed), describe(statuses, closed)


def huge_body_declared(port):
    """Content-Length: 1 GB: 413 at once, without reading the body, and a close."""
    s = connect(port)
    try:
        send_all(s, b"POST /api/v1/messages HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1073741824\r\n\r\n")
        send_all(s, b"{" + b" " * 65536)
        statuses, closed = read_responses(s, timeout=5)
    finally:
        s.close()
    return statuses == [413] and closed, describe(statuses, closed)


def trickle(s, data, interval, until):
    """Sends `data` a byte at a time, `interval` seconds apart, until the peer answers or closes, the bytes run
    out, or the clock passes `until`. True when the peer answered (or closed) before the end."""
    for i in range(len(data)):
        if time.monotonic() > until or not send_all(s, data[i:i + 1]):
            return False
        s.settimeout(interval)
        try:
            s.recv(1, socket.MSG_PEEK)
            return True
        except TimeoutError:
            continue
    return False


def slowloris_headers(port):
    """A head trickled a byte a second never completes: 408 at the header deadline (10 s), then a close."""
    s = connect(port, timeout=25)
    start = time.monotonic()
    head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"a" * 200
    try:
        got_answer = trickle(s, head, interval=1.0, until=start + 20)
        statuses, closed = read_responses(s, timeout=max(1, 25 - (time.monotonic() - start)))
    finally:
        s.close()
    elapsed = time.monotonic() - start
    got = f"{describe(statuses, closed)} after {elapsed:.0f} s"
    return got_answer and statuses[:1] == [408] and closed and elapsed < 20, got


def slowloris_body(port):
    """A body that stops arriving: 408 at the body deadline (30 s) and a close; the worker is not hurt."""
    s = connect(port, timeout=40)
    start = time.monotonic()
    try:
        send_all(s, b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 100\r\n\r\n{\"text\": \"s")
        statuses, closed = read_responses(s, timeout=40)
    finally:
        s.close()
    elapsed = time.monotonic() - start
    return statuses[:1] == [408] and closed and elapsed < 40, f"{describe(statuses, closed)} after {elapsed:.0f} s"


def trickled_body(port):
    """A body sent a byte every 2 s is never silent for the 30 s body timeout, but far below the proxy's minimum
    body rate (500 bytes/s after the timeout): 408 soon after 30 s, not when 100 bytes have taken 200 s."""
    s = connect(port, timeout=50)
    start = time.monotonic()
    body = b'{"text": "' + b"s" * 88 + b'"}'
    try:
        send_all(s, b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(body))
        trickle(s, body, interval=2.0, until=start + 45)
        statuses, closed = read_responses(s, timeout=max(1, 50 - (time.monotonic() - start)))
    finally:
        s.close()
    elapsed = time.monotonic() - start
    return statuses[:1] == [408] and closed and elapsed < 45, f"{describe(statuses, closed)} after {elapsed:.0f} s"


def half_closed_after_request(port):
    """RFC 9112 §9.6: a client may half-close after its request; the response still arrives."""
    statuses, closed = exchange(port, GET, shut_wr=True, timeout=5)
    return statuses == [200], describe(statuses, closed)


def half_closed_mid_head(port):
    statuses, closed = exchange(port, b"GET / HTTP/1.1\r\nHo", shut_wr=True, timeout=5)
    return (not statuses and closed) or (statuses[:1] == [400] and closed), describe(statuses, closed)


def half_closed_mid_body(port):
    data = b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nContent-Length: 50\r\n\r\n{\"te"
    statuses, closed = exchange(port, data, shut_wr=True, timeout=5)
    return (not statuses and closed) or (statuses[:1] in ([400], [408]) and closed), describe(statuses, closed)


def abandoned_connections(port, count=5000):
    """5,000 connections opened at once, some with half a request, then dropped (half with RST)."""
    start = time.monotonic()
    sockets = []
    errors = 0
    for _ in range(count):
        if time.monotonic() - start > 30:
            break
        try:
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            sockets.append(s)
        except OSError:
            errors += 1
    time.sleep(0.5)
    for i, s in enumerate(sockets):
        try:
            if i % 3 == 0:
                s.send(b"GET / HTTP/1.1\r\nHost")
        except OSError:
            pass
    peak = 0
    wait_until = time.monotonic() + 15
    while time.monotonic() < wait_until:
        peak = max(peak, proxy_connections())
        if peak >= count:
            break
        time.sleep(0.3)
    ok_while_open = http_ok(port)
    for i, s in enumerate(sockets):
        if i % 2 == 0:  # RST instead of FIN
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    left = proxy_connections()
    wait_until = time.monotonic() + 15
    while left > 5 and time.monotonic() < wait_until:
        time.sleep(0.3)
        left = proxy_connections()
    elapsed = time.monotonic() - start
    got = (f"{len(sockets)} opened ({errors} errors), proxy held {peak}, normal request while open: "
           f"{ok_while_open}, {left} left open after the drop, {elapsed:.1f} s")
    return len(sockets) == count and errors == 0 and peak >= count and ok_while_open and left <= 5, got


ADMIN = {"url": ""}


def proxy_connections():
    status, _, body = http(ADMIN["url"] + "/status", timeout=3)
    if status != 200:
        return -1
    import json
    return int(json.loads(body).get("connections", -1))


def http_ok(port):
    status, _, body = http(f"http://127.0.0.1:{port}/api/v1/encode?text=sos", timeout=5)
    return status == 200


CASES = [
    # name, expected (as printed), runner
    ("request line: not HTTP", "400+close", single(b"GARBAGE\r\n\r\n", {400})),
    ("request line: unknown method", "400+close", single(b"FROB / HTTP/1.1\r\nHost: a\r\n\r\n", {400})),
    ("request line: no target", "400+close", single(b"GET HTTP/1.1\r\nHost: a\r\n\r\n", {400, 505})),
    # http_parser reports junk after the version as HPE_INVALID_VERSION, which the proxy answers 505 (see report).
    ("request line: extra field", "400|505+close", single(b"GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", {400, 505})),
    # RFC 9112 §3 lets a recipient split the request line on whitespace; the forwarded line is rewritten with
    # single spaces, so accepting it smuggles nothing.
    ("request line: two spaces", "400, or 200 normalised",
     single(b"GET  /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", {400, 200})),
    ("request line: HTTP/2.0", "505|400+close", single(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", {505, 400})),
    ("request line: HTTP/1.12", "505|400+close", single(b"GET / HTTP/1.12\r\nHost: a\r\n\r\n", {505, 400})),
    ("request line: 20 KB target", "431|414+close",
     single(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", {431, 414})),
    ("request line: bare CR", "400+close", single(b"GET / HTTP/1.1\rHost: a\r\n\r\n", {400})),
    ("HTTP/0.9 simple request", "505|400|close", single(b"GET /\r\n\r\n", {505, 400, CLOSE})),
    ("HTTP/0.9 without blank line", "505|400|close",
     single(b"GET /\r\n", {505, 400, CLOSE}, shut_wr=True)),
    ("HTTP/1.0 without Host", "200", single(b"GET /healthz HTTP/1.0\r\n\r\n", {200}, must_close=True)),
    ("HTTP/1.1 without Host", "400+close", single(b"GET / HTTP/1.1\r\n\r\n", {400})),
    ("two Host headers", "400+close", single(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", {400})),
    ("absolute-form target", "200 (origin-form upstream)",
     single(b"GET http://morse.example/healthz HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n", {200})),
    ("absolute-form with userinfo", "400|200",
     single(b"GET http://u:p@morse.example/healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", {400, 200})),
    ("absolute-form: scheme only", "400+close", single(b"GET http:// HTTP/1.1\r\nHost: a\r\n\r\n", {400})),
    ("asterisk-form OPTIONS", "2xx|4xx, no 5xx",
     single(b"OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", set(range(200, 500)))),
    ("asterisk-form GET", "400+close", single(b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", {400})),
    ("CONNECT", "501+close", single(b"CONNECT morse.example:443 HTTP/1.1\r\nHost: morse.example:443\r\n\r\n",
                                    {501, 400})),
    ("CL+TE smuggling", "400+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\nG", {400})),
    ("TE+CL smuggling (order swapped)", "400+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
            b"8\r\nSMUGGLED\r\n0\r\n\r\n", {400})),
    ("CL.CL differing", "400+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            {400})),
    ("CL.CL equal duplicate", "400+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
            {400})),
    ("CL list value 5, 5", "400+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", {400})),
    ("CL with sign +5", "400+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", {400})),
    ("TE: xchunked", "501|400+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", {501, 400})),
    ("TE: chunked, identity", "400|501+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
            {400, 501})),
    ("TE twice (chunked, chunked)", "400+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
            b"\r\n\r\n0\r\n\r\n", {400})),
    ("TE in HTTP/1.0", "400+close",
     single(b"POST /api/v1/encode HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", {400})),
    ("TE with space before colon", "400+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", {400})),
    ("TE value chunked<HTAB>", "400+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n", {400})),
    ("bad chunk size", "400+close",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", {400})),
    ("obs-fold header", "400+close", single(b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", {400})),
    ("obs-fold on Host", "400+close", single(b"GET / HTTP/1.1\r\nHost: a\r\n\tb\r\n\r\n", {400})),
    ("header name with space", "400+close", single(b"GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n", {400})),
    ("header without colon", "400+close", single(b"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", {400})),
    ("empty header name", "400+close", single(b"GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", {400})),
    ("NUL in header value", "400+close", single(b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00c\r\n\r\n", {400})),
    ("NUL in header name", "400+close", single(b"GET / HTTP/1.1\r\nHost: a\r\nX-\x00A: b\r\n\r\n", {400})),
    ("NUL in target", "400+close", single(b"GET /a\x00b HTTP/1.1\r\nHost: a\r\n\r\n", {400})),
    ("control char in Host", "400+close", single(b"GET / HTTP/1.1\r\nHost: a\x01b\r\n\r\n", {400})),
    ("invalid UTF-8 in JSON text", "4xx (worker)",
     single(b"POST /api/v1/encode HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 14\r\n"
            b"Connection: close\r\n\r\n{\"text\":\"\xff\xfe\xc3\"}", set(range(400, 500)))),
    ("invalid UTF-8 in query (%FF)", "4xx (worker)",
     single(b"GET /api/v1/encode?text=%FF%FE HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", set(range(400, 500)))),
    ("raw 0xFF bytes in target", "400|4xx",
     single(b"GET /api/v1/encode?text=\xff\xfe HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            set(range(400, 500)))),
    ("invalid UTF-8 in message text", "4xx (worker)",
     single(b"POST /api/v1/messages HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 13\r\n"
            b"Connection: close\r\n\r\n{\"text\":\"\xc0\xaf\"}", set(range(400, 500)))),
    ("invalid UTF-8 in header value (obs-text)", "2xx|4xx, no 5xx",
     single(b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Name: \xff\xfe\r\nConnection: close\r\n\r\n",
            set(range(200, 500)))),
    ("101 Connection options", "400+close",
     single(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: " + b",".join(b"x%d" % i for i in range(101)) + b"\r\n\r\n",
            {400})),
    ("Max-Forwards: 0 on OPTIONS", "200 (from the proxy)",
     single(b"OPTIONS /healthz HTTP/1.1\r\nHost: a\r\nMax-Forwards: 0\r\nConnection: close\r\n\r\n", {200})),
    # A keep-alive request answered by the proxy itself, then another on the same connection: the proxy used to
    # find the answered request still in its buffer and answer it again until its stack overflowed (SIGSEGV).
    ("Max-Forwards: 0, keep-alive, then GET", "200, 200 (proxy stays up)",
     lambda port: (lambda r: (r[0] == [200, 200], describe(*r)))(
         exchange(port, b"OPTIONS * HTTP/1.1\r\nHost: a\r\nMax-Forwards: 0\r\n\r\n" + b"GET /healthz HTTP/1.1\r\n"
                  b"Host: a\r\nConnection: close\r\n\r\n", want=2, timeout=8))),
    ("X-Request-ID of 200 bytes", "400+close",
     single(b"GET / HTTP/1.1\r\nHost: a\r\nX-Request-ID: " + b"r" * 200 + b"\r\n\r\n", {400})),
    ("100k headers", "431+close", many_headers),
    ("1 GB declared body", "413+close", huge_body_declared),
    ("pipelined x3", "200+200+200", pipelined),
    ("pipelined then garbage", "200+400+close", pipelined_then_garbage),
    ("half-closed after request", "200", half_closed_after_request),
    ("half-closed mid-head", "close", half_closed_mid_head),
    ("half-closed mid-body", "close|400|408", half_closed_mid_body),
    ("5,000 connections abandoned", "all accepted, proxy serves", abandoned_connections),
]

# Run in background threads from the start (they wait on the proxy's timeouts).
SLOW = [
    ("slowloris headers", "408+close < 20 s", slowloris_headers),
    ("slowloris body", "408+close < 40 s", slowloris_body),
    ("body trickled below the minimum rate", "408+close < 45 s", trickled_body),
]


def worker_5xx(output: str) -> list[str]:
    """Lines where a worker (not the proxy) logged a 5xx response or a crash."""
    bad = []
    for line in output.splitlines():
        if not re.match(r"^\s*\[?web\d", line):
            continue
        if re.search(r"\b(status|code)[=:]\s*\"?5\d\d\b", line) or re.search(r"\b5\d\d\b.*(HTTP|response)", line) \
                or re.search(r"\+\d{4} (error|critical) ", line) or "Fatal error" in line:
            bad.append(line)
    return bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated case names (substring match)")
    args = parser.parse_args()
    started = time.monotonic()

    # 5,000 connections need more descriptors: raise the soft limit of this process, which the cluster started
    # below (morsectl, the proxy, the workers) inherits. Nothing outside these processes changes.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 16384 if hard == resource.RLIM_INFINITY else min(hard, 16384)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))

    tmp = Path(tempfile.mkdtemp(prefix="morse-hostile-"))
    cluster = LocalCluster(tmp).start()
    rows = []
    failures = 0
    try:
        port = cluster.proxy_port
        ADMIN["url"] = cluster.admin
        pids_before = cluster.pids()
        only = [o for o in args.only.split(",") if o]
        selected = lambda name: not only or any(o in name for o in only)  # noqa: E731

        slow_results = {}

        def run_slow(name, runner):
            try:
                slow_results[name] = runner(port)
            except Exception as error:  # noqa: BLE001
                slow_results[name] = (False, f"exception: {error!r}")

        threads = []
        for name, _, runner in SLOW:
            if selected(name):
                thread = threading.Thread(target=run_slow, args=(name, runner), daemon=True)
                thread.start()
                threads.append(thread)

        def record(name, expected, ok, got):
            nonlocal failures
            after = http_ok(port)
            passed = ok and after
            failures += 0 if passed else 1
            rows.append((name, expected, got + ("" if after else "; normal request AFTER FAILED"),
                         "ok" if passed else "FAIL"))

        for name, expected, runner in CASES:
            if not selected(name):
                continue
            if time.monotonic() - started > SUITE_BUDGET - 45:
                rows.append((name, expected, "skipped: time budget", "FAIL"))
                failures += 1
                continue
            try:
                ok, got = runner(port)
            except Exception as error:  # noqa: BLE001
                ok, got = False, f"exception: {error!r}"
            record(name, expected, ok, got)

        for thread in threads:
            thread.join(timeout=max(1, SUITE_BUDGET - (time.monotonic() - started)))
        for name, expected, _ in SLOW:
            if selected(name):
                ok, got = slow_results.get(name, (False, "did not finish in time"))
                record(name, expected, ok, got)

        time.sleep(1.5)  # let the workers' logs reach the supervisor
        pids_after = cluster.pids()
        same = pids_before == pids_after and all(n in pids_after for n in ("proxy", "web1", "web2"))
        rows.append(("processes keep their PIDs", "proxy, web1, web2 unchanged",
                     " ".join(f"{k}={v}" for k, v in sorted(pids_after.items())), "ok" if same else "FAIL"))
        failures += 0 if same else 1
        bad = worker_5xx(cluster.output())
        rows.append(("no 5xx in worker logs", "0 lines", f"{len(bad)} lines", "ok" if not bad else "FAIL"))
        failures += 0 if not bad else 1
        states = cluster.status_states()
        up = states and all(s == "up" for s in states.values())
        rows.append(("backends up in /status", "web1 up, web2 up",
                     ", ".join(f"{k} {v}" for k, v in sorted(states.items())), "ok" if up else "FAIL"))
        failures += 0 if up else 1
        for line in bad[:10]:
            print("worker 5xx:", line)
    finally:
        cluster.stop()

    width = max(len(r[0]) for r in rows)
    ewidth = max(len(r[1]) for r in rows)
    print(f"{'case':<{width}}  {'expected':<{ewidth}}  {'result':<6}  got")
    print("-" * (width + ewidth + 40))
    for name, expected, got, verdict in rows:
        print(f"{name:<{width}}  {expected:<{ewidth}}  {verdict:<6}  {got}")
    elapsed = time.monotonic() - started
    print(f"\nhostile: {len(rows)} checks, {failures} failed, {elapsed:.0f} s (cluster log: {cluster.log_path})")
    return 1 if failures or elapsed > 180 else 0


if __name__ == "__main__":
    sys.exit(main())
