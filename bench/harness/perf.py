"""Where the proxies' time goes under load (a): perf stat of each proxy (CPU and syscalls per request) and perf
record of morse-proxy (shares by DSO and symbol). Written beside the report when a goal is missed."""

import math
import re
import shutil
import subprocess
import time
from pathlib import Path

from .cluster import Cluster
from .fronts import SUBJECT

SYSCALLS = ("epoll_wait", "epoll_ctl", "read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg",
            "accept4", "close", "setsockopt", "getsockopt", "getpid", "ioctl", "clock_gettime")
EVENTS = ["task-clock", "context-switches", "raw_syscalls:sys_enter"] + [f"syscalls:sys_enter_{s}" for s in SYSCALLS]
LABELS = {"task-clock": "CPU µs", "raw_syscalls:sys_enter": "syscalls"}


def wrk_in_background(url: str, seconds: int, stdout: int | None) -> subprocess.Popen[str]:
    return subprocess.Popen(["wrk", "-t1", "-c32", f"-d{seconds}s", url], stdout=stdout, text=True)


def per_request_counts(perf: str, cluster: Cluster, seconds: int) -> list[str]:
    """perf stat of every proxy under wrk -c32: counts divided by the requests wrk made meanwhile."""
    rows: dict[str, tuple[float, dict[str, float]]] = {}
    for front in (f for f in cluster.fronts if f.process is not None):
        wrk = wrk_in_background(front.url("/healthz"), seconds + 1, subprocess.PIPE)
        time.sleep(0.5)  # perf counts the steady state, not wrk's connecting
        r = subprocess.run([perf, "stat", "-x", ",", "-e", ",".join(EVENTS), "-p", str(front.pid), "--", "sleep",
                            str(seconds)], capture_output=True, text=True)
        out, _ = wrk.communicate()
        rps = float(m.group(1)) if (m := re.search(r"Requests/sec:\s*([\d.]+)", out)) else math.nan
        counts = {}
        for line in r.stderr.splitlines():  # CSV: value,unit,event,...
            parts = line.split(",")
            if len(parts) > 3 and parts[0].replace(".", "").isdigit():
                counts[parts[2].replace("syscalls:sys_enter_", "")] = float(parts[0])
        rows[front.name] = (rps * seconds, counts)
    lines = ["per request        " + "".join(f"{name:>14}" for name in rows)]
    for event in ["task-clock", "raw_syscalls:sys_enter", *SYSCALLS]:
        values = []
        for requests, counts in rows.values():
            value = counts.get(event, math.nan) / requests if requests else math.nan
            values.append(value * 1000 if event == "task-clock" else value)  # task-clock: ms -> µs
        if all(math.isnan(v) or v < 0.005 for v in values):
            continue  # a syscall none of them makes
        lines.append(f"{LABELS.get(event, event):<19}" + "".join(f"{v:>14.2f}" for v in values))
    return lines


def perf_report(perf: str, data: Path, *args: str, limit: int, children: bool = False,
                percent_limit: str = "0.7") -> list[str]:
    r = subprocess.run([perf, "report", "-i", str(data), "--stdio", "--children" if children else "--no-children",
                        "-g", "none", "--percent-limit", percent_limit, *args], capture_output=True, text=True)
    return [line.rstrip() for line in r.stdout.splitlines() if line.strip() and not line.startswith("#")][:limit]


def profile(cluster: Cluster, seconds: float) -> str:
    perf = shutil.which("perf")
    if not perf:
        return "perf is not installed (scripts/install-deps.sh bench installs linux-perf)\n"
    duration = max(3, int(seconds))
    lines = ["# perf summary: fronts during (a) (wrk -t1 -c32 GET /healthz)", ""]
    lines += per_request_counts(perf, cluster, duration)
    lines += ["", f"# perf record -F 999 of {SUBJECT} during (a): share of samples by DSO", ""]
    subject = cluster.front(SUBJECT)
    data = cluster.work / "perf.data"
    wrk = wrk_in_background(subject.url("/healthz"), duration + 1, subprocess.DEVNULL)
    time.sleep(0.5)
    subprocess.run([perf, "record", "-F", "999", "-g", "-o", str(data), "-p", str(subject.pid), "--", "sleep",
                    str(duration)], capture_output=True)
    wrk.wait()
    lines += perf_report(perf, data, "--sort", "dso", limit=12)
    lines += ["", "# top symbols (self)", ""]
    lines += perf_report(perf, data, "--sort", "dso,sym", limit=35)
    lines += ["", "# kernel share by syscall path (children, top callers in the kernel)", ""]
    lines += perf_report(perf, data, "--sort", "sym", limit=25, children=True, percent_limit="4")
    return "\n".join(lines) + "\n"
