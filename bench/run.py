#!/usr/bin/env python3
"""The Morse cluster measured against HAProxy and nginx: one command, every front in the same run.

Starts two morse-workers (SQLite) and four fronts on 127.0.0.1 -- direct (to one worker), morse-proxy, HAProxy,
nginx (configurations from bench/lib/fronts.sh, shared with bench/proxy/bench.sh) -- and runs the scenarios with
the fronts interleaved (A B C D A B C D ...), each (front, scenario) REPS times, reporting medians:

  a  GET /healthz (~70 B), 32 keep-alive connections (wrk -t1)
  b  the same with `Connection: close`
  c  GET /api/v1/encode with a 40-character text
  d  GET /api/v1/audio of ~100 KB (WAV)
  e  GET /healthz, 256 connections
  f  open-loop latency at 50 % of HAProxy's median rps in (a) (h2load --rps): p50/p99/p99.9
  g  10,000 idle keep-alive connections held (each served one request): the front's RSS
  h  SIGKILL of one worker under load (a): failed requests per front (the worker is restarted between fronts)
  i  the core encode/decode benchmark (bench/core/bench.sh)

Per front: rps, p50, p99, CPU seconds per 10k requests of the front process (/proc/PID/stat utime+stime) and
peak RSS (VmHWM, reset through /proc/PID/clear_refs before each run). Writes RESULTS/STAMP.md, .png, .json and,
when a goal is missed, a perf profile of morse-proxy during (a) in STAMP-perf.txt. Ratios print at the end.
Everything listens on 127.0.0.1; every load is bounded in time.
"""

import argparse
import datetime
import json
import os
import platform
import re
import resource
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "bench" / "lib" / "fronts.sh"
FRONTS = ["direct", "morse-proxy", "haproxy", "nginx"]
LOOP_SCENARIOS = ["a", "b", "c", "d", "e"]  # closed-loop wrk scenarios
TEXT = "CQ CQ DE W1AW, QTH BOSTON. RST 599 73 SK"  # 40 characters
AUDIO_QUERY = {"text": "PARIS PARIS", "wpm": "20", "tone": "600", "rate": "8000"}
T0 = time.monotonic()


def log(message):
    print(f"[bench {time.monotonic() - T0:6.1f}s] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


def parse_args():
    p = argparse.ArgumentParser(
        prog="bench/run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="every scenario briefly, one repetition (< 3 minutes)")
    p.add_argument("--bin-dir", help="directory with release morse-worker, morse-proxy and morse "
                   "(default: run `make release` and use .build-release/release)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results"), help="results directory (default: %(default)s)")
    p.add_argument("--reps", type=int, help="repetitions per (front, scenario) (default 3, quick 1)")
    p.add_argument("--seconds", type=float, help="measured seconds per closed-loop run (default 6, quick 2)")
    p.add_argument("--idle", type=int, help="idle connections held in (g) (default 10000, quick 2000)")
    p.add_argument("--scenarios", default="abcdefghi", help="subset to run, e.g. 'acf' (default: all)")
    p.add_argument("--perf", choices=["auto", "always", "never"], default=None,
                   help="profile morse-proxy during (a) with perf: auto = when a goal is missed (default: auto, "
                   "quick: never)")
    return p.parse_args()


# ---------------------------------------------------------------- processes


class Processes:
    """Every process the harness starts; all stopped at exit, by their own ids."""

    def __init__(self):
        self.procs = []

    def start(self, name, argv, log_path, **kw):
        out = open(log_path, "ab")
        try:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kw)
        except FileNotFoundError as e:
            raise BenchError(f"cannot start {name}: {e}")
        proc.bench_name = name
        proc.log_path = log_path
        self.procs.append(proc)
        return proc

    def stop_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 5
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def http_get(port, path, timeout=2.0):
    """(status, headers, body) or None when nothing answered."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
    except OSError:
        return None


def wait_for(what, check, timeout, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise BenchError(f"{what}: process exited with {proc.returncode}; log: {tail(proc.log_path)}")
        if check():
            return
        time.sleep(0.1)
    raise BenchError(f"{what}: not ready after {timeout:.0f}s" + (f"; log: {tail(proc.log_path)}" if proc else ""))


def tail(path, n=15):
    try:
        return "\n" + "\n".join(Path(path).read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def lib(*args, env=None):
    r = subprocess.run(["bash", str(LIB), *map(str, args)], capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    if r.returncode != 0:
        raise BenchError(f"bench/lib/fronts.sh {args[0]} failed: {r.stderr.strip()}")
    return r.stdout


def proc_status(pid, key):
    """A kB field of /proc/PID/status (VmRSS, VmHWM) in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def reset_peak(pid):
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return 0.0


# ---------------------------------------------------------------- the cluster under test


class Bed:
    def __init__(self, args, bin_dir, work):
        self.args, self.bin, self.work = args, bin_dir, work
        self.procs = Processes()
        (self.w1_port, self.w2_port, self.morse_port, self.morse_admin, self.haproxy_port,
         self.nginx_port) = free_ports(6)
        self.workers = {}
        self.haproxy_sock = work / "haproxy.sock"
        self.servers = [f"w1=127.0.0.1:{self.w1_port}", f"w2=127.0.0.1:{self.w2_port}"]

    def start_worker(self, name):
        port = self.w1_port if name == "w1" else self.w2_port
        proc = self.procs.start(name, [str(self.bin / "morse-worker"), "--host", "127.0.0.1", "--port", str(port),
                                       "--name", name, "--database", f"sqlite:{self.work / (name + '.db')}",
                                       "--log-level", "warning", "--drain-seconds", "0"], self.work / f"{name}.log")
        wait_for(f"worker {name} /readyz", lambda: (http_get(port, "/readyz") or [0])[0] == 200, 60, proc)
        self.workers[name] = proc
        return proc

    def start(self):
        log(f"starting workers w1 :{self.w1_port}, w2 :{self.w2_port} (SQLite in {self.work})")
        self.start_worker("w1")
        self.start_worker("w2")
        log(f"starting fronts: morse-proxy :{self.morse_port}, haproxy :{self.haproxy_port}, "
            f"nginx :{self.nginx_port}")
        morse_args = lib("morse_proxy_args", self.morse_port, *self.servers,
                         env={"MORSE_ADMIN": f"127.0.0.1:{self.morse_admin}"}).split("\n")
        self.morse = self.procs.start("morse-proxy", [str(self.bin / "morse-proxy"), *filter(None, morse_args)],
                                      self.work / "morse-proxy.log")
        (self.work / "haproxy.cfg").write_text(
            lib("haproxy_conf", self.haproxy_port, *self.servers, env={"HAPROXY_STATS_SOCKET": str(self.haproxy_sock)}))
        self.haproxy = self.procs.start("haproxy", [tool("haproxy"), "-f", str(self.work / "haproxy.cfg"), "-db"],
                                        self.work / "haproxy.log")
        (self.work / "nginx.conf").write_text(lib("nginx_front_conf", self.work, self.nginx_port, *self.servers))
        self.nginx = self.procs.start("nginx", [tool("nginx"), "-c", str(self.work / "nginx.conf"), "-p",
                                                str(self.work)], self.work / "nginx.log")
        for name, port, proc in [("morse-proxy", self.morse_port, self.morse), ("haproxy", self.haproxy_port,
                                 self.haproxy), ("nginx", self.nginx_port, self.nginx)]:
            wait_for(f"{name} /healthz", lambda port=port: (http_get(port, "/healthz") or [0])[0] == 200, 30, proc)
        self.wait_backends_up()

    def port(self, front):
        return {"direct": self.w1_port, "morse-proxy": self.morse_port, "haproxy": self.haproxy_port,
                "nginx": self.nginx_port}[front]

    def pid(self, front):
        return {"direct": self.workers["w1"].pid, "morse-proxy": self.morse.pid, "haproxy": self.haproxy.pid,
                "nginx": self.nginx.pid}[front]

    def backends_up(self):
        r = http_get(self.morse_admin, "/status")
        if not r or r[0] != 200:
            return False
        states = [b.get("state") for b in json.loads(r[2]).get("backends", [])]
        if states != ["up", "up"]:
            return False
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(1)
                s.connect(str(self.haproxy_sock))
                s.sendall(b"show stat\n")
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
        except OSError:
            return False
        rows = [line.split(",") for line in data.decode().splitlines() if line.startswith("be,w")]
        return len(rows) == 2 and all(row[17].startswith("UP") for row in rows)

    def wait_backends_up(self, timeout=15):
        wait_for("both workers up in morse-proxy and HAProxy", self.backends_up, timeout)

    def check_alive(self):
        for proc in self.procs.procs:
            if proc.bench_name in ("morse-proxy", "haproxy", "nginx") and proc.poll() is not None:
                raise BenchError(f"{proc.bench_name} exited ({proc.returncode}); log: {tail(proc.log_path)}")


def tool(name):
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if not path:
        raise BenchError(f"{name} is not installed: run scripts/install-deps.sh bench")
    return path


# ---------------------------------------------------------------- measurements


def closed_loop(bed, front, url_path, seconds, connections, extra=(), warmup=1.0):
    """One wrk run through bench/lib/fronts.sh wrk_measure (after a warm-up), plus the front's peak RSS."""
    url = f"http://127.0.0.1:{bed.port(front)}{url_path}"
    if warmup > 0:
        subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{warmup}s", *extra, url], capture_output=True)
    pid = bed.pid(front)
    reset_peak(pid)
    line = lib("wrk_measure", url, pid, f"{seconds:g}", connections, *extra)
    result = {k: float(v) for k, v in (kv.split("=") for kv in line.split())}
    result["rss_mib"] = proc_status(pid, "VmHWM")
    return result


def open_loop(bed, front, rate, seconds, connections=32):
    """h2load --rps (open loop per client) at `rate` requests/s in total; percentiles from its per-request log."""
    url = f"http://127.0.0.1:{bed.port(front)}/healthz"
    pid = bed.pid(front)
    logf = bed.work / f"h2load-{front}.log"
    logf.unlink(missing_ok=True)  # h2load appends to its log file
    reset_peak(pid)
    before = cpu_seconds(pid)
    r = subprocess.run(["h2load", "--h1", "-t1", f"-c{connections}", f"--rps={max(1, round(rate / connections))}",
                        f"-D{seconds:g}", "--warm-up-time=1", f"--log-file={logf}", url],
                       capture_output=True, text=True, timeout=seconds + 30)
    cpu = cpu_seconds(pid) - before
    if r.returncode != 0:
        raise BenchError(f"h2load failed: {r.stderr.strip() or r.stdout[-500:]}")
    lat, failed = [], 0
    for line in logf.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            if not parts[1].startswith("2"):
                failed += 1
            lat.append(int(parts[2]) / 1000)
    m = re.search(r"(\d+) failed, (\d+) errored, (\d+) timeout", r.stdout)
    if m:
        failed += int(m.group(1)) + int(m.group(2)) + int(m.group(3))
    lat.sort()
    if not lat:
        raise BenchError(f"h2load recorded no request against {front}: {r.stdout[-500:]}")
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    # h2load's -D window excludes the warm-up second, which its log also excludes
    return {"requests": len(lat), "rps": len(lat) / seconds, "p50": pct(0.50), "p99": pct(0.99),
            "p999": pct(0.999), "errors": failed, "cpu10k": cpu / len(lat) * 10000,
            "rss_mib": proc_status(pid, "VmHWM")}


def hold_idle(bed, front, count, hold_seconds):
    """Opens `count` keep-alive connections, one request each, holds them idle; the front's RSS while held."""
    port, pid = bed.port(front), bed.pid(front)
    rss_before = proc_status(pid, "VmRSS")
    reset_peak(pid)
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    sel = selectors.DefaultSelector()
    socks, answered, errors = [], 0, 0
    linger = (1).to_bytes(4, "little") + (0).to_bytes(4, "little")  # close with RST: no TIME_WAIT on our side
    batch = 500
    deadline = time.monotonic() + 60
    for start in range(0, count, batch):
        pending = {}
        for _ in range(min(batch, count - start)):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            socks.append(s)
            pending[s] = b""
            sel.register(s, selectors.EVENT_WRITE)
        stalled = time.monotonic() + 5  # a front at its connection limit leaves the rest in the backlog
        while pending and time.monotonic() < min(deadline, stalled):
            for key, ev in sel.select(timeout=1):
                stalled = time.monotonic() + 5
                s = key.fileobj
                if ev & selectors.EVENT_WRITE:
                    try:
                        s.send(request)
                        sel.modify(s, selectors.EVENT_READ)
                    except OSError:
                        errors += 1
                        sel.unregister(s)
                        del pending[s]
                    continue
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    errors += 1
                    sel.unregister(s)
                    del pending[s]
                    continue
                pending[s] += data
                head, sep, body = pending[s].partition(b"\r\n\r\n")
                if sep:
                    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
                    if m and len(body) >= int(m.group(1)):
                        answered += 1
                        sel.unregister(s)
                        del pending[s]
        for s in pending:
            sel.unregister(s)
            errors += 1
    time.sleep(hold_seconds)
    alive = 0
    for s in socks:
        try:
            alive += 1 if s.recv(1) else 0
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    rss_held = proc_status(pid, "VmRSS")
    peak = proc_status(pid, "VmHWM")
    for s in socks:
        s.close()
    sel.close()
    return {"rss_before": rss_before, "rss_mib": rss_held, "peak_mib": peak, "held": alive,
            "answered": answered, "errors": errors}


def kill_worker(bed, front, seconds, kill_at):
    """wrk (a) for `seconds`; SIGKILL of a worker after `kill_at` s (w1 for direct: it has no other)."""
    victim = "w1" if front == "direct" else "w2"
    url = f"http://127.0.0.1:{bed.port(front)}/healthz"
    pid = bed.pid(front)
    wrk = subprocess.Popen(["bash", str(LIB), "wrk_measure", url, str(pid), f"{seconds:g}", "32"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(kill_at)
    bed.workers[victim].send_signal(signal.SIGKILL)
    bed.workers[victim].wait()
    out, err = wrk.communicate(timeout=seconds + 30)
    if wrk.returncode != 0:
        raise BenchError(f"wrk failed in (h): {err.strip()}")
    result = {k: float(v) for k, v in (kv.split("=") for kv in out.split())}
    result["victim"] = victim
    bed.start_worker(victim)
    bed.wait_backends_up(timeout=20)
    return result


def core_bench(bin_dir, quick):
    argv = [str(ROOT / "bench" / "core" / "bench.sh"), "--binary", str(bin_dir / "morse"),
            "--size-mib", "8" if quick else "64", "--rounds", "1" if quick else "3"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise BenchError(f"bench/core/bench.sh failed: {r.stderr.strip()[-500:]}")
    out = r.stdout
    num = lambda pat: float(m.group(1)) if (m := re.search(pat, out)) else float("nan")
    return {"encode": num(r"morse encode\s+([\d.]+)"), "decode": num(r"morse decode\s+([\d.]+)"),
            "tr": num(r"tr a-z A-Z\s+([\d.]+)"), "encode_tr": num(r"encode / tr = ([\d.]+)"),
            "decode_tr": num(r"decode / tr = ([\d.]+)"), "output": out.strip()}


# ---------------------------------------------------------------- the run


def build(args):
    if args.bin_dir:
        bin_dir = Path(args.bin_dir).resolve()
    else:
        log("building release binaries: make release (skip with --bin-dir)")
        r = subprocess.run(["make", "-C", str(ROOT), "release"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
        if r.returncode != 0:
            raise BenchError(f"make release failed: {r.stderr.strip()[-1500:]}")
        bin_dir = ROOT / ".build-release" / "release"
    for name in ("morse-worker", "morse-proxy", "morse"):
        if not os.access(bin_dir / name, os.X_OK):
            raise BenchError(f"{bin_dir / name} is missing: run `make release` or pass --bin-dir")
    return bin_dir


def machine():
    def first(argv, pattern=None):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            text = (r.stdout + r.stderr).strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"
        return (re.search(pattern, text).group(0) if pattern and re.search(pattern, text) else text.splitlines()[0]
                if text else "?")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    os_name = next((line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                    if line.startswith("PRETTY_NAME=")), "?")
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(), "os": os_name,
            "haproxy": first([tool("haproxy"), "-v"], r"HAProxy version \S+"),
            "nginx": first([tool("nginx"), "-v"], r"nginx/\S+"), "swift": first(["swift", "--version"],
                                                                                r"Swift version \S+"),
            "wrk": first(["wrk", "-v"], r"wrk \S+"), "h2load": first(["h2load", "--version"]),
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}


def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def main():
    args = parse_args()
    quick = args.quick
    reps = args.reps or (1 if quick else 3)
    seconds = args.seconds or (2 if quick else 6)
    warmup = 0.5 if quick else 1
    idle = args.idle or (2000 if quick else 10000)
    perf_mode = args.perf or ("never" if quick else "auto")
    scenarios = [s for s in "abcdefghi" if s in args.scenarios]
    for name in ("wrk", "h2load", "haproxy", "nginx", "bash"):
        tool(name)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        if hard < idle + 1000:
            raise BenchError(f"RLIMIT_NOFILE hard limit {hard} < {idle + 1000} and cannot be raised (need root)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    bin_dir = build(args)
    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M") + ("-quick" if quick else "")
    info = machine()
    log(f"machine: {info['cpu']}, {info['cores']} cores, kernel {info['kernel']}, load {info['load']}")
    log(f"mode: {'QUICK' if quick else 'full'}: {reps} rep(s), {seconds:g}s per run, scenarios {''.join(scenarios)}")
    work = Path(tempfile.mkdtemp(prefix="morse-bench."))
    bed = Bed(args, bin_dir, work)
    results = {}  # scenario -> front -> [run dicts]
    interrupted = []

    def on_signal(signum, _frame):
        interrupted.append(signum)
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    try:
        bed.start()
        encode_path = "/api/v1/encode?text=" + urllib.parse.quote(TEXT, safe="")
        audio_path = "/api/v1/audio?" + urllib.parse.urlencode(AUDIO_QUERY)
        for path, what in [(encode_path, "encode"), (audio_path, "audio")]:
            r = http_get(bed.morse_port, path)
            if not r or r[0] != 200:
                raise BenchError(f"{what} through morse-proxy answered {r and r[0]}: {r and r[2][:200]}")
        audio_bytes = len(http_get(bed.w1_port, audio_path)[2])
        log(f"audio response: {audio_bytes} bytes; encode text: {len(TEXT)} characters")
        loop = {"a": ("/healthz", 32, ()), "b": ("/healthz", 32, ("-H", "Connection: close")),
                "c": (encode_path, 32, ()), "d": (audio_path, 32, ()), "e": ("/healthz", 256, ())}
        total_runs = len(scenarios) * reps * len(FRONTS)
        done = 0
        for sc in scenarios:
            results[sc] = {f: [] for f in FRONTS}
            if sc == "i":
                log("(i) core encode/decode: bench/core/bench.sh")
                results[sc] = core_bench(bin_dir, quick)
                log(f"(i) encode {results[sc]['encode']} MB/s, decode {results[sc]['decode']} MB/s, "
                    f"tr {results[sc]['tr']} MB/s")
                continue
            if sc == "f":
                hap = median([r["rps"] for r in results.get("a", {}).get("haproxy", [])])
                if hap != hap:
                    log("(f) no (a) result for HAProxy: measuring its maximum first")
                    hap = closed_loop(bed, "haproxy", "/healthz", seconds, 32, warmup=warmup)["rps"]
                rate = hap / 2
                results["f_rate"] = rate
            for rep in range(1, reps + 1):
                for front in FRONTS:
                    bed.check_alive()
                    done += 1
                    if sc in loop:
                        path, conns, extra = loop[sc]
                        r = closed_loop(bed, front, path, seconds, conns, extra, warmup=warmup)
                    elif sc == "f":
                        r = open_loop(bed, front, rate, seconds + 2)
                    elif sc == "g":
                        r = hold_idle(bed, front, idle, 1 if quick else 2)
                    elif sc == "h":
                        r = kill_worker(bed, front, 3 if quick else 6, 1 if quick else 2)
                    results[sc][front].append(r)
                    log(f"[{done}/{total_runs - (reps * len(FRONTS) if 'i' in scenarios else 0)}] ({sc}) "
                        f"rep {rep} {front:<11} " + summary(sc, r))
        perf_text = None
        report = build_report(results, info, reps, seconds, quick, idle, audio_bytes)
        if perf_mode == "always" or (perf_mode == "auto" and report["missed"]):
            log("profiling morse-proxy during (a) with perf" + (" (goals missed)" if report["missed"] else ""))
            perf_text = profile(bed, seconds)
        write_outputs(out_dir, stamp, report, results, info, perf_text)
    except KeyboardInterrupt:
        log("interrupted: stopping every process")
        return 130
    except BenchError as e:
        log(f"error: {e}")
        return 1
    finally:
        bed.procs.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    log(f"done in {time.monotonic() - T0:.0f}s")
    return 0


def summary(sc, r):
    if sc == "g":
        return (f"RSS {r['rss_before']:.1f} -> {r['rss_mib']:.1f} MiB with {r['held']} held "
                f"({r['answered']} answered, {r['errors']} errors)")
    if sc == "h":
        return f"{r['requests']:.0f} requests, {r['errors']:.0f} failed (killed {r['victim']})"
    text = (f"{r['rps']:8.0f} rps  p50 {r['p50']:.3f} ms  p99 {r['p99']:.3f} ms  CPU {r['cpu10k']:.3f} s/10k  "
            f"RSS {r['rss_mib']:.1f} MiB")
    if sc == "f":
        text += f"  p99.9 {r['p999']:.3f} ms"
    if r.get("errors"):
        text += f"  ERRORS {r['errors']:.0f}"
    return text


# ---------------------------------------------------------------- report


SC_TITLE = {"a": "(a) /healthz, 32 keep-alive", "b": "(b) /healthz, Connection: close", "c": "(c) encode 40 chars",
            "d": "(d) audio WAV", "e": "(e) /healthz, 256 connections", "f": "(f) open loop, 50 % of HAProxy (a)",
            "g": "(g) 10k idle connections", "h": "(h) SIGKILL of a worker", "i": "(i) core encode/decode"}


def build_report(results, info, reps, seconds, quick, idle, audio_bytes):
    med = {}
    for sc, per in results.items():
        if sc in ("i", "f_rate"):
            continue
        med[sc] = {}
        for front, runs in per.items():
            keys = runs[0].keys() if runs else []
            med[sc][front] = {k: median([r[k] for r in runs]) for k in keys if isinstance(runs[0][k], (int, float))}
    goals = []

    def ratio(sc, key, a="morse-proxy", b="haproxy"):
        try:
            return med[sc][a][key] / med[sc][b][key]
        except (KeyError, ZeroDivisionError):
            return float("nan")
    if "a" in med:
        x = ratio("a", "rps")
        goals.append(("rps (a) >= 1.10x HAProxy", f"{x:.2f}x ({med['a']['morse-proxy']['rps']:.0f} vs "
                      f"{med['a']['haproxy']['rps']:.0f})", x >= 1.10))
    if "c" in med:
        x = ratio("c", "rps")
        goals.append(("rps (c) >= 1.10x HAProxy", f"{x:.2f}x ({med['c']['morse-proxy']['rps']:.0f} vs "
                      f"{med['c']['haproxy']['rps']:.0f})", x >= 1.10))
    if "f" in med:
        m, h = med["f"]["morse-proxy"]["p99"], med["f"]["haproxy"]["p99"]
        goals.append(("p99 (f) <= HAProxy's", f"{m:.3f} ms vs {h:.3f} ms ({m / h:.2f}x)", m <= h))
    if "a" in med:
        x = ratio("a", "cpu10k")
        goals.append(("CPU/request (a) <= 0.8x HAProxy", f"{x:.2f}x ({med['a']['morse-proxy']['cpu10k']:.3f} vs "
                      f"{med['a']['haproxy']['cpu10k']:.3f} s/10k)", x <= 0.8))
    if "g" in med:
        rss, held = med["g"]["morse-proxy"]["rss_mib"], med["g"]["morse-proxy"]["held"]
        goals.append((f"RSS (g) <= 64 MiB with {idle} idle", f"{rss:.1f} MiB ({held:.0f} held)",
                      rss <= 64 and held >= idle))
    if "h" in med:
        runs = results["h"]["morse-proxy"]
        fails = [int(r["errors"]) for r in runs]
        goals.append(("0 failed requests (h)", f"{sum(fails)} failed in {len(runs)} run(s) ({fails})",
                      sum(fails) == 0))
    return {"med": med, "goals": goals, "missed": [g for g in goals if not g[2]], "reps": reps, "seconds": seconds,
            "quick": quick, "idle": idle, "audio_bytes": audio_bytes, "f_rate": results.get("f_rate"),
            "core": results.get("i")}


def fmt(v, spec):
    return "–" if v is None or v != v else format(v, spec)


def markdown(report, info, stamp, png_name, perf_name):
    med, lines = report["med"], []
    add = lines.append
    add(f"# Morse cluster benchmark {stamp}")
    add("")
    add(f"{'QUICK mode (indicative only): ' if report['quick'] else ''}{report['reps']} interleaved repetition(s) "
        f"per (front, scenario), medians; closed-loop runs {report['seconds']:g} s after a warm-up (wrk -t1). "
        "Two morse-workers (SQLite) behind every front; everything on 127.0.0.1. Reproduce: `make bench` "
        "(`make bench QUICK=1` for a quick look).")
    add("")
    add(f"Machine: {info['cpu']}, {info['cores']} cores (shared), {info['os']}, kernel {info['kernel']}, "
        f"load average at start {info['load']}. {info['haproxy']}, {info['nginx']}, {info['swift']}, "
        f"{info['wrk']}, {info['h2load']}.")
    add("")
    add("Fronts: **direct** = one worker, no proxy; **morse-proxy** (release, access log off, checks every 2 s, "
        "retries 2); **haproxy** (nbthread 1, http-reuse always, retries 3, option redispatch 1, retry-on "
        "conn-failure empty-response, checks inter 2s rise 2 fall 3); **nginx** (one process, upstream keepalive "
        "64, HTTP/1.1, access_log off). CPU = utime+stime of the front process only (for direct: the worker). "
        "RSS = VmHWM of the front during the run.")
    add("")
    add(f"![rps and p99 per front and scenario]({png_name})")
    add("")
    add("| scenario | front | req/s | p50 ms | p99 ms | CPU s/10k | peak RSS MiB | errors | rps/HAProxy | "
        "rps/nginx |")
    add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sc in [s for s in "abcdef" if s in med]:
        title = SC_TITLE[sc]
        if sc == "f":
            title += f" = {report['f_rate']:.0f} req/s"
        if sc == "d":
            title += f" ({report['audio_bytes'] // 1000} KB)"
        for front in FRONTS:
            m = med[sc][front]
            hap, ngx = med[sc]["haproxy"]["rps"], med[sc]["nginx"]["rps"]
            p99 = fmt(m["p99"], ".3f") + (f" (p99.9 {m['p999']:.3f})" if sc == "f" else "")
            add(f"| {title} | {front} | {fmt(m['rps'], '.0f')} | {fmt(m['p50'], '.3f')} | {p99} | "
                f"{fmt(m['cpu10k'], '.3f')} | {fmt(m['rss_mib'], '.1f')} | {fmt(m['errors'], '.0f')} | "
                f"{fmt(m['rps'] / hap, '.2f')} | {fmt(m['rps'] / ngx, '.2f')} |")
            title = ""
    if "g" in med:
        add("")
        add(f"**{SC_TITLE['g']}** ({report['idle']} connections, each served one `/healthz`, held idle):")
        add("")
        add("| front | RSS before MiB | RSS held MiB | peak MiB | held | errors |")
        add("|---|---:|---:|---:|---:|---:|")
        for front in FRONTS:
            m = med["g"][front]
            add(f"| {front} | {m['rss_before']:.1f} | {m['rss_mib']:.1f} | {m['peak_mib']:.1f} | {m['held']:.0f} | "
                f"{m['errors']:.0f} |")
    if "h" in med:
        add("")
        add(f"**{SC_TITLE['h']}** under load (a) (wrk 32 connections; the worker restarted between fronts; direct "
            "loses its only worker, so it shows what a front without failover costs):")
        add("")
        add("| front | requests (median) | failed per run | failed (median) |")
        add("|---|---:|---|---:|")
        for front in FRONTS:
            m = med["h"][front]
            add(f"| {front} | {m['requests']:.0f} | {m.get('_list', '')} | {m['errors']:.0f} |")
    core = report.get("core")
    if core:
        add("")
        add(f"**{SC_TITLE['i']}** (bench/core/bench.sh, input MB/s): encode {core['encode']}, decode "
            f"{core['decode']}, `tr a-z A-Z` {core['tr']}; encode/tr {core['encode_tr']:.2f}, decode/tr "
            f"{core['decode_tr']:.2f}.")
    add("")
    add("## Ratios (same run)")
    add("")
    add("| scenario | morse-proxy rps / HAProxy | / nginx | p99 / HAProxy | / nginx | CPU / HAProxy | / nginx |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    for sc in [s for s in "abcdef" if s in med]:
        m, h, n = med[sc]["morse-proxy"], med[sc]["haproxy"], med[sc]["nginx"]
        add(f"| ({sc}) | {m['rps'] / h['rps']:.2f} | {m['rps'] / n['rps']:.2f} | {m['p99'] / h['p99']:.2f} | "
            f"{m['p99'] / n['p99']:.2f} | {m['cpu10k'] / h['cpu10k']:.2f} | {m['cpu10k'] / n['cpu10k']:.2f} |")
    add("")
    add("## Goals (issue 9)")
    add("")
    add("| goal | measured | |")
    add("|---|---|---|")
    for name, value, ok in report["goals"]:
        add(f"| {name} | {value} | {'met' if ok else '**missed**'} |")
    if perf_name:
        add("")
        add(f"Where morse-proxy's time goes during (a): [{perf_name}]({perf_name}).")
    return "\n".join(lines) + "\n"


def chart(path, report):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    med = report["med"]
    colors = {"direct": "#7f7f7f", "morse-proxy": "#d62728", "haproxy": "#1f77b4", "nginx": "#2ca02c"}
    loops = [s for s in "abcdef" if s in med]
    extra = [s for s in "gh" if s in med] + (["i"] if report.get("core") else [])
    if "a" in med:
        extra = ["cpu"] + extra
    cols = max(len(loops), len(extra), 1)
    rows = 2 + (1 if extra else 0)
    fig, axes = plt.subplots(rows, cols, figsize=(3.1 * cols, 3.3 * rows), squeeze=False)

    def bars(ax, values, title, unit, labels=FRONTS, cmap=None):
        xs = range(len(labels))
        cs = [colors.get(l, c) for l, c in zip(labels, cmap or ["#9467bd"] * len(labels))]
        bs = ax.bar(xs, [0 if v != v else v for v in values], color=cs)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(unit, fontsize=8)
        ax.set_xticks(list(xs))
        ax.set_xticklabels([l.replace("morse-proxy", "morse") for l in labels], fontsize=8, rotation=20)
        ax.tick_params(axis="y", labelsize=7)
        top = max([v for v in values if v == v] or [1]) or 1
        ax.set_ylim(0, top * 1.18)
        for b, v in zip(bs, values):
            ax.annotate("–" if v != v else (f"{v:.0f}" if v >= 100 else f"{v:.2f}" if v < 10 else f"{v:.1f}"),
                        (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom", fontsize=7)
    for i, sc in enumerate(loops):
        t = SC_TITLE[sc].replace(", 50 % of HAProxy (a)", f" {report['f_rate']:.0f}/s") if sc == "f" else SC_TITLE[sc]
        bars(axes[0][i], [med[sc][f]["rps"] for f in FRONTS], t, "req/s")
        bars(axes[1][i], [med[sc][f]["p99"] for f in FRONTS], t, "p99 ms")
    for j in range(len(loops), cols):
        axes[0][j].axis("off")
        axes[1][j].axis("off")
    for i, what in enumerate(extra):
        ax = axes[2][i]
        if what == "cpu":
            bars(ax, [med["a"][f]["cpu10k"] for f in FRONTS], "(a) CPU of the front", "s per 10k requests")
        elif what == "g":
            bars(ax, [med["g"][f]["rss_mib"] for f in FRONTS], f"(g) RSS, {report['idle']} idle conns", "MiB")
            ax.axhline(64, color="black", lw=0.8, ls="--")
        elif what == "h":
            bars(ax, [med["h"][f]["errors"] for f in FRONTS], "(h) failed requests, worker killed", "requests")
            if max(med["h"][f]["errors"] for f in FRONTS) > 100:
                ax.set_yscale("symlog")
                ax.set_ylim(0, max(med["h"][f]["errors"] for f in FRONTS) * 5)
        elif what == "i":
            core = report["core"]
            bars(ax, [core["encode"], core["decode"], core["tr"]], "(i) core throughput", "input MB/s",
                 labels=["encode", "decode", "tr"], cmap=["#d62728", "#ff9896", "#7f7f7f"])
    for j in range(len(extra), cols):
        if rows > 2:
            axes[2][j].axis("off")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[f]) for f in FRONTS]
    fig.suptitle("Morse cluster: req/s (top row) and p99 (middle row) per front and scenario" +
                 (" — QUICK mode, indicative only" if report["quick"] else ""), y=0.995, fontsize=12)
    fig.legend(handles, FRONTS, loc="upper center", bbox_to_anchor=(0.5, 0.975), ncol=4, fontsize=10, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    fig.savefig(path, dpi=90)
    plt.close(fig)


def profile(bed, seconds):
    """perf stat (syscalls per request) of each proxy and perf record of morse-proxy during (a)."""
    perf = shutil.which("perf")
    if not perf:
        return "perf is not installed (scripts/install-deps.sh bench installs linux-perf)\n"
    events = ["task-clock", "context-switches", "raw_syscalls:sys_enter"] + [
        f"syscalls:sys_enter_{s}" for s in ("epoll_wait", "epoll_ctl", "read", "write", "readv", "writev",
                                            "recvfrom", "sendto", "recvmsg", "sendmsg", "accept4", "close",
                                            "setsockopt", "getsockopt", "getpid", "ioctl", "clock_gettime")]
    lines = ["# perf summary: fronts during (a) (wrk -t1 -c32 GET /healthz)", ""]
    dur = max(3, int(seconds))
    rows = {}
    for front in ("morse-proxy", "haproxy", "nginx"):
        url = f"http://127.0.0.1:{bed.port(front)}/healthz"
        wrk = subprocess.Popen(["wrk", "-t1", "-c32", f"-d{dur + 1}s", url], stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        r = subprocess.run([perf, "stat", "-x", ",", "-e", ",".join(events), "-p", str(bed.pid(front)), "--",
                            "sleep", str(dur)], capture_output=True, text=True)
        out, _ = wrk.communicate()
        rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
        counts = {}
        for line in r.stderr.splitlines():
            parts = line.split(",")
            if len(parts) > 3 and parts[0].replace(".", "").isdigit():
                counts[parts[2].replace("syscalls:sys_enter_", "")] = float(parts[0])
        rows[front] = (rps * dur, counts)
    names = ["task-clock", "raw_syscalls:sys_enter"] + [e.replace("syscalls:sys_enter_", "") for e in events[3:]]
    lines.append("per request        " + "".join(f"{f:>14}" for f in rows))
    for n in names:
        vals = []
        for f, (reqs, counts) in rows.items():
            v = counts.get(n, float("nan")) / reqs if reqs else float("nan")
            if n == "task-clock":
                v *= 1000  # ms -> µs
            vals.append(v)
        if all(v != v or v < 0.005 for v in vals):
            continue
        label = {"task-clock": "CPU µs", "raw_syscalls:sys_enter": "syscalls"}.get(n, n)
        lines.append(f"{label:<19}" + "".join(f"{v:>14.2f}" for v in vals))
    lines += ["", "# perf record -F 999 of morse-proxy during (a): share of samples by DSO", ""]
    data = bed.work / "perf.data"
    url = f"http://127.0.0.1:{bed.morse_port}/healthz"
    wrk = subprocess.Popen(["wrk", "-t1", "-c32", f"-d{dur + 1}s", url], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    subprocess.run([perf, "record", "-F", "999", "-g", "-o", str(data), "-p", str(bed.morse.pid), "--", "sleep",
                    str(dur)], capture_output=True)
    wrk.wait()

    def report(*extra, limit=30):
        r = subprocess.run([perf, "report", "-i", str(data), "--stdio", "--no-children", "-g", "none",
                            "--percent-limit", "0.7", *extra], capture_output=True, text=True)
        body = [l.rstrip() for l in r.stdout.splitlines() if l.strip() and not l.startswith("#")]
        return body[:limit]
    lines += report("--sort", "dso", limit=12)
    lines += ["", "# top symbols (self)", ""]
    lines += report("--sort", "dso,sym", limit=35)
    lines += ["", "# kernel share by syscall path (children, top callers in the kernel)", ""]
    r = subprocess.run([perf, "report", "-i", str(data), "--stdio", "--children", "-g", "none", "--sort", "sym",
                        "--percent-limit", "4"], capture_output=True, text=True)
    lines += [l.rstrip() for l in r.stdout.splitlines() if l.strip() and not l.startswith("#")][:25]
    return "\n".join(lines) + "\n"


def write_outputs(out_dir, stamp, report, results, info, perf_text):
    png, md, js = out_dir / f"{stamp}.png", out_dir / f"{stamp}.md", out_dir / f"{stamp}.json"
    perf_name = None
    if perf_text:
        perf_name = f"{stamp}-perf.txt"
        (out_dir / perf_name).write_text(perf_text)
    if "h" in report["med"]:
        for front in FRONTS:
            report["med"]["h"][front]["_list"] = ", ".join(str(int(r["errors"])) for r in results["h"][front])
    chart(png, report)
    md.write_text(markdown(report, info, stamp, png.name, perf_name))
    js.write_text(json.dumps({"machine": info, "results": {k: v for k, v in results.items()}},
                             indent=1, default=str))
    log(f"wrote {md}, {png}" + (f", {out_dir / perf_name}" if perf_name else ""))
    print()
    print(md.read_text().split("## Ratios (same run)", 1)[0].split("![rps", 1)[0].strip().splitlines()[0])
    text = md.read_text()
    print(text[text.index("| scenario | front"):].split("\n\n")[0])
    print()
    print("## Ratios (same run)" + text.split("## Ratios (same run)", 1)[1])


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        log(f"error: {e}")
        sys.exit(1)
