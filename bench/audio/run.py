#!/usr/bin/env python3
"""The audio-decoding accuracy benchmark: `morse decode-audio` against multimon-ng on a seeded corpus.

`bench/audio/run.py --help` explains the corpus, the measures, the goals and the options; the code is the package
bench/audio/ (run from anywhere: the package's parent directory, bench/, is put first on the path).
"""

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # bench/, not bench/audio/: modules import as audio.*

from audio.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
