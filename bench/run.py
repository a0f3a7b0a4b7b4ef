#!/usr/bin/env python3
"""The Morse cluster benchmark: morse-proxy against HAProxy, nginx and no proxy, every front in the same run.

`bench/run.py --help` lists the scenarios, the goals and the options; the harness is the package bench/harness/.
"""

import sys

from harness.cli import main

if __name__ == "__main__":
    sys.exit(main())
