"""Fixtures of the browser test: a local cluster (the e2e tests' LocalCluster) and headless chromium."""

import base64
import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("MORSE_ARTIFACTS", ROOT / "artifacts")) / "browser"
DOCS = ROOT / "docs" / "screenshots"

# The end-to-end tests' cluster helper, loaded under its own name (both folders have a conftest.py).
_spec = importlib.util.spec_from_file_location("e2e_cluster", ROOT / "Tests" / "e2e" / "conftest.py")
e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(e2e)

DESKTOP = (1280, 800)
PHONE = (390, 844)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    c = e2e.LocalCluster(tmp_path_factory.mktemp("cluster")).start()
    yield c
    c.stop()


def make_driver(javascript: bool = True, size=DESKTOP, mobile: bool = False,
                extra: tuple[str, ...] = ()) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
        "--disable-extensions", "--autoplay-policy=no-user-gesture-required", "--lang=en-US",
        "--force-color-profile=srgb", "--hide-scrollbars", f"--window-size={size[0]},{size[1]}", *extra,
    ):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(20)
    driver.set_script_timeout(20)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": mobile,
    })
    # Light scheme for the screenshots, whatever the host prefers.
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "light"}],
    })
    return driver


@pytest.fixture
def browser():
    driver = make_driver()
    yield driver
    driver.quit()


@pytest.fixture
def browser_nojs():
    driver = make_driver(javascript=False)
    yield driver
    driver.quit()


def screenshot(driver, name: str, full: bool = True) -> Path:
    """The page as a PNG under artifacts/browser/ (the whole page when `full`, else the viewport)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    params = {"format": "png", "captureBeyondViewport": full}
    if full:
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        width = driver.execute_script("return document.documentElement.clientWidth")
        params["clip"] = {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1}
    data = driver.execute_cdp_cmd("Page.captureScreenshot", params)["data"]
    path.write_bytes(base64.b64decode(data))
    return path


def publish(path: Path, name: str):
    """Copies a screenshot to docs/screenshots/ when MORSE_UPDATE_SCREENSHOTS=1."""
    if os.environ.get("MORSE_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / name)


def log_console(driver, name: str):
    """Keeps the browser console (errors and warnings of the page) as an artifact."""
    try:
        entries = driver.get_log("browser")
    except Exception:  # noqa: BLE001 - not every driver keeps a log
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}-console.json").write_text(json.dumps(entries, indent=1))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, a screenshot and the console of the browser the test used."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for name in ("browser", "browser_nojs"):
            driver = item.funcargs.get(name)
            if driver is not None:
                try:
                    screenshot(driver, f"failed-{item.name}", full=True)
                    log_console(driver, f"failed-{item.name}")
                except Exception:  # noqa: BLE001 - the report matters more
                    pass
