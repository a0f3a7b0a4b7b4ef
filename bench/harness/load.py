"""The load generators: wrk (closed loop), h2load (open loop), idle connections held open, and `morsectl load` (the
cluster's own mixed reads and writes, every failure sorted by kind).

Each function returns Metrics (see metrics.METRICS) for one run against one URL and the pid of the process that
serves it, whose CPU and memory are read around the load.
"""

import json
import re
import selectors
import signal
import socket
import subprocess
import time
from pathlib import Path

from . import measure
from .common import BenchError, Metrics, log
from .procs import fronts_sh, fronts_sh_argv


def parse_key_values(line: str) -> Metrics:
    """fronts.sh wrk_measure's line: requests=.. rps=.. p50=.. p99=.. cpu_s=.. errors=.. cpu10k=.."""
    try:
        return {key: float(value) for key, value in (pair.split("=", 1) for pair in line.split())}
    except ValueError as e:
        raise BenchError(f"wrk_measure printed {line!r}") from e


def closed_loop(url: str, pid: int, seconds: float, connections: int, wrk_args: tuple[str, ...] = (),
                warmup: float = 1.0) -> Metrics:
    """wrk -t1 at saturation after a warm-up (bench/lib/fronts.sh wrk_measure), plus the process's peak RSS."""
    if warmup > 0:
        # fills caches and connection pools, so that the measured seconds are the steady state
        subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{warmup}s", *wrk_args, url], capture_output=True)
    measure.reset_peak(pid)
    metrics = parse_key_values(fronts_sh("wrk_measure", url, pid, f"{seconds:g}", connections, *wrk_args))
    metrics["rss_mib"] = measure.peak_rss_mib(pid)
    return metrics


def start_closed_loop(url: str, pid: int, seconds: float, connections: int) -> subprocess.Popen[str]:
    """The same wrk measurement in the background, for a scenario that acts on the cluster meanwhile."""
    return subprocess.Popen(fronts_sh_argv("wrk_measure", url, pid, f"{seconds:g}", connections),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_closed_loop(wrk: subprocess.Popen[str], timeout: float) -> Metrics:
    out, err = wrk.communicate(timeout=timeout)
    if wrk.returncode != 0:
        raise BenchError(f"wrk failed: {err.strip()}")
    return parse_key_values(out)


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def open_loop(url: str, pid: int, rate: float, seconds: float, log_file: Path, connections: int = 32) -> Metrics:
    """h2load --rps: `rate` requests/s in total whatever the latency (wrk's closed loop would hide queueing:
    coordinated omission); percentiles from h2load's per-request log."""
    log_file.unlink(missing_ok=True)  # h2load appends to its log file
    measure.reset_peak(pid)
    before = measure.cpu_seconds(pid)
    r = subprocess.run(["h2load", "--h1", "-t1", f"-c{connections}", f"--rps={max(1, round(rate / connections))}",
                        f"-D{seconds:g}", "--warm-up-time=1", f"--log-file={log_file}", url],
                       capture_output=True, text=True, timeout=seconds + 30)
    cpu = measure.cpu_seconds(pid) - before
    if r.returncode != 0:
        raise BenchError(f"h2load failed: {r.stderr.strip() or r.stdout[-500:]}")
    latencies, failed = [], 0
    with log_file.open() as lines:  # one line per request: start time, status, latency in µs
        for line in lines:
            parts = line.split("\t")
            if len(parts) >= 3:
                if not parts[1].startswith("2"):
                    failed += 1
                latencies.append(int(parts[2]) / 1000)
    if m := re.search(r"(\d+) failed, (\d+) errored, (\d+) timeout", r.stdout):
        failed += int(m.group(1)) + int(m.group(2)) + int(m.group(3))
    if not latencies:
        raise BenchError(f"h2load recorded no request against {url}: {r.stdout[-500:]}")
    latencies.sort()
    # h2load's -D window excludes the warm-up second, which its log also excludes
    return {"requests": len(latencies), "rps": len(latencies) / seconds, "p50": percentile(latencies, 0.50),
            "p99": percentile(latencies, 0.99), "p999": percentile(latencies, 0.999), "errors": failed,
            "cpu10k": cpu / len(latencies) * 10000, "rss_mib": measure.peak_rss_mib(pid)}


REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
BATCH = 500  # connections opened at a time: the listen backlog of every front holds this many
# SO_LINGER on with timeout 0: close() sends RST, so 10,000 closed connections leave no TIME_WAIT behind
LINGER_RST = (1).to_bytes(4, "little") + (0).to_bytes(4, "little")


def hold_idle(port: int, pid: int, count: int, hold_seconds: float) -> Metrics:
    """Opens `count` keep-alive connections, one request each, holds them idle: the process's RSS while held.

    held = connections still open after the hold (a front may close idle ones), answered = complete responses,
    errors = connections refused, reset or unanswered.
    """
    rss_before = measure.rss_mib(pid)
    measure.reset_peak(pid)
    sockets: list[socket.socket] = []
    answered = errors = 0
    deadline = time.monotonic() + 60
    for start in range(0, count, BATCH):
        batch = [connect_nonblocking(port) for _ in range(min(BATCH, count - start))]
        sockets += batch
        ok, failed = one_request_each(batch, deadline)
        answered, errors = answered + ok, errors + failed
    time.sleep(hold_seconds)
    held = sum(1 for s in sockets if still_open(s))
    rss_held, peak = measure.rss_mib(pid), measure.peak_rss_mib(pid)
    for s in sockets:
        s.close()
    per_conn = (rss_held - rss_before) * 1024 / held if held else float("nan")
    return {"rss_before": rss_before, "rss_mib": rss_held, "peak_mib": peak, "held": held, "answered": answered,
            "errors": errors, "kib_per_conn": per_conn}


def connect_nonblocking(port: int) -> socket.socket:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    return s


def one_request_each(batch: list[socket.socket], deadline: float) -> tuple[int, int]:
    """Sends REQUEST on every connection as it connects and reads until its response is complete; the connections
    stay open. Returns (answered, errors); a connection still waiting after 5 s without progress is an error."""
    answered = errors = 0
    pending = dict.fromkeys(batch, b"")  # connection -> the response so far
    with selectors.DefaultSelector() as sel:
        for s in batch:
            sel.register(s, selectors.EVENT_WRITE)
        stalled = time.monotonic() + 5  # a front at its connection limit leaves the rest in the backlog
        while pending and time.monotonic() < min(deadline, stalled):
            for key, events in sel.select(timeout=1):
                stalled = time.monotonic() + 5
                conn = key.fileobj
                assert isinstance(conn, socket.socket)  # only sockets are registered
                if events & selectors.EVENT_WRITE:
                    try:
                        conn.send(REQUEST)
                        sel.modify(conn, selectors.EVENT_READ)
                        continue
                    except OSError:
                        data = b""
                else:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        data = b""
                if not data:  # refused, reset or closed before answering
                    errors += 1
                    sel.unregister(conn)
                    del pending[conn]
                    continue
                pending[conn] += data
                if response_complete(pending[conn]):
                    answered += 1
                    sel.unregister(conn)
                    del pending[conn]
    return answered, errors + len(pending)


def response_complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)content-length:\s*(\d+)", head) if sep else None
    return m is not None and len(body) >= int(m.group(1))


def still_open(s: socket.socket) -> bool:
    """Open = nothing to read yet (BlockingIOError) or unread data; closed = EOF or an error."""
    try:
        return bool(s.recv(1))
    except BlockingIOError:
        return True
    except OSError:
        return False


class MixedLoad:
    """`morsectl load` in the background: encode GETs and message POSTs (3:1) without Idempotency-Key, so that a
    front may not resend a write that failed -- the load issue 18's upgrades are measured under. SIGUSR1 (mark)
    begins a new phase of the run, so that a stretch before an event and one during it are measured by the same
    process over the same connections; SIGINT stops it (requests in flight finish)."""

    def __init__(self, morsectl: Path, url: str, summary: Path, log_path: Path, connections: int = 32) -> None:
        self.summary, self.log_path = summary, log_path
        summary.unlink(missing_ok=True)
        with open(log_path, "wb") as out:
            self.process = subprocess.Popen(
                # --duration: a bound in case nobody stops it; the caller stops it with SIGINT long before
                [str(morsectl), "load", "--url", url, "--duration", "600", "--concurrency", str(connections),
                 "--mix", "encode=3,message=1", "--no-idempotency-key", "--timeout", "10", "--summary-json",
                 str(summary)], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def mark(self) -> None:
        self.process.send_signal(signal.SIGUSR1)

    def stop(self) -> list[Metrics]:
        """Stops the run; the metrics of each phase (the first from the start to the first mark)."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise BenchError(f"morsectl load did not stop; log: {self.log_path}") from None
        if not self.summary.exists():  # exit 1 only means "some request failed": the summary says which
            raise BenchError(f"morsectl load wrote no summary (exit {self.process.returncode}); log: "
                             f"{self.log_path.read_text(errors='replace')[-800:]}")
        summary = json.loads(self.summary.read_text())
        if summary.get("failures"):  # the kinds and examples, in the log: the table only counts them
            log(f"morsectl load: {summary['failures']} failed {summary.get('failure_kinds')}; examples: "
                f"{json.dumps(summary.get('failure_examples', [])[:5])}")
        return [failures_by_kind(phase) for phase in summary["phases"]]


def failures_by_kind(phase: dict[str, object]) -> Metrics:
    """One phase of morsectl load's summary as metrics: requests, failed ones by kind (refused; reset or closed
    without an answer; HTTP 502; timed out; anything else), p99."""
    kinds = phase.get("failure_kinds") or {}
    assert isinstance(kinds, dict)
    counted = {"refused": kinds.get("connection: refused", 0),
               "reset": kinds.get("connection: connection lost", 0) + kinds.get("connection: bad server response", 0),
               "http_502": kinds.get("HTTP 502", 0), "timed_out": kinds.get("connection: timed out", 0)}
    failed = float(phase["failures"])  # type: ignore[arg-type]
    latency = phase.get("latency_ms") or {}
    assert isinstance(latency, dict)
    return {"requests": float(phase["requests"]), "errors": failed, **counted,  # type: ignore[arg-type]
            "failed_other": failed - sum(counted.values()), "p99": float(latency.get("p99", float("nan")))}
