#!/usr/bin/env bash
# Throughput of the MorseCode core through the `morse` CLI, against `tr a-z A-Z` on the same file in the same run.
#
# Usage: bench/core/bench.sh [--size-mib N] [--rounds N] [--binary PATH]
#   --size-mib N   size of the generated text (default 64; the acceptance asks for at least 50)
#   --rounds N     rounds per tool, interleaved; the median is reported (default 5)
#   --binary PATH  a release-built morse (default: build it with `swift build -c release --product morse`)
# Prints input MB/s for encode, decode and tr, and the ratios encode/tr and decode/tr.
set -euo pipefail

size_mib=64
rounds=5
binary=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mib) size_mib="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/core: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "$binary" ]; then
  echo "building morse (release)..." >&2
  (cd "$root" && swift build -c release --product morse >/dev/null)
  binary="$root/.build/release/morse"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "generating ${size_mib} MiB of text..." >&2
python3 - "$work/text.txt" "$size_mib" <<'PY'
import random, sys
# Words over letters, figures and ITU punctuation, 72-column lines, fixed seed: the same file every run.
random.seed(1677)
alphabet = "abcdefghijklmnopqrstuvwxyz" * 6 + "0123456789" + ".,:?'-/()\"=+@"
target = int(sys.argv[2]) * 1024 * 1024
words = ["".join(random.choice(alphabet) for _ in range(random.randint(1, 9))) for _ in range(50000)]
with open(sys.argv[1], "w") as out:
    written, line = 0, []
    while written < target:
        word = random.choice(words)
        if sum(len(w) + 1 for w in line) + len(word) > 72:
            text = " ".join(line) + "\n"
            out.write(text)
            written += len(text)
            line = []
        line.append(word)
PY
"$binary" encode < "$work/text.txt" > "$work/morse.txt"
bytes_text=$(stat -c %s "$work/text.txt")
bytes_morse=$(stat -c %s "$work/morse.txt")

seconds() { # command... → wall seconds of one run, output discarded
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: > "$work/encode"; : > "$work/decode"; : > "$work/tr"
for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds" >&2
  seconds "$binary" encode < "$work/text.txt" >> "$work/encode"
  seconds "$binary" decode < "$work/morse.txt" >> "$work/decode"
  seconds tr a-z A-Z < "$work/text.txt" >> "$work/tr"
done

encode_s=$(median < "$work/encode"); decode_s=$(median < "$work/decode"); tr_s=$(median < "$work/tr")
mbps() { echo "scale=1; $1 / 1000000 / $2" | bc -l; }
encode_mbps=$(mbps "$bytes_text" "$encode_s")
decode_mbps=$(mbps "$bytes_morse" "$decode_s")
tr_mbps=$(mbps "$bytes_text" "$tr_s")
printf '\nMorseCode core throughput (input MB/s, median of %s rounds, %s MiB text, %s MiB Morse)\n' \
  "$rounds" "$size_mib" "$((bytes_morse / 1048576))"
printf '%-22s %10s\n' "tool" "MB/s"
printf '%-22s %10s\n' "morse encode" "$encode_mbps" "morse decode" "$decode_mbps" "tr a-z A-Z" "$tr_mbps"
printf 'encode / tr = %.2f   (goal >= 0.25)\n' "$(echo "$encode_mbps / $tr_mbps" | bc -l)"
printf 'decode / tr = %.2f\n' "$(echo "$decode_mbps / $tr_mbps" | bc -l)"
