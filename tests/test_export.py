"""Figures, batch rendering and animations: real off-screen renders, files read back."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hipviz.cli import main
from hipviz.core.pose import Pose
from hipviz.io.figure_files import TextItem, write_figure
from hipviz.io.meshes import load_bones, load_landmarks
from hipviz.io.model_files import load_model
from hipviz.io.scene import Camera, Display, Scene, read_scene
from hipviz.render.export import FigureError, FigureOptions, FigureRenderer, render_figure

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenes").glob("*.toml"))
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"

CASE = Scene(
    title="GT superior & <right> 10\N{DEGREE SIGN}",
    caption="Piriformis shortens \N{PLUS-MINUS SIGN}2 % \N{EN DASH} compare the left.",
    pose=Pose.from_dict({"right.gt_superior_mm": 10.0}),
    camera=Camera(view="posterior"),
)


@pytest.fixture(scope="module")
def renderer():
    with FigureRenderer(load_bones(), landmarks=load_landmarks()) as r:
        yield r


def is_bone(rgb) -> bool:
    r, g, b = (int(v) for v in rgb[:3])
    return r > 150 and r >= b + 15 and g >= b + 5


def text_rows(image: np.ndarray, top: int, bottom: int, colour=(238, 242, 246)) -> int:
    """How many rows between ``top`` and ``bottom`` hold pixels of the text colour."""
    band = image[top:bottom, :, :3].astype(int)
    near = np.abs(band - np.array(colour)).sum(axis=2) < 60
    return int(near.any(axis=1).sum())


# --- sizes, scale, background, title, legend ------------------------------------------------
def test_figure_has_the_asked_size_and_scale(renderer):
    renderer.show(CASE, FigureOptions(size=(640, 400)))
    assert renderer.image().shape == (400, 640, 3)
    band = renderer.titles.band_px
    renderer.show(CASE, FigureOptions(size=(640, 400), scale=2.0))
    assert renderer.image().shape == (800, 1280, 3)
    # twice the pixels, the same layout: the title band is twice as tall
    assert renderer.titles.band_px == pytest.approx(2 * band, abs=3)


def test_4k_png(renderer, tmp_path):
    renderer.show(read_scene(SHIPPED[2]), FigureOptions(size=(3840, 2160)))
    path = renderer.write(tmp_path / "four_k.png")
    with Image.open(path) as png:
        assert png.size == (3840, 2160) and png.mode == "RGB"
        assert round(png.info["dpi"][0]) == 96
        assert png.info["Title"] == read_scene(SHIPPED[2]).title
        small = np.asarray(png.resize((384, 216)))
    assert np.mean([is_bone(p) for p in small[60:200:4, 100:290:4].reshape(-1, 3)]) > 0.2


def test_transparent_png_has_alpha(renderer, tmp_path):
    renderer.show(CASE, FigureOptions(size=(480, 300), transparent=True))
    path = renderer.write(tmp_path / "clear.png")
    with Image.open(path) as png:
        assert png.mode == "RGBA"
        rgba = np.asarray(png)
    alpha = rgba[..., 3]
    assert alpha[-1, 0] == 0 and alpha[-1, -1] == 0 and alpha[0, 0] == 0  # corners: clear
    h, w = alpha.shape
    bone = np.array([[is_bone(p) for p in row] for row in rgba[::4, ::4]])
    assert bone.mean() > 0.05 and (alpha[::4, ::4][bone] == 255).mean() > 0.95  # opaque bone
    # the title is dark text (for paper), drawn opaque on the clear band
    title = rgba[: h // 10, :, :]
    inked = title[title[..., 3] > 200]
    assert len(inked) > 30 and inked[:, :3].mean() < 90


def test_title_caption_and_legend_can_be_left_out(renderer):
    size = (640, 400)
    renderer.show(CASE, FigureOptions(size=size))
    full = renderer.image()
    band = renderer.titles.band_px
    assert band > 40
    assert text_rows(full, 0, int(band)) > 12  # title and caption lines
    renderer.show(CASE, FigureOptions(size=size, title=False, caption=False, legend=False))
    bare = renderer.image()
    assert renderer.titles.band_px == 0
    assert text_rows(bare, 0, int(band)) == 0

    # the legend's colour bar (saturated blue at its left end) is gone from the bottom
    def blue(image):
        bottom = image[-70:, :, :3].astype(int)
        return int(((bottom[..., 2] > 180) & (bottom[..., 0] < 90)).sum())

    assert blue(full) > 50 and blue(bare) == 0
    # without the band the pelvis is drawn larger (it has the whole height)
    bone_full = np.mean([is_bone(p) for p in full[::8, ::8].reshape(-1, 3)])
    bone_bare = np.mean([is_bone(p) for p in bare[::8, ::8].reshape(-1, 3)])
    assert bone_bare > bone_full * 1.15


def test_bad_options_are_refused():
    for options, message in (
        (FigureOptions(size=(9000, 100)), "out of range"),
        (FigureOptions(size=(4000, 3000), scale=3.0), "8192"),
        (FigureOptions(scale=float("nan")), "scale"),
        (FigureOptions(size=(10, 10)), "16 to 8192"),
    ):
        with pytest.raises(FigureError, match=message):
            options.check()


# --- SVG and PDF ----------------------------------------------------------------------------
def test_svg_is_valid_with_vector_text_and_the_picture(renderer, tmp_path):
    renderer.show(CASE, FigureOptions(size=(640, 400), scale=1.5, transparent=True))
    path = renderer.write(tmp_path / "figure.svg")
    root = ET.parse(path).getroot()  # well-formed XML despite "&" and "<" in the title
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("640", "400")
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert CASE.title in texts
    assert any("\N{PLUS-MINUS SIGN}2 %" in t for t in texts)
    assert {"shortened", "lengthened", "+10", "-10"} <= set(texts)
    (image,) = list(root.iter(f"{SVG}image"))
    data = base64.b64decode(image.get(XLINK).split(",", 1)[1])
    with Image.open(io.BytesIO(data)) as png:
        assert png.size == (960, 600) and png.mode == "RGBA"  # 1.5 x the pixels
        rgba = np.asarray(png)
    assert rgba[0, 0, 3] == 0
    # the text is not also in the picture: the band is clear where the title is
    assert rgba[: int(renderer.titles.band_px), :, 3].max() == 0


def test_pdf_is_valid_with_vector_text_and_the_picture(renderer, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    renderer.show(CASE, FigureOptions(size=(640, 400), transparent=True))
    path = renderer.write(tmp_path / "figure.pdf")
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert [float(v) for v in page.mediabox] == [0, 0, 480, 300]  # 640 x 400 px at 96 dpi
    text = page.extract_text()
    assert CASE.title in text  # "&", "<" and "°" come through
    assert "\N{PLUS-MINUS SIGN}2 % \N{EN DASH} compare" in text
    assert "lengthened" in text
    (image,) = page.images
    assert image.image.size == (640, 400)
    assert image.image.mode == "RGBA"  # the soft mask keeps the background clear
    assert reader.metadata.title == CASE.title


def test_figure_files_are_written_atomically(tmp_path):
    image = np.zeros((20, 30, 4), dtype=np.uint8)
    path = tmp_path / "fig.svg"
    path.write_text("old")
    folder = tmp_path / "taken.pdf"
    folder.mkdir()
    from hipviz.io.figure_files import FigureFileError

    with pytest.raises(FigureFileError, match=r"taken\.pdf: is a folder; hipviz only saves to a"):
        write_figure(folder, image)
    with pytest.raises(ValueError, match="cannot tell the format"):
        write_figure(tmp_path / "fig.jpg", image)
    texts = [TextItem("a\x01b", 1, 10, 5, 8, (0, 0, 0), anchor="middle")]
    write_figure(path, image, texts)
    assert "a\x01b" not in path.read_text() and "ab" in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.svg", "taken.pdf"]


# --- the window -------------------------------------------------------------------------------
@pytest.mark.gui
def test_exported_figure_does_not_depend_on_the_window_size(qtbot, tmp_path):
    from hipviz.gui.window import MainWindow

    win = MainWindow(load_model(), load_bones(), load_landmarks())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        win.open_scene(SHIPPED[1])
        options = FigureOptions(size=(480, 300))
        first = win.export_figure(tmp_path / "a.png", options)
        win.resize(900, 700)
        qtbot.wait(100)
        second = win.export_figure(tmp_path / "b.png", options)
        a, b = (np.asarray(Image.open(p)).astype(int) for p in (first, second))
        assert a.shape == (300, 480, 3)
        assert np.abs(a - b).mean() < 1.0
        # the figure follows the window: hide piriformis and it is gone from the figure
        win.display.set_muscle_shown("piriformis", False)
        third = np.asarray(Image.open(win.export_figure(tmp_path / "c.png", options)))
        assert np.abs(third.astype(int) - a).sum(axis=2).max() > 100
    finally:
        win.close()


@pytest.mark.gui
def test_ctrl_e_opens_the_export_dialog_and_it_exports(qtbot, tmp_path, monkeypatch):
    from PyQt5.QtCore import QSettings, Qt, QTimer
    from PyQt5.QtWidgets import QApplication

    from hipviz.gui.export_dialog import ExportDialog
    from hipviz.gui.window import MainWindow

    win = MainWindow(load_model(), load_bones(), load_landmarks())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    QApplication.setActiveWindow(win)  # shortcuts need the active window (Xvfb has no manager)
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    try:
        assert win.export_figure_action.shortcut().toString() == "Ctrl+E"
        assert win.export_csv_action.shortcut().toString() == "Ctrl+Shift+E"
        seen = []

        def close_it():
            dialog = QApplication.activeModalWidget()
            seen.append(type(dialog).__name__)
            dialog.reject()

        QTimer.singleShot(300, close_it)
        qtbot.keyClick(win, Qt.Key_E, Qt.ControlModifier)
        assert seen == ["ExportDialog"]

        store = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
        dialog = ExportDialog(win.document, win.export_figure, win, store)
        qtbot.addWidget(dialog)
        names = [dialog.preset_combo.itemText(i) for i in range(dialog.preset_combo.count())]
        dialog.preset_combo.setCurrentText(next(n for n in names if n.startswith("4K")))
        assert (dialog.width_spin.value(), dialog.height_spin.value()) == (3840, 2160)
        dialog.width_spin.setValue(500)
        dialog.height_spin.setValue(320)
        assert dialog.preset_combo.currentText() == "Custom"
        dialog.scale_spin.setValue(2.0)
        assert "1000 \N{MULTIPLICATION SIGN} 640 px" in dialog.pixels_label.text()
        dialog.scale_spin.setValue(4.0)
        dialog.width_spin.setValue(3000)
        assert not dialog.export_button.isEnabled()  # 12000 px wide: refused, and said why
        assert "8192" in dialog.pixels_label.text()
        dialog.width_spin.setValue(500)
        dialog.scale_spin.setValue(1.0)
        dialog.transparent_check.setChecked(True)
        dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("pdf"))
        target = tmp_path / "figure.pdf"
        dialog.path_edit.setText(str(target.with_suffix("")))
        written = dialog.export()
        assert written == target and target.read_bytes().startswith(b"%PDF-1.4")
        assert store.value("export/format") == "pdf"
        # the choices come back next time
        again = ExportDialog(win.document, win.export_figure, win, store)
        qtbot.addWidget(again)
        assert (again.width_spin.value(), again.height_spin.value()) == (500, 320)
        assert again.transparent_check.isChecked() and again.format() == "pdf"
    finally:
        win.close()


# --- command line -----------------------------------------------------------------------------
def test_cli_batch_renders_every_shipped_scene(tmp_path, capsys):
    out = tmp_path / "figures"
    assert main(["render", *map(str, SHIPPED), "-o", str(out), "--size", "400x250"]) == 0
    captured = capsys.readouterr()
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"{p.stem}.png" for p in SHIPPED]
    for name in names:
        with Image.open(out / name) as png:
            assert png.size == (400, 250)
            pixels = np.asarray(png.convert("RGB"))
        bone = np.mean([is_bone(p) for p in pixels[::5, ::5].reshape(-1, 3)])
        assert bone > 0.015, name  # not blank
    assert f"{len(names)}/{len(names)} {names[-1]}" in captured.err and "[####" in captured.err
    assert captured.out.count("wrote ") == len(SHIPPED)


def test_cli_single_scene_formats_and_legacy_form(tmp_path, capsys):
    svg = tmp_path / "one.svg"
    assert (
        main(["render", str(SHIPPED[2]), "-o", str(svg), "--size", "320x200", "--no-caption"]) == 0
    )
    texts = ["".join(t.itertext()) for t in ET.parse(svg).getroot().iter(f"{SVG}text")]
    assert read_scene(SHIPPED[2]).title in texts
    assert not any("abducted" in t for t in texts)
    # the old form: no scene file, a view and --set
    png = tmp_path / "legacy.png"
    assert (
        main(
            [
                "render",
                "-o",
                str(png),
                "--view",
                "posterior",
                "--size",
                "320x200",
                "--set",
                "right.gt_superior_mm=8",
                "--transparent",
            ]
        )
        == 0
    )
    with Image.open(png) as image:
        assert image.size == (320, 200) and image.mode == "RGBA"
    # --scene still works, and --format wins over a suffix-less name
    pdf = tmp_path / "named"
    assert (
        main(
            [
                "render",
                "--scene",
                str(SHIPPED[0]),
                "-o",
                str(pdf),
                "--format",
                "pdf",
                "--size",
                "320x200",
            ]
        )
        == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    capsys.readouterr()


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "x.png", "--size", "320x200", "--scale", "40"], "scale 40.0 is out of range"),
        (["-o", "x.svg", "--format", "png"], "suffix says svg but --format says png"),
        (["-o", "x.jpg"], "cannot tell the format"),
        (["-o", "x.png", "--set", "right.gt_superior_mm=99"], "allowed -25 to 25 mm"),
    ],
)
def test_cli_render_bad_input(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["render", *args]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_cli_render_bad_scene_names_file_and_key(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("hipviz_scene = 1\n[display]\nbone_opacity = 2\n")
    assert main(["render", str(SHIPPED[0]), str(bad), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "display.bone_opacity: 2 is out of range" in err
    assert not (tmp_path / "out").exists()  # checked before anything is rendered


# --- animation --------------------------------------------------------------------------------
def test_animate_gif(tmp_path, capsys):
    out = tmp_path / "sweep.gif"
    assert (
        main(
            [
                "animate",
                str(SHIPPED[2]),
                "--param",
                "right.gt_superior_mm",
                "--from",
                "-15",
                "--to",
                "15",
                "--frames",
                "4",
                "--bounce",
                "--size",
                "240x150",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    with Image.open(out) as gif:
        assert gif.n_frames == 6 and gif.size == (240, 150)  # 4 there, 2 back
        assert gif.info["loop"] == 0
        frames = []
        for i in range(gif.n_frames):
            gif.seek(i)
            frames.append(np.asarray(gif.convert("RGB")).astype(int))
    assert np.abs(frames[0] - frames[3]).sum(axis=2).max() > 100  # the GT moved
    assert np.abs(frames[1] - frames[5]).mean() < 1.0  # the way back retraces
    assert "6/6 frames" in capsys.readouterr().err


def test_animate_mp4_without_a_system_ffmpeg(tmp_path, monkeypatch):
    import imageio_ffmpeg

    monkeypatch.setenv("PATH", "/nonexistent")  # only the packaged ffmpeg can be found
    out = tmp_path / "sweep.mp4"
    assert (
        main(
            [
                "animate",
                "--param",
                "left.hip_flexion_deg",
                "--from",
                "0",
                "--to",
                "90",
                "--frames",
                "5",
                "--size",
                "241x151",
                "--fps",
                "5",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    import gc
    import warnings

    with warnings.catch_warnings():
        # imageio-ffmpeg's reader leaves its pipes to the garbage collector: collect them
        # here, so the ResourceWarning cannot surface in a later test
        warnings.simplefilter("ignore", ResourceWarning)
        reader = imageio_ffmpeg.read_frames(str(out))
        meta = next(reader)
        frames = list(reader)
        reader.close()
        del reader
        gc.collect()
    assert meta["size"] == (240, 150)  # made even for H.264
    assert len(frames) == 5


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--param", "right.gt_up_mm", "--from", "0", "--to", "1", "-o", "a.gif"],
            "unknown pose key 'right.gt_up_mm'",
        ),
        (
            ["--param", "right.gt_superior_mm", "--from", "0", "--to", "30", "-o", "a.gif"],
            "30.0 is out of range",
        ),
        (
            ["--param", "right.gt_superior_mm", "--from", "0", "--to", "1", "-o", "a.avi"],
            "written as .gif or .mp4",
        ),
        (
            [
                "--param",
                "right.gt_superior_mm",
                "--from",
                "0",
                "--to",
                "1",
                "--frames",
                "1",
                "-o",
                "a.gif",
            ],
            "frames: 1 is out of range",
        ),
    ],
)
def test_animate_bad_input(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["animate", *args]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_render_figure_in_one_call(tmp_path):
    scene = Scene(display=Display(background="white", muscles=()))
    image = render_figure(scene, tmp_path / "bones.png", FigureOptions(size=(200, 160)))
    assert image.shape == (160, 200, 3) and tuple(image[2, 2]) == (255, 255, 255)
    assert (tmp_path / "bones.png").is_file()
