"""A real browser: headless Debian Chromium driven by Selenium.

Used by the handout and classroom-server tests and by the server's load benchmark
(``benchmarks/browser_load.py``); needs Selenium (the ``test`` extra). Chromium renders WebGL
in software (SwiftShader through ANGLE), so vtk.js draws the scene as a student's laptop would. A
page's 3D view is drawn some time after the page's load event (the scene is decoded and
synchronized first): wait for the view's own "loaded" mark with :func:`wait_loaded`.

The browser and its driver are Debian's (``chromium``, ``chromium-driver``, installed by
``scripts/install-system-deps.sh``), named by path, so Selenium Manager never tries to
download a browser or a driver.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: the page's size in the browser window, CSS pixels (headless: one device pixel each)
WINDOW_SIZE = (1280, 900)
#: headless with WebGL on the CPU: the flags checked to show vtk.js scenes on a machine
#: without a GPU (new headless mode; SwiftShader must be allowed explicitly)
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--enable-unsafe-swiftshader",
    "--use-angle=swiftshader",
)
#: what a test waits for at most while a page builds its 3D view, seconds
LOAD_TIMEOUT_S = 60.0


def missing() -> str | None:
    """Why the browser cannot run here, or ``None`` when it can."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            return f"{path} is missing: install Debian's {package} (scripts/install-system-deps.sh)"
    return None


@contextlib.contextmanager
def chromium(window_size: tuple[int, int] = WINDOW_SIZE) -> Iterator:
    """A headless Chromium WebDriver, quit on exit.

    Browser console messages are kept (``driver.get_log("browser")``).
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={window_size[0]},{window_size[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver path: Selenium Manager is not asked to find (or fetch) anything
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        # --window-size is the outer window: grow it so the page itself gets the size
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        outer = driver.get_window_size()
        driver.set_window_size(
            outer["width"] + window_size[0] - inner[0], outer["height"] + window_size[1] - inner[1]
        )
        yield driver
    finally:
        driver.quit()


def wait_loaded(
    driver,
    selector: str,
    timeout: float = LOAD_TIMEOUT_S,
    attribute: str = "data-loaded",
    value: str = "true",
):
    """Wait until the element at CSS ``selector`` has ``attribute="value"``; return it.

    Raises ``TimeoutError`` naming the selector, the attribute's last value and the
    browser's console messages, so a page that failed says why.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def loaded(drv):
        found = drv.find_elements(By.CSS_SELECTOR, selector)
        return found[0] if found and found[0].get_attribute(attribute) == value else False

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(loaded)
    except TimeoutException:
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        last = found[0].get_attribute(attribute) if found else "(no such element)"
        console = "; ".join(entry.get("message", "") for entry in console_log(driver))
        raise TimeoutError(
            f"{selector} did not get {attribute}={value!r} in {timeout:g} s "
            f"(it is {last!r}); browser console: {console or 'empty'}"
        ) from None


def console_log(driver) -> list[dict]:
    """The browser console messages since the last call (level, message)."""
    try:
        return driver.get_log("browser")
    except Exception:  # a driver without the log endpoint: nothing to report
        return []


def next_frame(driver, frames: int = 2) -> None:
    """Return once the page has drawn ``frames`` more frames (what a click drew is shown)."""
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1]; let n = arguments[0];"
        "const step = () => (--n > 0 ? requestAnimationFrame(step) : done());"
        "requestAnimationFrame(step);",
        frames,
    )


def canvas_pixels(driver, element) -> np.ndarray:
    """What the browser shows of ``element`` now, as an (h, w, 3) uint8 RGB array.

    Taken from a screenshot of the element (WebGL canvases included), so it is what a
    reader sees, not what a canvas API would return. The element is scrolled into the
    middle of the window first: a screenshot holds only what is on screen.
    """
    from PIL import Image

    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    next_frame(driver)
    with Image.open(io.BytesIO(element.screenshot_as_png)) as image:
        return np.asarray(image.convert("RGB"))
