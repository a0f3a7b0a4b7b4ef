#!/usr/bin/env python3
"""Fault tests, Python stdlib only (also collected by pytest).

outage:   a local cluster (proxy + 2 workers, MORSE_READY_WITHOUT_DATABASE=1) on a throwaway PostgreSQL, plus one
          worker with the default readiness policy on the same database. Under a bounded load, PostgreSQL is
          stopped, then started again. Checks: encode/decode through the proxy keep answering 200 from the cache;
          message writes answer 201 or 503 with Retry-After, nothing else; /readyz is 200 on the cluster's
          workers and 503 on the default-policy worker during the outage; after the database returns, writes
          succeed again without any restart (same PIDs) and every acknowledged (201) message reads back.
diskfull: one worker whose SQLite database sits on a 4 MB tmpfs, filled up. Checks: writes answer 503 with
          Retry-After (no 500, no hang), reads keep working, PRAGMA integrity_check is ok, every acknowledged
          message is in the file, and writes succeed again once space is freed. The tmpfs is removed at the end.

Usage: MORSE_BIN_DIR=.build-hostile/debug Tests/hostile/test_db_outage.py [outage] [diskfull]
Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))
try:
    import pytest  # noqa: F401
except ImportError:
    stub = types.ModuleType("pytest")
    stub.fail = lambda message: (_ for _ in ()).throw(SystemExit(message))
    stub.fixture = lambda *a, **k: (a[0] if a and callable(a[0]) else (lambda f: f))
    sys.modules["pytest"] = stub
from conftest import LocalCluster, bin_dir, free_ports, wait_for  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_USER = "postgres"


def request(url, method="GET", body=None, timeout=8, headers=None):
    """(status, headers, body bytes); status 0 when nothing answered."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""


# --- PostgreSQL ------------------------------------------------------------------------------------------------

class Postgres:
    """initdb in a temporary folder, a server on a free loopback port; the same as the Swift tests' helper."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="morse-pg-outage-"))
        self.data = self.dir / "data"
        self.port = free_ports(1)[0]
        if os.getuid() == 0:
            shutil.chown(self.dir, PG_USER)
        self._as_user([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "morse", "-A", "trust", "-E", "UTF8",
                       "--locale=C", "--no-sync"])

    def _as_user(self, command):
        if os.getuid() == 0:
            command = ["/usr/sbin/runuser", "-u", PG_USER, "--"] + command
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    @property
    def url(self):
        return f"postgres://morse@127.0.0.1:{self.port}/postgres"

    def start(self):
        self._as_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w",
                       "-t", "30", "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                       "start"])

    def stop(self, mode="fast"):
        self._as_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def destroy(self):
        try:
            self.stop("immediate")
        except Exception:  # noqa: BLE001  (already stopped)
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class DatabaseCluster(LocalCluster):
    """LocalCluster with `--database URL` (morsectl cluster up passes it to every worker)."""

    def __init__(self, tmp, database):
        super().__init__(tmp)
        self.database = database

    def start(self):
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(bin_dir() / "morsectl"), "cluster", "up", "--workers", str(self.workers),
             "--proxy-port", str(self.proxy_port), "--worker-port", str(self.worker_port),
             "--admin-port", str(self.admin_port), "--state-dir", str(self.state), "--bin-dir", str(bin_dir()),
             "--database", self.database],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: len(self.status_states()) == self.workers and all(
            s == "up" for s in self.status_states().values()), timeout=90, what="every backend up in /status")
        return self


class Worker:
    """One morse-worker started directly (its own log file)."""

    def __init__(self, tmp, database, name="solo", env=None):
        self.port = free_ports(1)[0]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tmp) / f"{name}.log"
        self.log = open(self.log_path, "wb")
        environment = dict(os.environ)
        environment.pop("MORSE_READY_WITHOUT_DATABASE", None)
        environment.update(env or {})
        self.process = subprocess.Popen(
            [str(bin_dir() / "morse-worker"), "--host", "127.0.0.1", "--port", str(self.port), "--name", name,
             "--database", database, "--drain-seconds", "0", "--store-timeout", "2"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=environment)
        wait_for(lambda: request(self.url + "/readyz", timeout=2)[0] == 200, timeout=60, what=f"{name} ready")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- load ------------------------------------------------------------------------------------------------------

class Load:
    """Threads sending encode, decode and message writes in a loop; bounded by `max_seconds` and `max_requests`."""

    def __init__(self, base, threads=4, max_seconds=90, max_requests=60000):
        self.base = base
        self.threads = threads
        self.deadline = time.monotonic() + max_seconds
        self.max_requests = max_requests
        self.lock = threading.Lock()
        self.phase = "before"
        self.stop_flag = threading.Event()
        self.records = []  # (phase, kind, status, retry_after, id, text)
        self.count = 0
        self.workers = []
        self.slowest = {}  # (phase, write status) -> slowest answer in seconds

    def start(self):
        for index in range(self.threads):
            thread = threading.Thread(target=self.run, args=(index,), daemon=True)
            thread.start()
            self.workers.append(thread)

    def run(self, index):
        n = 0
        while not self.stop_flag.is_set() and time.monotonic() < self.deadline:
            with self.lock:
                if self.count >= self.max_requests:
                    return
                self.count += 2 if index % 2 == 0 else 1
                phase = self.phase
            n += 1
            text = f"outage t{index} n{n} {time.monotonic_ns() % 1000000}"
            if index % 2 == 0:
                # Readers and writers in separate threads: a write waiting out the store timeout during the
                # outage must not slow the reads down.
                status, headers, body = request(self.base + "/api/v1/encode?text=sos%20" + str(n), timeout=8)
                self.add(phase, "encode", status, headers)
                status, headers, body = request(self.base + "/api/v1/decode?morse=...%20---%20...", timeout=8)
                self.add(phase, "decode", status, headers)
                continue
            started = time.monotonic()
            status, headers, body = request(self.base + "/api/v1/messages", "POST", {"text": text}, timeout=8)
            took = time.monotonic() - started
            with self.lock:
                key = (phase, status)
                self.slowest[key] = max(self.slowest.get(key, 0.0), took)
            message_id = None
            if status == 201:
                try:
                    message_id = json.loads(body)["id"]
                except (ValueError, KeyError):
                    status = -201  # a 201 without an id counts as a failure
            self.add(phase, "write", status, headers, message_id, text)
            if status == 503:
                time.sleep(0.05)

    def add(self, phase, kind, status, headers, message_id=None, text=None):
        retry_after = {k.lower(): v for k, v in headers.items()}.get("retry-after")
        with self.lock:
            self.records.append((phase, kind, status, retry_after, message_id, text))

    def set_phase(self, phase):
        with self.lock:
            self.phase = phase

    def finish(self):
        self.stop_flag.set()
        for thread in self.workers:
            thread.join(timeout=30)

    def summary(self):
        table = {}
        for phase, kind, status, _, _, _ in self.records:
            table.setdefault((phase, kind), {}).setdefault(status, 0)
            table[(phase, kind)][status] += 1
        return table


def print_summary(load):
    print(f"{'phase':<10} {'request':<8} statuses")
    for (phase, kind), statuses in sorted(load.summary().items()):
        print(f"{phase:<10} {kind:<8} " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    print("slowest write answer: " + ", ".join(
        f"{phase} {status}: {took:.2f} s" for (phase, status), took in sorted(load.slowest.items())))


# --- the tests -------------------------------------------------------------------------------------------------

def test_database_outage(tmp_path=None):
    tmp = Path(tmp_path or tempfile.mkdtemp(prefix="morse-outage-"))
    problems = []
    pg = Postgres()
    cluster = solo = load = None
    saved = os.environ.get("MORSE_READY_WITHOUT_DATABASE")
    try:
        pg.start()
        # The cluster's policy for a shared database: stay ready on the cache (docs/operations.md).
        os.environ["MORSE_READY_WITHOUT_DATABASE"] = "1"
        cluster = DatabaseCluster(tmp, pg.url).start()
        if saved is None:
            os.environ.pop("MORSE_READY_WITHOUT_DATABASE", None)
        else:
            os.environ["MORSE_READY_WITHOUT_DATABASE"] = saved
        solo = Worker(tmp, pg.url, name="strict")  # default policy: unready without the database
        pids = cluster.pids()
        worker_urls = [f"http://127.0.0.1:{cluster.worker_port + i}" for i in range(cluster.workers)]

        load = Load(cluster.url)
        load.start()
        time.sleep(4)

        load.set_phase("outage")
        outage_started = time.monotonic()
        pg.stop("fast")
        # Readiness during the outage, after a few refresh periods.
        strict_unready = None
        try:
            strict_unready = wait_for(lambda: request(solo.url + "/readyz", timeout=2)[0] == 503, timeout=20,
                                      what="the default-policy worker unready")
        except AssertionError as error:
            problems.append(str(error))
        time.sleep(max(0.0, 10 - (time.monotonic() - outage_started)))
        cluster_ready = [request(url + "/readyz", timeout=2) for url in worker_urls]
        for url, (status, _, _) in zip(worker_urls, cluster_ready, strict=True):
            if status != 200:
                problems.append(f"{url}/readyz answered {status} during the outage with --ready-without-database")
        readyz_body = cluster_ready[0][2].decode(errors="replace")
        states = cluster.status_states()
        if not all(s == "up" for s in states.values()):
            problems.append(f"proxy took workers out during the outage: {states}")

        load.set_phase("restored")
        pg.start()
        restored_at = time.monotonic()
        recovered = None
        try:
            wait_for(lambda: any(r[0] == "restored" and r[1] == "write" and r[2] == 201 for r in list(load.records)),
                     timeout=30, what="a successful write after the database returned")
            recovered = time.monotonic() - restored_at
        except AssertionError as error:
            problems.append(str(error))
        try:
            wait_for(lambda: request(solo.url + "/readyz", timeout=2)[0] == 200, timeout=30,
                     what="the default-policy worker ready again")
        except AssertionError as error:
            problems.append(str(error))
        load.set_phase("after")
        time.sleep(3)
        load.finish()

        # Checks on what the load saw.
        for phase, kind, status, retry_after, _, _ in load.records:
            if kind in ("encode", "decode") and status != 200:
                problems.append(f"{phase} {kind} answered {status}")
            if kind == "write" and status not in (201, 503):
                problems.append(f"{phase} write answered {status}")
            if kind == "write" and status == 503 and not retry_after:
                problems.append(f"{phase} write 503 without Retry-After")
            if kind == "write" and phase == "after" and status != 201:
                problems.append(f"write after recovery answered {status}")
        outage_503 = sum(1 for r in load.records if r[0] == "outage" and r[1] == "write" and r[2] == 503)
        if outage_503 == 0:
            problems.append("no write answered 503 during the outage")
        acknowledged = [(r[4], r[5]) for r in load.records if r[1] == "write" and r[2] == 201]
        lost = []
        for message_id, text in acknowledged:
            status, _, body = request(f"{cluster.url}/api/v1/messages/{message_id}", timeout=8)
            if status != 200 or json.loads(body).get("text") != text:
                lost.append((message_id, status))
        if lost:
            problems.append(f"{len(lost)} acknowledged messages missing, e.g. {lost[:3]}")
        if cluster.pids() != pids:
            problems.append(f"processes restarted: {pids} -> {cluster.pids()}")
        if solo.process.poll() is not None:
            problems.append("the default-policy worker exited")

        print_summary(load)
        print(f"default-policy worker /readyz during the outage: {'503' if strict_unready else 'not 503'}; "
              f"cluster workers /readyz: {[s for s, _, _ in cluster_ready]} body {readyz_body}")
        print(f"writes recovered {recovered:.1f} s after the database returned" if recovered is not None
              else "writes did not recover")
        print(f"outage: {len(load.records)} requests, {outage_503} writes answered 503 during the outage, "
              f"{len(acknowledged)} acknowledged (201), {len(lost)} lost, {len(problems)} problems")
    finally:
        if load:
            load.finish()
        if solo:
            solo.stop()
        if cluster:
            cluster.stop()
        pg.destroy()
    for problem in problems[:20]:
        print("PROBLEM:", problem)
    assert not problems, f"{len(problems)} problems"


def test_sqlite_disk_full(tmp_path=None):
    if os.getuid() != 0:
        print("diskfull: skipped (mounting a tmpfs needs root)")
        return
    tmp = Path(tmp_path or tempfile.mkdtemp(prefix="morse-diskfull-"))
    mount = tmp / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "morse-diskfull", str(mount)], check=True)
    problems = []
    worker = None
    database = mount / "morse.sqlite"
    filler = mount / "filler"
    try:
        worker = Worker(tmp, f"sqlite:{database}", name="diskfull")
        # Leave ~256 KB: the messages below fill it within a few hundred writes.
        free = shutil.disk_usage(mount).free
        with open(filler, "wb") as f:
            f.write(b"\0" * max(0, free - 256 * 1024))
        acknowledged = []
        statuses = {}
        full_seen = None
        text = "CQ CQ DE MORSE " * 60  # ~900 characters, ~5 KB of Morse per row
        deadline = time.monotonic() + 60
        for n in range(2000):
            if time.monotonic() > deadline:
                problems.append("disk never filled within 60 s")
                break
            started = time.monotonic()
            status, headers, body = request(worker.url + "/api/v1/messages", "POST", {"text": f"{n} {text}"},
                                            timeout=10)
            took = time.monotonic() - started
            statuses[status] = statuses.get(status, 0) + 1
            if status == 201:
                acknowledged.append((json.loads(body)["id"], f"{n} {text}"))
            elif status == 503:
                retry = {k.lower(): v for k, v in headers.items()}.get("retry-after")
                error = json.loads(body) if body else {}
                full_seen = (retry, error, took)
                if not retry:
                    problems.append("503 without Retry-After")
                # A few more writes while full, then stop.
                for _ in range(5):
                    s, _, _ = request(worker.url + "/api/v1/messages", "POST", {"text": "more"}, timeout=10)
                    statuses[s] = statuses.get(s, 0) + 1
                    if s not in (503, 201):
                        problems.append(f"write on a full disk answered {s}")
                break
            else:
                problems.append(f"write answered {status}: {body[:200]!r}")
                break
        if full_seen is None:
            problems.append("no 503 on a full disk")
        # Reads still work on a full disk.
        status, _, _ = request(worker.url + "/api/v1/encode?text=sos")
        if status != 200:
            problems.append(f"encode on a full disk answered {status}")
        if acknowledged:
            status, _, _ = request(f"{worker.url}/api/v1/messages/{acknowledged[-1][0]}")
            if status != 200:
                problems.append(f"reading a stored message on a full disk answered {status}")
        # Space comes back: writes work again without a restart.
        filler.unlink()
        pid = worker.process.pid
        status, _, body = request(worker.url + "/api/v1/messages", "POST", {"text": "after"}, timeout=10)
        if status == 201:
            acknowledged.append((json.loads(body)["id"], "after"))
        else:
            problems.append(f"write after freeing space answered {status}")
        if worker.process.poll() is not None or worker.process.pid != pid:
            problems.append("the worker exited")
        worker.stop()
        worker = None
        # The file: intact, and every acknowledged message in it.
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            integrity = db.execute("PRAGMA integrity_check").fetchall()
            rows = dict(db.execute("SELECT id, text FROM messages").fetchall())
        finally:
            db.close()  # before the unmount
        if integrity != [("ok",)]:
            problems.append(f"integrity_check: {integrity[:5]}")
        missing = [i for i, t in acknowledged if rows.get(i) != t]
        if missing:
            problems.append(f"{len(missing)} acknowledged messages missing from the file")
        print(f"diskfull: statuses {statuses}; first 503: Retry-After={full_seen[0] if full_seen else None} "
              f"body={json.dumps(full_seen[1]) if full_seen else None} in {full_seen[2]:.2f} s"
              if full_seen else f"diskfull: statuses {statuses}; no 503")
        print(f"diskfull: PRAGMA integrity_check -> {integrity}; {len(acknowledged)} acknowledged, "
              f"{len(missing)} missing, {len(problems)} problems")
    finally:
        if worker:
            worker.stop()
        for _ in range(10):
            if subprocess.run(["umount", str(mount)], capture_output=True).returncode == 0:
                break
            time.sleep(0.5)
        else:
            problems.append(f"could not unmount {mount}")
        if not os.path.ismount(mount):
            shutil.rmtree(tmp, ignore_errors=True)
    for problem in problems:
        print("PROBLEM:", problem)
    assert not problems, f"{len(problems)} problems"


if __name__ == "__main__":
    parts = sys.argv[1:] or ["outage", "diskfull"]
    failed = 0
    for part in parts:
        test = {"outage": test_database_outage, "diskfull": test_sqlite_disk_full}[part]
        try:
            test()
            print(f"{part}: PASS")
        except AssertionError as error:
            print(f"{part}: FAIL ({error})")
            failed += 1
    sys.exit(1 if failed else 0)
