"""Morse from sound as a user meets it: `morse decode-audio` on files and pipes, and POST /api/v1/decode/audio
through the proxy of a local cluster up to the upload limit every shipped configuration sets, 413 beyond it."""

import http.client
import json
import socket
import struct
import subprocess
from pathlib import Path

from conftest import bin_dir

LIMIT = 8 * 1024 * 1024  # morse-worker --audio-upload-limit's default and the shipped proxies' max-body-bytes


def morse(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir() / "morse"), *args], input=stdin, capture_output=True, timeout=60)


def recording(tmp: Path, text: str, *flags: str) -> Path:
    path = tmp / "message.wav"
    done = morse("audio", text, "--output", str(path), *flags)
    assert done.returncode == 0, done.stderr
    return path


def padded_to(wav: bytes, size: int) -> bytes:
    """The recording followed by silence, as one WAV file of exactly `size` bytes (16-bit mono)."""
    samples = wav[44:] + bytes(size - len(wav))
    rate = struct.unpack_from("<I", wav, 24)[0]
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(samples))
    return header + samples


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        connection.request("POST", "/api/v1/decode/audio", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_cli_decodes_a_file_and_a_pipe(tmp_path):
    wav = recording(tmp_path, "CQ CQ DE MORSE TEST 73", "--wpm", "18", "--tone", "700", "--rate", "22050")
    done = morse("decode-audio", str(wav))
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == "CQ CQ DE MORSE TEST 73\n"
    piped = morse("decode-audio", "-", stdin=wav.read_bytes())
    assert piped.stdout.decode() == "CQ CQ DE MORSE TEST 73\n"

    result = json.loads(morse("decode-audio", str(wav), "--json").stdout)
    assert result["text"] == "CQ CQ DE MORSE TEST 73"
    assert abs(result["wpm"] - 18) < 1, result["wpm"]
    assert abs(result["farnsworthWPM"] - 18) < 1.5, result["farnsworthWPM"]
    assert abs(result["pitchHz"] - 700) < 5, result["pitchHz"]
    letters = [c for c in result["characters"] if c["text"] != " "]
    assert [c["text"] for c in letters] == list("CQCQDEMORSETEST73")
    assert letters[0]["code"] == "-.-." and letters[0]["startSeconds"] < 0.1
    assert all(0 < c["confidence"] <= 1 for c in letters)
    assert sorted(c["startSeconds"] for c in result["characters"]) == [c["startSeconds"] for c in result["characters"]]


def test_cli_reports_farnsworth_spacing(tmp_path):
    wav = recording(tmp_path, "PARIS PARIS PARIS", "--wpm", "20", "--farnsworth", "10")
    result = json.loads(morse("decode-audio", str(wav), "--json").stdout)
    assert result["text"] == "PARIS PARIS PARIS"
    assert abs(result["wpm"] - 20) < 1.5 and abs(result["farnsworthWPM"] - 10) < 1.5, result


def test_cli_errors_say_what_is_wrong(tmp_path):
    wav = recording(tmp_path, "SOS").read_bytes()
    stereo = bytearray(wav)
    stereo[22] = 2
    cases = {
        "text.wav": (b"hello, world", "not a WAV file: it does not begin with a RIFF/WAVE header"),
        "stereo.wav": (bytes(stereo), "not mono: the WAV file has 2 channels; use one channel"),
        "short.wav": (wav[:400], "the recording is too short"),
        "mp3.wav": (wav[:20] + struct.pack("<H", 0x55) + wav[22:], "not PCM: the WAV format is MP3 (0x55)"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        done = morse("decode-audio", str(tmp_path / name))
        assert done.returncode == 1, name
        assert done.stdout == b"", name
        assert done.stderr.decode().startswith(f"morse decode-audio: error: {tmp_path / name}: {message}"), done.stderr
    missing = morse("decode-audio", str(tmp_path / "nothing.wav"))
    assert missing.returncode == 1
    assert b"cannot open" in missing.stderr and b"No such file" in missing.stderr
    assert morse("decode-audio", str(tmp_path)).returncode == 1
    silence = padded_to(wav[:44], 44 + 16000)
    (tmp_path / "silence.wav").write_bytes(silence)
    quiet = morse("decode-audio", str(tmp_path / "silence.wav"))
    assert quiet.returncode == 0 and quiet.stdout == b""
    assert b"no Morse tone found in 1.0 s of sound" in quiet.stderr
    usage = morse("decode-audio", "--help").stdout.decode()
    assert "--json" in usage and "standard input" in usage and "mono" in usage


def test_the_longest_recording_goes_through_the_proxy_and_one_byte_more_is_refused(cluster, tmp_path):
    wav = recording(tmp_path, "CQ DE MORSE", "--wpm", "20", "--rate", "44100").read_bytes()
    longest = padded_to(wav, LIMIT)
    status, body = post(cluster.url, longest, {"Content-Type": "audio/wav"})
    assert status == 200, body[:300]
    result = json.loads(body)
    assert result["text"] == "CQ DE MORSE"
    assert abs(result["durationSeconds"] - 95.1) < 0.1, result["durationSeconds"]

    # One byte over: the proxy answers from the header, naming its limit, before the body is sent...
    head = (f"POST /api/v1/decode/audio HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
            f"Content-Length: {LIMIT + 2}\r\n\r\n").encode()
    status, body = raw_exchange(cluster.url, head, [])
    assert status == 413, body[:300]
    assert f"{LIMIT} bytes".encode() in body, body
    # ...and counts a chunked body, which has no length to refuse early by.
    over = padded_to(wav, LIMIT + 2)
    chunks = [b"%x\r\n%s\r\n" % (len(part), part) for part in (over[i:i + 65536] for i in range(0, len(over), 65536))]
    head = (b"POST /api/v1/decode/audio HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    status, body = raw_exchange(cluster.url, head, chunks)
    assert status == 413, body[:300]
    assert f"{LIMIT} bytes".encode() in body, body


def raw_exchange(url: str, head: bytes, chunks: list[bytes]) -> tuple[int, bytes]:
    """Sends a request head and body chunks (stopping if the server closes), then reads the response to the end."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(head)
        for chunk in chunks:
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
        response = b""
        while data := connection.recv(65536):
            response += data
    status = int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0
    return status, response.partition(b"\r\n\r\n")[2]
