"""The handout page: one HTML file, opened offline in a real browser (headless Chromium).

One handout is written for the module (the two-sided case: right anterior fibres long,
left anterior fibres short, posterior view) and one browser opens it; the tests read
the page as a student would: pixels in the 3D view, text, legend and table, the view
buttons, a drag.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from browser import canvas_pixels, console_log, wait_loaded

from hipviz.cli import main
from hipviz.core.muscles import MUSCLES
from hipviz.io.figure_files import FigureFileError
from hipviz.io.model_files import load_model
from hipviz.io.scene import read_scene
from hipviz.web.handout import write_handout

ROOT = Path(__file__).resolve().parents[1]
SCENE = ROOT / "scenes" / "02_two_sided_case.toml"
#: "a few MB at most": the page is about 3.8 MB (1 MB of it the vtk.js viewer, 0.5 MB
#: every fibre of the fans as a tube)
MAX_BYTES = 4_000_000


def is_bone(rgb: np.ndarray) -> np.ndarray:
    """Cream bone pixels (warm and bright; the view's background is dark slate)."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return (r > 150) & (r >= b + 15) & (g >= b + 5)


def is_shortened(rgb: np.ndarray) -> np.ndarray:
    """Blue muscle pixels (far bluer than the slate background)."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return (b > r + 60) & (b > g + 40)


def is_lengthened(rgb: np.ndarray) -> np.ndarray:
    """Orange-red muscle pixels (far redder than the cream bone)."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return (r > g + 50) & (r > b + 50)


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("handout") / "two_sided.html"
    assert write_handout(read_scene(SCENE), path) == path
    return path


@pytest.fixture(scope="module")
def page(chrome, handout):
    """The handout open in the browser, its 3D view drawn."""
    chrome.get(handout.as_uri())
    wait_loaded(chrome, "#view")
    return chrome


def view_pixels(driver) -> np.ndarray:
    from selenium.webdriver.common.by import By

    return canvas_pixels(driver, driver.find_element(By.ID, "view"))


# --- the file ---------------------------------------------------------------------------------
def test_the_file_is_small_and_fetches_nothing(handout):
    text = handout.read_text(encoding="utf-8")
    assert handout.stat().st_size <= MAX_BYTES
    # nothing loaded from a network: no external script, style, image or link, and the
    # viewer's own favicon links (kitware.github.io) point at an inline icon instead
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.IGNORECASE)
    assert not re.search(r"""@import|url\(\s*["']?(https?:)?//""", text, re.IGNORECASE)
    assert "kitware.github.io/vtk-js/icon" not in text
    assert "default-src 'none'" in text  # and the page's security policy forbids any fetch
    assert text.count("<script") == 4 and 'type="module"' in text


# --- in the browser ---------------------------------------------------------------------------
def test_the_page_shows_bones_coloured_muscles_and_its_text(page):
    from selenium.webdriver.common.action_chains import ActionChains, ScrollOrigin
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page.execute_script("window.scrollTo(0, 0)")  # as opened: the title at the top
    scene = read_scene(SCENE)
    assert page.title == scene.title
    assert page.find_element(By.ID, "title").text == scene.title
    caption = page.find_element(By.ID, "caption")
    assert caption.is_displayed() and "Treat the posterior fibres on the right" in caption.text
    legend = page.find_element(By.ID, "legend")
    assert legend.is_displayed()
    for words in (
        "Length change (% of neutral)",
        "shortened",
        "lengthened",
        "+10",
        "\N{MINUS SIGN}10",
        "Tube thickness: muscle size",  # each muscle's fibres as thick as its PCSA
    ):
        assert words in legend.text

    rows = page.find_elements(By.CSS_SELECTOR, "#numbers tbody tr")
    assert len(rows) == 2 * len(MUSCLES)  # every path, shown or not
    solution = load_model().solve(scene.pose)
    expected = {f"{r['side']}.{r['muscle']}": r for r in solution.rows()}
    row = page.find_element(By.CSS_SELECTOR, 'tr[data-path="right.gluteus_medius_anterior"]')
    cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
    # the model's change, as the caption quotes it (the caption's number is checked against
    # the model and a hand estimate in test_scenes.py)
    pct = f"{expected['right.gluteus_medius_anterior']['change_pct']:+.1f}"
    assert cells[0] == "Right" and cells[3] == pct
    assert f"gluteus medius {pct} %" in scene.caption
    assert float(cells[1]) == pytest.approx(
        expected["right.gluteus_medius_anterior"]["length_mm"], abs=0.05
    )
    assert "Drag to rotate" in page.find_element(By.CLASS_NAME, "hint").text
    assert "Mozilla Public License" in page.find_element(By.TAG_NAME, "footer").text
    # the reader scrolls down to the table with the mouse wheel (the viewer's own style
    # sheet would lock the page)
    ActionChains(page).scroll_from_origin(
        ScrollOrigin.from_element(page.find_element(By.ID, "caption")), 0, 800
    ).perform()
    WebDriverWait(page, 5).until(lambda d: d.execute_script("return window.scrollY") > 300)

    pixels = view_pixels(page)
    assert pixels.shape[0] > 400 and pixels.shape[1] > 700  # the view is drawn large
    assert is_bone(pixels).mean() > 0.05
    # right anterior fibres lengthened, left anterior fibres shortened (as the caption says);
    # posterior view: the left hip on the left of the picture
    h, w = pixels.shape[:2]
    assert is_lengthened(pixels[:, w // 2 :]).sum() > 200
    assert is_shortened(pixels[:, : w // 2]).sum() > 200
    assert is_lengthened(pixels[:, : w // 2]).sum() < is_lengthened(pixels[:, w // 2 :]).sum() / 4

    # nothing fetched: no element points at a network address, even those the viewer
    # added, and no request was made or refused
    urls = page.execute_script(
        "return Array.from(document.querySelectorAll('[src], [href]'))"
        ".map(e => e.getAttribute('src') || e.getAttribute('href'))"
        ".concat(performance.getEntriesByType('resource').map(e => e.name))"
    )
    assert not [u for u in urls if re.match(r"\s*(https?:)?//", u)]
    severe = [e["message"] for e in console_log(page) if e.get("level") == "SEVERE"]
    assert not severe


def test_the_view_draws_every_fibre_of_each_fan_in_its_own_colour(page):
    """Each compartment a fan of fibres, each fibre a tube coloured by its own length
    change, as the window and the figures draw them; footprints tinted on the bone."""
    from selenium.webdriver.common.by import By
    from test_server import project

    from hipviz.core.fibres import FIBRES_PER_COMPARTMENT
    from hipviz.web.handout import TUBE_SIDES

    muscles = page.execute_script(
        "for (const actor of sceneRenderer().getActors()) {"
        "  const data = actor.getMapper().getInputData();"
        "  const values = data.getPointData().getArrayByName('change_pct');"
        "  if (values) return {strips: data.getStrips().getNumberOfCells(),"
        "    values: Array.from(new Set(Array.from(values.getData(), v => v.toFixed(3))))};"
        "}"
        "return null;"
    )
    footprints = page.execute_script(
        "return sceneRenderer().getActors().map(a => a.getMapper().getInputData())"
        ".filter(d => d.getCellData().getArrayByName('tint'))"
        ".reduce((n, d) => n + d.getPolys().getNumberOfCells(), 0)"
    )
    scene = read_scene(SCENE)
    shown = [k for k in load_model().muscles.keys if k in scene.display.muscles]
    fibres = FIBRES_PER_COMPARTMENT * len(shown)
    assert muscles is not None, "no muscle tubes in the view"
    # a tube per fibre: its sides and its two end caps as triangle strips
    assert muscles["strips"] == (TUBE_SIDES + 2) * fibres
    assert len(muscles["values"]) > 3 * len(shown)  # each fibre its own length change
    assert footprints > 500  # attachment areas, tinted, on the bone

    # across the right gluteus medius fan the colour runs from red (its anterior fibres
    # long) to grey (its posterior fibres), as in the window
    model = load_model()
    solution = model.solve(scene.pose)
    lines = model.fibres.polylines(solution.transforms)
    medius = [
        i for i, f in enumerate(model.fibres.fibres) if f.key.startswith("right.gluteus_medius")
    ]
    view = page.find_element(By.ID, "view")
    size = (view.size["width"], view.size["height"])
    camera = json.loads(page.find_element(By.ID, "handout-settings").get_attribute("textContent"))[
        "views"
    ]["posterior"]
    pixels = view_pixels(page)
    scale = pixels.shape[1] / size[0]  # device pixels per CSS pixel

    def redness(i: int) -> float:
        p = lines[i]
        x, y = project(p[0] + 0.6 * (p[-1] - p[0]), camera, size)
        x, y = int(x * scale), int(y * scale)
        patch = pixels[y - 2 : y + 3, x - 2 : x + 3].astype(int)
        return float(np.median(patch[..., 0] - patch[..., 2]))

    assert redness(medius[0]) > redness(medius[-1]) + 50


def test_view_buttons_keys_and_a_drag_turn_the_camera(page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    view = page.find_element(By.ID, "view")
    posterior = view_pixels(page)
    assert (
        page.find_element(By.CSS_SELECTOR, '[data-view="posterior"]').get_attribute("aria-pressed")
        == "true"
    )

    page.find_element(By.CSS_SELECTOR, '[data-view="superior"]').click()
    superior = view_pixels(page)
    assert view.get_attribute("data-view") == "superior"
    assert np.abs(superior.astype(int) - posterior).mean() > 8.0
    assert (
        page.find_element(By.CSS_SELECTOR, '[data-view="superior"]').get_attribute("aria-pressed")
        == "true"
    )

    ActionChains(page).send_keys("2").perform()  # the app's key for the posterior view
    assert view.get_attribute("data-view") == "posterior"
    camera = page.execute_script(
        "const c = sceneRenderer().getActiveCamera();"
        "return [c.getPosition(), c.getFocalPoint(), c.getViewUp()]"
    )
    start = json.loads(page.find_element(By.ID, "handout-settings").get_attribute("textContent"))[
        "views"
    ]["posterior"]
    assert np.allclose(camera, [start["position"], start["focalPoint"], start["viewUp"]])

    # a drag: moves as a mouse sends them, many and close together (vtk.js takes a move
    # more than 200 ms after the last as the start of a new one)
    drag = ActionChains(page, duration=10).move_to_element(view).click_and_hold()
    for _ in range(3):  # each move draws a frame: few, to keep the test short
        drag.move_by_offset(50, 12)
    drag.release().perform()
    turned = view_pixels(page)
    assert np.abs(turned.astype(int) - posterior).mean() > 5.0


# --- command line and errors ------------------------------------------------------------------
def test_cli_writes_a_handout(tmp_path, capsys):
    out = tmp_path / "gt.html"
    scene = ROOT / "scenes" / "03_gt_superior.toml"
    assert main(["handout", str(scene), "-o", str(out), "--view", "superior"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert f'<h1 id="title">{read_scene(scene).title}</h1>' in text
    assert '"start": "superior"' in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad.toml"], "bad.toml: display.colour_range_pct: 99 is out of range"),
        (["missing.toml"], "missing.toml: no such scene file"),
        (["--set", "right.gt_superior_mm=80"], "right.gt_superior_mm"),
    ],
)
def test_cli_reports_a_bad_scene(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text("hipviz_scene = 1\n[display]\ncolour_range_pct = 99\n")
    assert main(["handout", *args, "-o", "out.html"]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.html").exists()


def test_cli_reports_a_bad_output_path(tmp_path, capsys):
    assert main(["handout", "-o", str(tmp_path / "nowhere" / "hip.html")]) == 2
    assert f"{tmp_path / 'nowhere'}: no such folder" in capsys.readouterr().err
    assert main(["handout", "-o", str(tmp_path)]) == 1
    assert f"{tmp_path}: is a folder" in capsys.readouterr().err


def test_a_failed_write_names_the_file_and_loses_nothing(tmp_path):
    import resource

    # a file-size limit below the page's 3 MB: the write fails after the page was made,
    # for root too (Python ignores SIGXFSZ, so the write raises EFBIG)
    target = tmp_path / ("h" * 240 + ".html")  # long, as the temporary name is short
    target.write_text("the handout from last week")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, hard))
    try:
        with pytest.raises(FigureFileError, match=re.escape(str(target)) + ": cannot write"):
            write_handout(read_scene(SCENE), target)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert target.read_text() == "the handout from last week"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left
    with pytest.raises(FigureFileError, match="no such folder"):
        write_handout(read_scene(SCENE), tmp_path / "missing" / "hip.html")


def test_writing_a_handout_needs_no_qt():
    code = (
        "import sys; import hipviz.web.handout; "
        "assert not [m for m in sys.modules if m.startswith(('PyQt5', 'pyvistaqt'))]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- the window -------------------------------------------------------------------------------
@pytest.mark.gui
def test_file_export_handout_writes_the_windows_scene(window, qtbot, tmp_path, monkeypatch):
    from PyQt5.QtCore import Qt, QTimer
    from PyQt5.QtWidgets import QApplication, QFileDialog

    window.model.set("right.gt_superior_mm", 8.0)
    window.set_scene_text("Right GT high", "Which fibres are short?")
    target = tmp_path / "from_window"
    asked = []
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(
            lambda parent, caption, start, filters: (asked.append(filters), (str(target), ""))[1]
        ),
    )
    action = window.export_handout_action
    assert action.shortcut().toString() == "Ctrl+Shift+H" and "web page" in action.toolTip()
    assert action in window.menus["file"].actions()
    qtbot.keyClick(window, Qt.Key_H, Qt.ControlModifier | Qt.ShiftModifier)
    assert asked and "*.html" in asked[0]
    written = tmp_path / "from_window.html"  # .html added
    text = written.read_text(encoding="utf-8")
    assert "Right GT high" in text and "Which fibres are short?" in text
    # the window's pose: the right gluteus medius anterior fibres' change, as in its table
    i = window.model.solution.keys.index("right.gluteus_medius_anterior")
    pct = float(window.model.solution.change_pct[i])
    assert abs(pct) > 1.0
    row = re.search(r'<tr data-path="right.gluteus_medius_anterior">(.*?)</tr>', text).group(1)
    shown = ("+" if pct > 0 else "\N{MINUS SIGN}") + f"{abs(pct):.1f}"
    assert f">{shown}</td>" in row
    assert str(written) in window.statusBar().currentMessage()

    # a folder that does not exist: a message box says so, and nothing is written
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *args: (str(tmp_path / "missing" / "x.html"), "")),
    )
    seen = []

    def read_and_close():
        box = QApplication.activeModalWidget()
        seen.append(box.text() if box is not None else None)
        if box is not None:
            box.accept()

    QTimer.singleShot(300, read_and_close)
    assert window.export_handout_dialog() is None
    assert seen and "no such folder" in seen[0] and "missing" in seen[0]


def test_the_table_fits_a_phone_without_sideways_scrolling(handout):
    """At a phone's 390 CSS px every number, the % column included, is on screen."""
    from browser import chromium, missing
    from selenium.webdriver.common.by import By

    if (reason := missing()) is not None:
        pytest.skip(reason)
    with chromium((390, 844)) as phone:
        phone.get(handout.as_uri())
        assert phone.execute_script("return window.innerWidth") == 390
        table = phone.find_element(By.ID, "numbers")
        wrap = phone.execute_script("return arguments[0].parentElement", table)
        for element in (table, wrap):
            scroll, client = phone.execute_script(
                "return [arguments[0].scrollWidth, arguments[0].clientWidth]", element
            )
            assert scroll <= client, (element.get_attribute("class"), scroll, client)
        page_scroll = phone.execute_script("return document.documentElement.scrollWidth")
        assert page_scroll <= 390
        # each % cell is inside the screen and says what it is
        cells = phone.find_elements(By.CSS_SELECTOR, "#numbers tbody td.change")
        assert len(cells) >= 12
        for cell in cells:
            box = phone.execute_script("return arguments[0].getBoundingClientRect()", cell)
            assert 0 <= box["left"] and box["right"] <= 390, box
            assert cell.get_attribute("data-label") == "Change (%)"
            label = phone.execute_script(
                "return getComputedStyle(arguments[0], '::before').content", cell
            )
            assert label == '"Change (%)"'  # shown beside the number, the header being off
