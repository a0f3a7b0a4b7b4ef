"""The machine and the tool versions a report states: numbers from a shared 2-core machine need their context."""

import os
import platform
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .procs import tool


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    os: str
    kernel: str
    haproxy: str
    nginx: str
    swift: str
    wrk: str
    h2load: str
    load: str  # the load average at start: the other work sharing the machine


def version(argv: list[str], pattern: str | None = None) -> str:
    """The part of a tool's version output matching `pattern`, else its first line; "?" when it fails."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (r.stdout + r.stderr).strip()
    if pattern and (m := re.search(pattern, text)):
        return m.group(0)
    return text.splitlines()[0] if text else "?"


def first_value(path: str, prefix: str, separator: str) -> str | None:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    return next((line.split(separator, 1)[1].strip().strip('"') for line in lines if line.startswith(prefix)), None)


def describe() -> Machine:
    return Machine(
        cpu=first_value("/proc/cpuinfo", "model name", ":") or platform.processor(),
        cores=os.cpu_count() or 0,
        os=first_value("/etc/os-release", "PRETTY_NAME=", "=") or "?",
        kernel=platform.release(),
        haproxy=version([tool("haproxy"), "-v"], r"HAProxy version \S+"),
        nginx=version([tool("nginx"), "-v"], r"nginx/\S+"),
        swift=version(["swift", "--version"], r"Swift version \S+"),
        wrk=version(["wrk", "-v"], r"wrk \S+"),
        h2load=version(["h2load", "--version"]),
        load=" ".join(f"{x:.1f}" for x in os.getloadavg()),
    )
