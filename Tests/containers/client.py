"""Round trips through the proxy: encode a text, decode the Morse back, compare; run inside a network namespace.

Usage: python3 client.py URL REQUESTS [SECONDS]
Each round trip is two requests (encode, decode) on one keep-alive connection, and every tenth round trip opens a new
connection. Prints one JSON object: round trips done, failures (the first few, with what went wrong), and how many
requests each worker served (X-Served-By). Bounded: REQUESTS round trips or SECONDS (default 60), whichever first.
"""

import http.client
import json
import random
import sys
import time
from urllib.parse import urlsplit

WORDS = ["SOS", "CQ", "DE", "MORSE", "TEST", "73", "PARIS", "HELLO WORLD", "QRZ?", "1234567890", "A.B,C"]


def main() -> int:
    url, count = urlsplit(sys.argv[1]), int(sys.argv[2])
    deadline = time.monotonic() + (float(sys.argv[3]) if len(sys.argv) > 3 else 60)
    rng = random.Random(7)
    served: dict[str, int] = {}
    failures: list[str] = []
    done = 0
    connection = None
    for number in range(count):
        if time.monotonic() > deadline:
            failures.append(f"stopped at the time limit after {done} round trips")
            break
        if connection is None or number % 10 == 0:
            if connection is not None:
                connection.close()
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        try:
            morse = call(connection, "/api/v1/encode", {"text": text}, served)["morse"]
            back = call(connection, "/api/v1/decode", {"morse": morse}, served)["text"]
            if back != text:
                failures.append(f"{text!r} -> {morse!r} -> {back!r}")
            else:
                done += 1
        except Exception as error:  # noqa: BLE001 - every failure is counted and shown, not raised
            failures.append(f"{text!r}: {type(error).__name__}: {error}")
            connection.close()
            connection = None
    print(json.dumps({"round_trips": done, "failures": len(failures), "first_failures": failures[:5],
                      "served_by": served}))
    return 0


def call(connection: http.client.HTTPConnection, path: str, body: dict, served: dict) -> dict:
    connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    worker = response.getheader("X-Served-By", "?")
    served[worker] = served.get(worker, 0) + 1
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status} from {worker}: {payload[:200]!r}")
    return json.loads(payload)


if __name__ == "__main__":
    sys.exit(main())
