"""The page as a person uses it, in headless chromium, against the local cluster through the proxy."""

import math
import re
import time
import urllib.parse

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PHONE, e2e, log_console, make_driver, publish, screenshot

HELLO = "Hello, World!"
HELLO_MORSE = ".... . .-.. .-.. --- --..-- / .-- --- .-. .-.. -.. -.-.--"
WAIT = 15  # seconds, for anything the page does


def wait(driver, condition, what: str, timeout: float = WAIT):
    # A form post replaces the page: elements found just before may be gone.
    return WebDriverWait(
        driver, timeout, poll_frequency=0.05,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    ).until(
        lambda d: condition(d), message=f"timed out waiting for {what}")


def text_of(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def title(driver) -> str:
    """The result's heading as written (the style shows it in capitals)."""
    return driver.find_element(By.ID, "result-title").get_attribute("textContent")


def type_into(driver, element_id: str, text: str):
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)
    return field


def set_number(driver, element_id: str, value):
    """Types a value and leaves the field, as a person would (input and change events)."""
    field = driver.find_element(By.ID, element_id)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(str(value))
    field.send_keys(Keys.TAB)


def signals(morse: str):
    """On and off signals, as the worker reads Morse (MorseSignals)."""
    out, pending, last, i = [], None, False, 0
    separators = " /|\t\n\r"
    while i < len(morse):
        c = morse[i]
        if c in ".-_":
            gap = pending or ("element" if last else None)
            pending, last = None, True
            if gap:
                out.append(gap)
            out.append("dit" if c == "." else "dah")
            i += 1
        elif c in separators:
            spaces, word = 0, False
            while i < len(morse) and morse[i] in separators:
                spaces += morse[i] == " "
                word = word or morse[i] != " "
                i += 1
            if last or pending:
                pending = "word" if word or spaces >= 7 or pending == "word" else "letter"
            last = False
        else:
            i += 1
    return out


def lengths(wpm: float, farnsworth: float | None = None) -> dict[str, float]:
    """Each signal in ms, worked out here independently of the worker: unit 1200/WPM ms, ARRL Farnsworth gaps."""
    unit = 1200 / wpm
    spaced = unit
    if farnsworth and farnsworth < wpm:
        spaced = (60 * wpm - 37.2 * farnsworth) / (wpm * farnsworth) * 1000 / 19
    return {"dit": unit, "dah": 3 * unit, "element": unit, "letter": 3 * spaced, "word": 7 * spaced}


def ramp_ms(wpm: float) -> float:
    """The keying ramp of the worker's WAV: the sound is silent half a ramp before the first element."""
    return min(5.0, 150 / wpm)


def expected_duration_ms(morse: str, wpm: float, farnsworth: float | None = None, rate: int = 8000) -> float:
    """The WAV's length: the timing (unit 1200/WPM ms, ARRL Farnsworth gaps) plus one ramp, in whole samples."""
    length = lengths(wpm, farnsworth)
    total = sum(length[s] for s in signals(morse))
    samples = math.floor(total * rate / 1000 + ramp_ms(wpm) * rate / 1000 + 0.5)
    return samples * 1000 / rate


def expected_elements(morse: str, wpm: float, farnsworth: float | None = None) -> list[tuple[float, float]]:
    """Start and end of every dit and dah, in ms from the start of the WAV."""
    length = lengths(wpm, farnsworth)
    t = ramp_ms(wpm) / 2
    elements = []
    for s in signals(morse):
        if s in ("dit", "dah"):
            elements.append((t, t + length[s]))
        t += length[s]
    return elements


def test_timing_matches_the_reference():
    # morse.md: PARIS is 2580 ms at 20 WPM and 5160 ms at 10 WPM (no trailing gap); the WAV adds one 5 ms ramp.
    assert expected_duration_ms(".--. .- .-. .. ...", 20) == 2585
    assert expected_duration_ms(".--. .- .-. .. ...", 10) == 5165
    assert abs(expected_duration_ms(".--. .- .-. .. ...", 20, 10) - 4480) < 1


def test_page_with_javascript(cluster, browser):
    d = browser
    d.get(cluster.url + "/")
    wait(d, lambda d: "js" in d.find_element(By.TAG_NAME, "html").get_attribute("class").split(), "the script to start")
    assert d.title == "Morse code translator"
    # The alphabet selector is fed by /api/v1/alphabets.
    wait(d, lambda d: any(o.get_attribute("value") == "itu"
                          for o in d.find_elements(By.CSS_SELECTOR, "#alphabet option")), "the alphabets")
    screenshot(d, "01-empty")

    # Encode.
    type_into(d, "text", HELLO)
    d.find_element(By.ID, "encode").click()
    wait(d, lambda d: text_of(d, "result") == HELLO_MORSE, "the Morse")
    assert title(d) == "Morse"
    bars = d.find_elements(By.CSS_SELECTOR, "#tape .el")
    assert len(bars) == sum(c in ".-" for c in HELLO_MORSE)
    screenshot(d, "02-encoded")

    # The audio element loads a WAV of the expected duration, at the speeds chosen.
    set_number(d, "wpm", 25)
    set_number(d, "farnsworth", 15)
    wait(d, lambda d: "farnsworth=15" in (d.find_element(By.ID, "audio").get_attribute("src") or ""),
         "the audio URL to follow the settings")
    src = d.find_element(By.ID, "audio").get_attribute("src")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(src).query)
    assert query == {"text": [HELLO], "wpm": ["25"], "farnsworth": ["15"], "tone": ["600"]}
    assert src.startswith(cluster.url + "/api/v1/audio?")
    assert d.find_element(By.ID, "download").get_attribute("href") == src
    duration = wait(d, lambda d: d.execute_script(
        "const a = document.getElementById('audio');"
        "return a.readyState >= 1 && isFinite(a.duration) ? a.duration : null;"), "the WAV's metadata")
    expected = expected_duration_ms(HELLO_MORSE, 25, 15) / 1000
    assert abs(duration - expected) < 0.005, (duration, expected)
    status, headers, body = e2e.http(src)
    assert status == 200 and headers["Content-Type"] == "audio/wav" and body[:4] == b"RIFF"
    assert abs(int(headers["X-Audio-Duration-Ms"]) - expected * 1000) <= 1
    # The tape lights by the worker's timing (its encode answer), Farnsworth gaps included: every bar where the
    # reference puts its element in the WAV.
    placed = wait(d, lambda d: d.execute_script(
        "const bars = Array.from(document.querySelectorAll('#tape .el'));"
        "return bars.length && bars.every((b) => b.dataset.end)"
        "  ? bars.map((b) => [Number(b.dataset.start), Number(b.dataset.end)]) : null;"), "the tape's timing")
    reference = expected_elements(HELLO_MORSE, 25, 15)
    assert len(placed) == len(reference)
    assert all(abs(p - r) < 0.06 for bar, element in zip(placed, reference, strict=True)
               for p, r in zip(bar, element, strict=True)), (
        placed[-3:], reference[-3:])
    # The length shown is the WAV's own, to a tenth of a second.
    shown = text_of(d, "time")
    assert shown.endswith(" s") and abs(float(shown[:-2]) - expected) <= 0.051, (shown, expected)

    # Play: the tape lights in step, Stop ends it.
    d.find_element(By.ID, "play").click()
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#tape .el.done"), "the tape to light as it plays")
    assert text_of(d, "play") == "Stop"
    time.sleep(0.6)
    screenshot(d, "03-playing")
    d.find_element(By.ID, "play").click()
    wait(d, lambda d: text_of(d, "play") == "Play" and not d.find_elements(By.CSS_SELECTOR, "#tape .el.on"),
         "the sound to stop")

    # Decode it back.
    type_into(d, "text", HELLO_MORSE)
    d.find_element(By.ID, "decode").click()
    wait(d, lambda d: text_of(d, "result") == "HELLO, WORLD!", "the decoded text")
    assert title(d) == "Text"
    screenshot(d, "04-decoded")

    # Share, and open the link. The write carries an Idempotency-Key, so the proxy may resend it to another
    # worker if the first dies mid-request: the page's requests are recorded as they leave.
    d.execute_script("""
        window.sentHeaders = [];
        const send = window.fetch;
        window.fetch = (url, options) => { window.sentHeaders.push([String(url), (options || {}).headers || {}]);
                                           return send(url, options); };
    """)
    d.find_element(By.ID, "share").click()
    wait(d, lambda d: d.find_element(By.ID, "share-link").is_displayed(), "the share link")
    writes = [headers for url, headers in d.execute_script("return window.sentHeaders")
              if url.endswith("/api/v1/messages")]
    assert len(writes) == 1, writes
    assert re.fullmatch(r"[0-9a-f]{32}", writes[0].get("Idempotency-Key", "")), writes
    link = d.find_element(By.ID, "share-url").get_attribute("value")
    assert link.startswith(cluster.url + "/m/"), link
    screenshot(d, "05-shared")
    d.get(link)
    wait(d, lambda d: text_of(d, "result") == HELLO_MORSE and d.find_elements(By.ID, "shared"),
         "the shared message")
    assert d.find_element(By.ID, "text").get_attribute("value") == "HELLO, WORLD!"
    wait(d, lambda d: d.execute_script("return document.getElementById('audio').readyState >= 1"), "its audio")
    screenshot(d, "06-opened-link")

    # An error: its message, and the offending character marked at its position in the input.
    d.get(cluster.url + "/")
    type_into(d, "text", "ok<x")
    d.find_element(By.ID, "encode").click()
    wait(d, lambda d: text_of(d, "error"), "the error")
    assert text_of(d, "error") == 'Cannot encode "<" at position 2: not in the alphabet'
    mark = d.find_element(By.CSS_SELECTOR, "#backdrop mark")
    assert mark.get_attribute("textContent") == "<"
    before = d.execute_script("return document.querySelector('#backdrop mark').previousSibling.textContent")
    assert before == "ok"
    assert d.find_element(By.ID, "text").get_attribute("aria-invalid") == "true"
    # The mark sits over the character in the text area: the "<" is the third glyph of the first line.
    box = d.execute_script(
        "const m = document.querySelector('#backdrop mark').getBoundingClientRect();"
        "const t = document.getElementById('text').getBoundingClientRect(); return [m.left - t.left, m.top - t.top];")
    assert 0 < box[0] < 80 and 0 <= box[1] < 30, box
    screenshot(d, "07-error")

    # Typing clears it; a Morse error is marked too.
    type_into(d, "text", "... ..x")
    assert text_of(d, "error") == ""
    d.find_element(By.ID, "decode").click()
    wait(d, lambda d: "invalid character" in text_of(d, "error").lower(), "the Morse error")
    assert d.find_element(By.CSS_SELECTOR, "#backdrop mark").get_attribute("textContent") == "x"
    screenshot(d, "08-morse-error")

    # Keyboard: Ctrl+Enter translates, guessing the direction.
    field = type_into(d, "text", "SOS")
    field.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(d, lambda d: text_of(d, "result") == "... --- ...", "Ctrl+Enter to encode")
    log_console(d, "js")


def test_page_without_javascript(cluster, browser_nojs):
    d = browser_nojs
    d.get(cluster.url + "/")
    assert "no-js" in d.find_element(By.TAG_NAME, "html").get_attribute("class")
    assert not d.find_element(By.ID, "play").is_displayed()
    screenshot(d, "nojs-01-empty")

    type_into(d, "text", HELLO)
    d.find_element(By.ID, "encode").click()
    wait(d, lambda d: d.find_elements(By.ID, "result") and text_of(d, "result") == HELLO_MORSE, "the Morse")
    audio = d.find_element(By.ID, "audio")
    assert audio.is_displayed() and audio.get_attribute("controls")
    assert "/api/v1/audio?text=Hello%2C%20World%21" in audio.get_attribute("src")
    screenshot(d, "nojs-02-encoded")

    type_into(d, "text", HELLO_MORSE)
    d.find_element(By.ID, "decode").click()
    wait(d, lambda d: text_of(d, "result") == "HELLO, WORLD!", "the decoded text")
    screenshot(d, "nojs-03-decoded")

    type_into(d, "text", "ok<x")
    d.find_element(By.ID, "encode").click()
    wait(d, lambda d: d.find_elements(By.ID, "error") and text_of(d, "error"), "the error")
    assert text_of(d, "error") == 'Cannot encode "<" at position 2: not in the alphabet'
    assert d.find_element(By.CSS_SELECTOR, "#backdrop mark").get_attribute("textContent") == "<"
    screenshot(d, "nojs-04-error")

    type_into(d, "text", "CQ DX")
    d.find_element(By.ID, "encode").click()
    wait(d, lambda d: text_of(d, "result") == "-.-. --.- / -.. -..-", "the Morse")
    d.find_element(By.ID, "share").click()
    wait(d, lambda d: "/m/" in d.current_url, "the shared message page")
    assert text_of(d, "result") == "-.-. --.- / -.. -..-"
    screenshot(d, "nojs-05-shared")


@pytest.mark.parametrize("name,size,mobile", [("desktop", (1280, 800), False), ("phone", PHONE, True)])
def test_screenshots_for_the_docs(cluster, name, size, mobile):
    """The README's pictures: the page after encoding, mid-play, at desktop and phone width."""
    d = make_driver(size=size, mobile=mobile)
    try:
        d.get(cluster.url + "/")
        wait(d, lambda d: "js" in d.find_element(By.TAG_NAME, "html").get_attribute("class").split(), "the script")
        type_into(d, "text", "CQ CQ de Morse cluster")
        d.find_element(By.ID, "encode").click()
        wait(d, lambda d: text_of(d, "result").startswith("-.-. --.-"), "the Morse")
        wait(d, lambda d: d.execute_script("return document.getElementById('audio').readyState >= 1"), "the audio")
        d.find_element(By.ID, "play").click()
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#tape .el.done")) >= 14, "the tape to light")
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#tape .el.on"), "a lit element")
        d.execute_script("document.getElementById('audio').pause()")
        d.execute_script("document.activeElement.blur()")
        path = screenshot(d, f"docs-{name}", full=True)
        publish(path, f"page-{name}.png")
    finally:
        d.quit()
