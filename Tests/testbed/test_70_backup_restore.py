"""Issue 20, item 3 - backups that are restored in the test.

The database host backs its database up with a systemd timer (role postgresql: morse-db-backup.timer starts
morse-db-backup.service, which runs pg_dump -Fc into /var/lib/postgresql/backups and keeps the newest
postgresql_backup_keep), and ansible/restore.yml brings a backup back. db-1's /var/lib/postgresql is a mount of its
own, as the Cinder volume is in Heat (cluster/testbed/boot-host binds a directory beside the host's disk there), so
the role's guard of the data volume is exercised both ways.

1. Messages are written through the floating IP under load; a backup is taken (the service started as its timer
   does); the database cluster is destroyed (PostgreSQL stopped, its data directory removed); `make restore`
   (restore.yml) brings the backup back. Every message acknowledged before the backup started reads back: 0
   missing. Beside it, encodes never fail (the workers serve them from their caches throughout), and writes succeed
   again after the restore.
2. The timer is enabled and active, and N+2 runs leave exactly the newest N backups.
3. With the volume held aside (db-1's /var/lib/postgresql unmounted, PostgreSQL stopped), site.yml stops in the
   postgresql role with its message, changes nothing and writes nothing on the root disk beneath; with the volume
   back, site.yml converges with changed=0.
"""

import json
import time

from conftest import (
    ARTIFACTS,
    TIMINGS,
    LoadRun,
    MessageWriter,
    log,
    make,
    playbook,
    read_back_messages,
    wait_backends_up,
)

DATA_MOUNT = "/var/lib/postgresql"          # the data volume's mount point (role default postgresql_data_mount)
CLUSTER_DIR = f"{DATA_MOUNT}/15"            # Debian's clusters of PostgreSQL 15; 15/main is the data directory
BACKUP_DIR = f"{DATA_MOUNT}/backups"
BACKUP_UNIT = "morse-db-backup"
BACKUP_SCRIPT = "/usr/local/lib/morse-db-backup/backup"
PG_UNIT = "postgresql@15-main"
WRITE_SECONDS = 8        # messages written under load before the backup
AFTER_BACKUP_SECONDS = 3  # writes the backup cannot have, before the database is destroyed
WRITES_PER_SECOND = 10   # the writer that runs through the backup, the destruction and the restore
RECOVERY_TIMEOUT = 60    # seconds after the restore for a write to succeed again
TAIL_SECONDS = 3
FIGURES: dict[str, object] = {}


def backups(testbed, db: str) -> list[str]:
    """The backups' names on the database host, oldest first (names sort by time); no hidden partial files."""
    names = testbed.ssh(db, f"sudo ls -A {BACKUP_DIR}").stdout.split()
    assert not [n for n in names if n.startswith(".")], f"partial files left in {BACKUP_DIR}: {names}"
    return sorted(names)


def last_backup_line(testbed, db: str, name: str, timeout: float = 10) -> str:
    """The backup script's last journal line, once it names `name` (journald may write it a moment after the
    unit ended)."""
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline and name not in line:
        line = testbed.ssh(db, f"sudo journalctl -t {BACKUP_UNIT} -n 1 --no-pager -o cat").stdout.strip()
        if name not in line:
            time.sleep(0.5)
    return line


def on_volume(testbed, db: str) -> bool:
    """Whether the data volume is mounted and the cluster's data directory is on it."""
    out = testbed.ssh(db, f"findmnt --noheadings --output TARGET --mountpoint {DATA_MOUNT}; "
                          f"sudo findmnt --noheadings --output TARGET --target {CLUSTER_DIR}/main", check=False)
    return out.stdout.split() == [DATA_MOUNT, DATA_MOUNT]


def test_messages_acknowledged_before_a_backup_survive_the_database(testbed):
    db = testbed.groups["database"][0]
    workers = testbed.groups["workers"]
    wait_backends_up(testbed, workers)
    assert on_volume(testbed, db), f"{db}: {DATA_MOUNT} is not the data volume's mount, or the cluster is not on it"
    before = backups(testbed, db)

    writes = LoadRun(testbed, "backup-writes", concurrency=4, mix="encode=3,message=1", max_seconds=60)
    encodes = writer = None
    destroyed = restored = False
    try:
        writes.wait_flowing()
        # Encodes only, through the backup, the destruction and the restore: served from the workers' caches.
        encodes = LoadRun(testbed, "backup-encodes", concurrency=2, mix="encode=1", max_seconds=400, rate=100)
        writer = MessageWriter(testbed, "backup write", per_second=WRITES_PER_SECOND, max_seconds=400)
        writer.start()
        written = writes.stop(min_seconds=WRITE_SECONDS)
        # Every message of that load was acknowledged before this moment; the writer's until it, too.
        backup_started = time.time()
        testbed.ssh(db, f"sudo systemctl start {BACKUP_UNIT}", timeout=300)
        backup_seconds = time.time() - backup_started
        made = [name for name in backups(testbed, db) if name not in before]
        assert len(made) == 1, f"the backup made {made}"
        size = int(testbed.ssh(db, f"sudo stat --format=%s {BACKUP_DIR}/{made[0]}").stdout)
        journal = last_backup_line(testbed, db, made[0])
        log(f"{db}: backup {made[0]}, {size} bytes, in {backup_seconds:.1f} s; journal: {journal}")
        assert made[0] in journal, journal

        time.sleep(AFTER_BACKUP_SECONDS)
        destroy_started = time.time()
        testbed.ssh(db, f"sudo systemctl stop {PG_UNIT} && sudo rm -rf {CLUSTER_DIR}")
        destroyed = True
        assert testbed.ssh(db, f"sudo test -e {CLUSTER_DIR}", check=False).returncode == 1
        log(f"{db}: PostgreSQL stopped and {CLUSTER_DIR} removed; the backups stay: {backups(testbed, db)}")

        # What an operator runs (docs/operations.md): the newest backup, restore.yml from the operator namespace.
        restore_started = time.monotonic()
        restore = make("restore", timeout=900)
        restore_seconds = time.monotonic() - restore_started
        restored_at = time.time()
        restore_output = restore.stdout + restore.stderr
        TIMINGS["make restore after the cluster was destroyed"] = restore_seconds
        log(f"make restore: rc {restore.returncode} in {restore_seconds:.1f} s")
        assert restore.returncode == 0, restore_output[-6000:]
        restored = True
        assert f"Restored {BACKUP_DIR}/{made[0]} as morse" in " ".join(restore_output.split()), restore_output[-3000:]
        assert testbed.db_password not in restore_output
        assert on_volume(testbed, db), f"{db}: the new cluster is not on the data volume"

        deadline = time.monotonic() + RECOVERY_TIMEOUT
        while time.monotonic() < deadline and not writer.acknowledged(after=restored_at):
            time.sleep(0.2)
        time.sleep(TAIL_SECONDS)
    finally:
        if writer is not None:
            writer.stop()
        encoded = encodes.stop() if encodes is not None else None
        if writes.process.poll() is None:
            writes.stop()
        if destroyed and not restored:
            # Leave a working (empty) database for the tests after this one, and say so.
            log(f"{db}: make restore failed; site.yml --limit {db} for a new, empty database")
            playbook("site.yml", "--limit", db)

    # ---- what was acknowledged before the backup: every message of the load, and the writer's until then
    acknowledged = writes.messages() + writer.acknowledged(before=backup_started)
    assert len(writes.messages()) == written["messages_acknowledged"] > 0, written["text"]
    back = read_back_messages(testbed, acknowledged)
    # ---- the rest, for the figures: written between the backup and the destruction (in the backup or not, as
    # pg_dump's snapshot fell), and after the restore (they must all be there)
    between = writer.acknowledged(after=backup_started, before=destroy_started)
    between_back = read_back_messages(testbed, between) if between else {"read_back": 0}
    after = writer.acknowledged(after=restored_at)
    after_back = read_back_messages(testbed, after)
    failed_writes = [r for r in writer.records if r["status"] != 201 and destroy_started < r["sent"] < restored_at]
    FIGURES.update({
        "load_before_the_backup": written["requests"], "load_failures": written["failures"],
        "messages_acknowledged_before_the_backup": len(acknowledged), "read_back": back["read_back"],
        "missing": back["problems"], "examples": back["examples"],
        "backup": made[0], "backup_bytes": size, "backup_seconds": round(backup_seconds, 1),
        "restore_seconds": round(restore_seconds, 1),
        "acknowledged_between_backup_and_destruction": len(between), "of_them_in_the_backup": between_back["read_back"],
        "writes_refused_while_destroyed_and_restoring": len(failed_writes),
        "acknowledged_after_the_restore": len(after), "of_them_read_back": after_back["read_back"],
        "encodes": encoded["requests"], "encode_failures": encoded["failures"],
        "encode_failure_kinds": encoded["failure_kinds"],
    })
    log("backup and restore: " + json.dumps(FIGURES))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "backup-restore.json").write_text(json.dumps({"figures": FIGURES, "writes": writer.records}, indent=1))

    assert back["problems"] == 0, f"{back['problems']} of {len(acknowledged)} missing: {back['examples']}"
    assert after and after_back["problems"] == 0, f"writes after the restore: {after_back}"
    assert encoded["requests"] > 0 and encoded["failures"] == 0, encoded["text"]


def test_the_timer_is_on_and_the_newest_backups_are_kept(testbed):
    db = testbed.groups["database"][0]
    state = testbed.ssh(db, f"systemctl is-enabled {BACKUP_UNIT}.timer; systemctl is-active {BACKUP_UNIT}.timer",
                        check=False).stdout.split()
    assert state == ["enabled", "active"], state
    upcoming = testbed.ssh(db, f"systemctl list-timers --no-pager {BACKUP_UNIT}.timer").stdout.strip()
    keep = int(testbed.ssh(db, f"sed -n 's/^keep=//p' {BACKUP_SCRIPT}").stdout)
    runs = keep + 2
    started = time.monotonic()
    # One session: each run, then the newest name it left.
    out = testbed.ssh(db, f"for i in $(seq {runs}); do sudo systemctl start {BACKUP_UNIT} || exit 1; "
                          f"sudo ls {BACKUP_DIR} | sort | tail -n 1; done", timeout=600).stdout.split()
    seconds = time.monotonic() - started
    assert len(out) == runs and len(set(out)) == runs, f"each run must make a new backup: {out}"
    left = backups(testbed, db)
    log(f"{db}: {runs} backups in {seconds:.1f} s, keep={keep}: {len(left)} left, {left[0]} .. {left[-1]}\n{upcoming}")
    assert left == sorted(out[-keep:]), f"kept {left}, the newest {keep} made were {out[-keep:]}"
    FIGURES.update({"retention_runs": runs, "retention_keep": keep, "retention_left": len(left)})


def test_the_role_refuses_a_data_directory_off_its_volume(testbed):
    db = testbed.groups["database"][0]
    held = "/run/morse-test-volume"            # the volume, bound here while it is not at its mount point
    stamp = "/run/morse-test-volume.stamp"
    testbed.ssh(db, f"sudo systemctl stop {PG_UNIT}")
    try:
        testbed.ssh(db, f"sudo mkdir -p {held} && sudo mount --bind {DATA_MOUNT} {held} && sudo umount {DATA_MOUNT}"
                        f" && sudo touch {stamp}")
        assert testbed.ssh(db, f"mountpoint -q {DATA_MOUNT}", check=False).returncode != 0
        # What is beneath: the root disk's /var/lib/postgresql, with the cluster the image made at install time - the
        # one a role without the guard would start, empty, for the workers to write to.
        beneath = testbed.ssh(db, f"sudo ls -A {DATA_MOUNT}").stdout.split()
        refused = playbook("site.yml", "--limit", db)
        output = " ".join(refused.output.split())
        assert refused.rc != 0, refused.output[-3000:]
        assert f"{DATA_MOUNT} is not a mount point: it is on" in output, refused.output[-3000:]
        assert "The role stopped before it installed, created or started anything" in output, refused.output[-3000:]
        assert refused.recap[db]["failed"] == 1 and refused.changed == 0, (refused.recap, refused.changed_tasks())
        written = testbed.ssh(db, f"sudo find {DATA_MOUNT} /etc/postgresql -newer {stamp} -print").stdout.split()
        assert written == [], f"written on the root disk while the volume was away: {written}"
        state = testbed.ssh(db, f"systemctl is-active {PG_UNIT}", check=False).stdout.strip()
        assert state != "active", f"{PG_UNIT} is {state}"
        message = output[output.find(f"{db}: PostgreSQL keeps its data"):][:400]
        log(f"{db}: without its volume (beneath: {beneath}), site.yml stopped in {refused.seconds:.1f} s, "
            f"0 changed, nothing written: {message}...")
    finally:
        # The volume back where it was (only the volume: never an empty directory in its place), then the server.
        testbed.ssh(db, f"if ! mountpoint -q {DATA_MOUNT} && mountpoint -q {held}; then "
                        f"sudo mount --bind {held} {DATA_MOUNT}; fi; "
                        f"if mountpoint -q {held}; then sudo umount {held}; fi; "
                        f"sudo rmdir {held}; sudo rm -f {stamp}; sudo systemctl start {PG_UNIT}", check=False)
    assert on_volume(testbed, db), f"{db}: the volume is not back at {DATA_MOUNT}"
    # The same guard passes on the volume, and the host is as site.yml left it.
    accepted = playbook("site.yml", "--limit", db)
    assert accepted.rc == 0 and accepted.changed == 0, (accepted.recap, accepted.changed_tasks())
    wait_backends_up(testbed, testbed.groups["workers"])
    FIGURES.update({"guard_refused_seconds": round(refused.seconds, 1), "guard_accepted_changed": accepted.changed})
    log("backup figures: " + json.dumps(FIGURES))
