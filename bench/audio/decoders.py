"""The two decoders, each run as a child on one WAV file: this project's `morse decode-audio --json`, and
multimon-ng's MORSE_CW demodulator fed by sox (it reads raw signed 16-bit mono at 22050 Hz only)."""

import json
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import procs

MULTIMON_RATE = 22050
# multimon-ng's options, the same for every recording (none of them is a per-recording hint): its defaults, auto
# threshold and auto timing on. The choice is argued in bench/audio/README.md ("multimon-ng's configuration").
MULTIMON_OPTIONS: tuple[str, ...] = ()


@dataclass
class Decoded:
    text: str  # the hypothesis, as the decoder printed it ("" when it failed)
    wall_s: float
    cpu_s: float
    error: str | None = None  # why it failed: exit status and stderr
    extra: dict[str, Any] = field(default_factory=dict)  # what else the decoder said (ours: wpm, pitch, ...)


class Decoder:
    name = ""
    label = ""

    def decode(self, wav: Path) -> Decoded:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def failure(ran: procs.Ran, what: str) -> Decoded:
    reason = f"{what} exited with {ran.returncode}" + (": " + ran.stderr.strip()[-300:] if ran.stderr.strip() else "")
    return Decoded("", ran.wall_s, ran.cpu_s, error=reason)


class Ours(Decoder):
    name = "ours"
    label = "morse"

    def __init__(self, morse: Path, timeout_s: float = 600.0) -> None:
        self.morse = morse
        self.timeout_s = timeout_s

    def argv(self, wav: Path) -> list[str]:
        return [str(self.morse), "decode-audio", str(wav), "--json"]

    def decode(self, wav: Path) -> Decoded:
        ran = procs.run(self.argv(wav), self.timeout_s)
        if ran.returncode != 0:
            return failure(ran, "morse decode-audio")
        try:
            answer = json.loads(ran.stdout)
            text = str(answer["text"])
        except (ValueError, KeyError, TypeError) as e:
            return Decoded("", ran.wall_s, ran.cpu_s, error=f"morse decode-audio printed no JSON text: {e}")
        extra = {k: answer.get(k) for k in ("wpm", "farnsworthWPM", "pitchHz")}
        return Decoded(text, ran.wall_s, ran.cpu_s, extra=extra)

    def describe(self) -> str:
        return f"`{self.morse} decode-audio FILE --json`, no hint of speed or pitch"


def multimon_pipeline(wav: Path, options: tuple[str, ...] = MULTIMON_OPTIONS) -> str:
    """sox resamples to 22050 Hz raw s16le mono (-D: no dither, -R: repeatable), multimon-ng reads it from stdin."""
    sox = ["sox", "-R", "-D", "-V1", str(wav), "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-L",
           "-r", str(MULTIMON_RATE), "-"]
    multimon = ["multimon-ng", "-q", *options, "-t", "raw", "-a", "MORSE_CW", "-"]
    return f"{shlex.join(sox)} | {shlex.join(multimon)}"


TOKEN = re.compile(r"<[^<>\s]*>")  # a prosign (<SK>) or a sequence it could not decode (<.._.>)


def multimon_text(stdout: str) -> str:
    """multimon-ng's MORSE_CW prints the characters as it decodes them, a space at a word gap, `<...>` for a
    prosign or an undecodable sequence (each counted as one wrong character, '#'); lines beginning with the
    demodulator's name or 'multimon-ng' (banners, with -q there are none) are dropped."""
    lines = [line for line in stdout.splitlines() if not line.startswith(("MORSE_CW:", "multimon-ng", "Enabled"))]
    return TOKEN.sub("#", " ".join(lines))


class Multimon(Decoder):
    name = "multimon"
    label = "multimon-ng"

    def __init__(self, options: tuple[str, ...] = MULTIMON_OPTIONS, timeout_s: float = 600.0) -> None:
        self.options = options
        self.timeout_s = timeout_s

    def decode(self, wav: Path) -> Decoded:
        ran = procs.run(["bash", "-o", "pipefail", "-c", multimon_pipeline(wav, self.options)], self.timeout_s)
        if ran.returncode != 0:
            return failure(ran, "sox | multimon-ng")
        return Decoded(multimon_text(ran.stdout.decode(errors="replace")), ran.wall_s, ran.cpu_s)

    def describe(self) -> str:
        return f"`{multimon_pipeline(Path('FILE.wav'), self.options)}`"


def missing_tools() -> list[str]:
    return [tool for tool in ("sox", "multimon-ng") if shutil.which(tool) is None]
