#!/usr/bin/env python3
"""Read a server's SSH host keys from its console log, as cloud-init prints them.

At the end of a server's first boot, cloud-init writes its public host keys to
the console between two markers:

    -----BEGIN SSH HOST KEY KEYS-----
    ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... root@web-1
    -----END SSH HOST KEY KEYS-----

and the cloud keeps that console log behind its authenticated API
(`openstack console log show SERVER`). Reading the keys there, before the
first SSH connection, is what lets every connection check the key instead of
trusting whatever answers first (trust on first use). The test bed's hosts
print the same block at boot (cluster/testbed/up).

    host_keys.py LOG [--name NAME ...]      known_hosts lines for the names
                                            (host names and addresses)

heat_inventory.py imports keys_from_console() for --console-logs.
Only the Python 3 standard library is used. Exit status: 0, or 2 with a
message when the log holds no keys or disagreeing ones.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import re
import struct
import sys

BEGIN = "-----BEGIN SSH HOST KEY KEYS-----"
END = "-----END SSH HOST KEY KEYS-----"
# The key types OpenSSH's sshd uses as host keys today (no DSA: OpenSSH 9.8
# removed it).
KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")
# A console line can carry a prefix (a timestamp, a syslog tag, the serial
# console's noise): find the key anywhere on it.
KEY_LINE = re.compile(r"(?:^|\s)(" + "|".join(re.escape(t) for t in KEY_TYPES) + r") (\S+)")
# A known_hosts host pattern: a name or an address, nothing a pattern or a
# marker would read differently.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:_-]*$")


class HostKeyError(Exception):
    """The console log does not give one trustworthy set of keys."""


def _check_blob(key_type: str, blob64: str) -> None:
    """A key's base64 must decode to the SSH wire format naming the same type."""
    try:
        blob = base64.b64decode(blob64, validate=True)
        (length,) = struct.unpack(">I", blob[:4])
        inner = blob[4:4 + length].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError):
        raise HostKeyError(f"a {key_type} key in the log is not valid base64 SSH key data "
                        f"(a garbled console line?)") from None
    if inner != key_type:
        raise HostKeyError(f"a key in the log says {key_type} but its data is a {inner!r} key")


def keys_from_console(text: str) -> list[str]:
    """The host keys ("TYPE BASE64", sorted) of the last key block in a console log.

    A server prints the block at each boot that makes keys; a server rebuilt
    in place keeps its console log and prints its new keys after the old
    ones, so the last block is the server as it is now. (Whoever can write a
    block on a server's console controls the server, and its key with it: an
    older block is no more trustworthy than the last.)
    """
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if BEGIN in line:
            current = []
        elif END in line:
            if current is not None:
                blocks.append(sorted(set(current)))
            current = None
        elif current is not None:
            match = KEY_LINE.search(line)
            if match:
                _check_blob(match.group(1), match.group(2))
                current.append(f"{match.group(1)} {match.group(2)}")
    blocks = [b for b in blocks if b]
    if not blocks:
        raise HostKeyError(f"no host keys in the console log (no '{BEGIN}' block with keys): cloud-init prints them "
                        f"at the end of the server's first boot, so wait until it has finished, then fetch the log "
                        f"again")
    return blocks[-1]


def known_hosts_lines(names: list[str], keys: list[str]) -> list[str]:
    """One known_hosts line per key, for all the names (host names and addresses) at once."""
    for name in names:
        if not SAFE_NAME.match(name):
            raise HostKeyError(f"{name!r} is not a host name or address known_hosts can hold")
    if not names:
        raise HostKeyError("no host name or address to pin the keys to")
    return [f"{','.join(names)} {key}" for key in keys]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="host_keys.py",
        description="Print a server's SSH host keys, read from its console log (cloud-init's "
                    f"'{BEGIN}' block), as known_hosts lines for the given names, or as "
                    "'TYPE BASE64' lines without --name.",
        epilog="Example: openstack console log show morse-web-1 > web-1.log; "
               "host_keys.py web-1.log --name web-1 --name 10.0.0.31 >> known_hosts",
    )
    parser.add_argument("log", help="the console log; '-' reads standard input")
    parser.add_argument("--name", action="append", default=[],
                        help="a host name or address the keys belong to (repeat for several)")
    args = parser.parse_args(argv)
    try:
        if args.log == "-":
            text = sys.stdin.read()
        else:
            with open(args.log, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        keys = keys_from_console(text)
        lines = known_hosts_lines(args.name, keys) if args.name else keys
    except OSError as exc:
        print(f"host_keys: error: cannot read {args.log}: {exc.strerror}", file=sys.stderr)
        return 2
    except HostKeyError as exc:
        print(f"host_keys: error: {args.log}: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
