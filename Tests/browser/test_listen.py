"""The page's "From sound" panel in headless chromium: a chosen WAV file, a file over the upload limit, and the
microphone - chromium's fake capture device playing a generated recording - decoded through the proxy by the
worker while the recording goes on and once it stops."""

import subprocess
import time

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from test_page import text_of, wait

from conftest import e2e, log_console, make_driver, screenshot

LIMIT = 8 * 1024 * 1024


def recording(path, text: str, *flags: str):
    done = subprocess.run([str(e2e.bin_dir() / "morse"), "audio", text, "--output", str(path), *flags],
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return path


def open_page(d, cluster):
    d.get(cluster.url + "/")
    wait(d, lambda d: "js" in d.find_element(By.TAG_NAME, "html").get_attribute("class").split(), "the script")


def test_a_wav_file_is_decoded(cluster, browser, tmp_path):
    d = browser
    wav = recording(tmp_path / "cq.wav", "CQ DE MORSE TEST 73", "--wpm", "20", "--tone", "700", "--rate", "22050")
    open_page(d, cluster)
    d.find_element(By.ID, "wav-file").send_keys(str(wav))
    wait(d, lambda d: text_of(d, "heard") == "CQ DE MORSE TEST 73", "the decoded text")
    assert text_of(d, "heard-wpm") == "20 WPM"
    assert text_of(d, "heard-pitch") == "700 Hz"
    assert text_of(d, "listen-status").startswith("cq.wav: ")
    assert text_of(d, "listen-error") == ""
    screenshot(d, "listen-01-file")

    # Not a WAV file: the worker's reason, on the page.
    (tmp_path / "notes.wav").write_text("not sound")
    d.find_element(By.ID, "wav-file").send_keys(str(tmp_path / "notes.wav"))
    wait(d, lambda d: text_of(d, "listen-error"), "the error")
    assert text_of(d, "listen-error") == "Not a WAV file: it does not begin with a RIFF/WAVE header"

    # Over the limit: refused on the page, with the limit and what it holds.
    big = tmp_path / "long.wav"
    with open(big, "wb") as file:
        file.write(wav.read_bytes()[:44])
        file.truncate(LIMIT + 1024)
    d.find_element(By.ID, "wav-file").send_keys(str(big))
    wait(d, lambda d: "the limit is" in text_of(d, "listen-error"), "the size error")
    assert "the limit is 8388608 bytes (8 MiB: 524 s of 16-bit mono at 8000 Hz" in text_of(d, "listen-error")
    screenshot(d, "listen-02-too-long")
    log_console(d, "listen-file")


def test_the_microphone_is_decoded_as_it_is_keyed(cluster, tmp_path):
    text = "CQ CQ DE MORSE TEST"
    wav = recording(tmp_path / "mic.wav", text, "--wpm", "20", "--tone", "650", "--rate", "48000")
    seconds = (wav.stat().st_size - 44) / 96000
    # The fake device plays the file into getUserMedia (once, and silence after, with %noloop). As a person starts
    # the recording before keying, a second of silence comes first; eight after it keep a build that loops anyway
    # from starting the message again before the recording stops.
    samples = wav.read_bytes()[44:]
    samples = bytes(96000) + samples + bytes(8 * 96000)
    wav.write_bytes(wav.read_bytes()[:4] + (36 + len(samples)).to_bytes(4, "little") + wav.read_bytes()[8:40]
                    + len(samples).to_bytes(4, "little") + samples)
    seconds += 1
    d = make_driver(extra=(
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",
    ))
    try:
        open_page(d, cluster)
        record = d.find_element(By.ID, "record")
        record.click()
        wait(d, lambda d: record.get_attribute("aria-pressed") == "true", "recording to start")
        started = time.monotonic()
        # Text appears while the recording goes on (a decode every few seconds), before the end of the sound.
        try:
            wait(d, lambda d: text_of(d, "heard").startswith("CQ"), "text while recording", timeout=seconds + 5)
        except TimeoutException:
            raise AssertionError(f"no text while recording: heard {text_of(d, 'heard')!r}, status "
                                 f"{text_of(d, 'listen-status')!r}, error {text_of(d, 'listen-error')!r}") from None
        first = time.monotonic() - started
        partial = text_of(d, "heard")
        assert record.get_attribute("aria-pressed") == "true"
        assert text_of(d, "listen-status").startswith("Listening")
        screenshot(d, "listen-03-recording")
        time.sleep(max(0.0, seconds + 1.5 - (time.monotonic() - started)))
        record.click()
        wait(d, lambda d: text_of(d, "listen-status").startswith("Recorded"), "the final decode")
        assert text_of(d, "heard") == text, f"partial after {first:.1f} s: {partial!r}"
        assert text_of(d, "heard-wpm") == "20 WPM"
        assert text_of(d, "heard-pitch") == "650 Hz"
        assert record.get_attribute("aria-pressed") == "false"
        assert first < seconds, f"the first text came {first:.1f} s into a {seconds:.1f} s recording"
        print(f"microphone: first text {first:.1f} s into {seconds:.1f} s of sound ({partial!r}); final {text!r}")
        screenshot(d, "listen-04-recorded")
        log_console(d, "listen-microphone")
    finally:
        d.quit()
