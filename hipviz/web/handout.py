"""Handouts: one self-contained HTML page with a scene in 3D, its text and its numbers.

``hipviz handout SCENE.toml -o hip.html`` (and File > Export handout... in the window)
writes a single file that opens offline in any current browser: the scene's bones and
coloured muscles in a 3D view the reader turns and zooms (vtk.js, rendered by the
browser's WebGL), the standard views as buttons, and around the view the title, caption,
colour legend, the pose and the table of muscle lengths and moment arms as plain HTML,
so they print, copy, translate and read aloud like any page.

The 3D part is the scene drawn by :class:`~hipviz.render.export.FigureRenderer` (so it
has exactly the figure's colours, pose and display), serialized with trame-vtk's
serializers into vtk.js's "OfflineLocalView" format, and shown by the vtk.js viewer that
trame-vtk ships (``static_viewer.html``), embedded whole. trame-pyvista's
``plotter.trame.export_html`` makes the same data, but it first starts a trame web
server on a local port (and patches asyncio with ``nest_asyncio2``) that stays open for
the rest of the process; a handout written from the desktop app or a script should not
open a listening socket, so the serializers are called directly.

Nothing is fetched: the page carries its data, styles and scripts, the viewer's own
favicon links are pointed at an inline icon, and a Content-Security-Policy forbids any
network request, so the page works on a laptop without a network and leaks nothing
when it is opened.

Example::

    from hipviz.io.scene import read_scene
    from hipviz.web.handout import write_handout

    write_handout(read_scene("scenes/02_two_sided_case.toml"), "hip.html")
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import os
import re
import zipfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

import numpy as np
import pyvista as pv

from hipviz import __version__
from hipviz.core.explain import crest_text, gt_move_text
from hipviz.core.kinematics import Anatomy
from hipviz.core.pose import SIDES
from hipviz.formatting import number
from hipviz.io.figure_files import FigureFileError, check_figure_target, write_atomically
from hipviz.io.meshes import load_bones
from hipviz.io.scene import Scene, state_of
from hipviz.names import (  # the app's own wording
    ACTION_LABELS,
    isolated_label,
    muscle_label,
    quantity_heading,
    side_label,
)
from hipviz.render.colours import (
    COLOUR_SCALES,
    colour_index,
    diverging_colormap,
    rgb_uint8,
    text_colour_on,
)
from hipviz.render.export import FigureOptions, FigureRenderer
from hipviz.render.legend import tick_text, tick_values
from hipviz.render.muscle_labels import label_specs
from hipviz.render.muscle_layer import THICKNESS_NOTE
from hipviz.render.views import VIEWS
from hipviz.state import DisplayState
from hipviz.web.classroom import cameras

if TYPE_CHECKING:
    from hipviz.core.model import HipModel, Solution
    from hipviz.io.meshes import Bone

log = logging.getLogger(__name__)

#: the view's width / height on the page (CSS ``aspect-ratio``); the standard views are
#: framed for it, as the window frames them for its own shape
VIEW_ASPECT = 1.6
#: size of the off-screen plotter the scene is serialized from, pixels (the shape only
#: matters for the camera it carries)
EXPORT_SIZE = (1280, 800)
#: colour stops of the CSS legend gradient (the map is straight in CIELAB, not in sRGB)
LEGEND_STOPS = 17
#: sides of each fibre's tube in the page (the window draws 14): a handout carries every
#: fibre of every fan as triangles, and 10 sides cost 30 % fewer bytes than 14
TUBE_SIDES = 10
#: the page gives up waiting for the 3D view after this long, ms
LOAD_TIMEOUT_MS = 60000
VIEWER_HTML = "static_viewer.html"  # in trame_vtk/tools
#: the only network requests the vtk.js bundle makes by itself: icons for the tab
_FAVICON_URL = re.compile(r"https://kitware\.github\.io/vtk-js/icon/favicon-[^`\"']*")
_ICON = (
    "data:image/svg+xml," + "%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
    "%3Ccircle cx='8' cy='8' r='7' fill='%23e8dcc4' stroke='%233b4654' stroke-width='2'/%3E"
    "%3C/svg%3E"
)
#: what the page may load: its own inline scripts and styles, and data: images; nothing
#: from any network (the viewer decodes its scene from the page)
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; img-src data: blob:; "
    "connect-src data: blob:; base-uri 'none'; form-action 'none'"
)
CREDITS = (
    "Bone meshes derived from the GIAS3 LLP26 mean shape model (musculoskeletal-models, "
    "Auckland Bioengineering Institute), Mozilla Public License 2.0. Muscle paths derived "
    "from OpenSim's gait2392 model (Delp, Loan, Hoy, Zajac, Topp, Rosen, Thelen, Anderson, "
    "Seth; opensim-org/opensim-models), CC BY 3.0, and from Rajagopal et al. 2016 as in "
    "myo-sim (MyoSuite; Vikash Kumar, Vittorio Caggiano, Huawei Wang), Apache License 2.0; "
    "both modified for hipviz. 3D viewer: vtk.js (Kitware), BSD 3-Clause licence. See the "
    "NOTICE and licence files that come with hipviz."
)
DEFAULT_TITLE = "Hip muscle lengths"


# --- the 3D scene --------------------------------------------------------------------------
def _freeze_geometry(renderer) -> None:
    """Give each visible actor's mapper a single-precision copy of what it draws.

    The bones and tubes are in millimetres within 200 mm of the origin, where 32-bit
    floats still resolve 0.00002 mm; the copy halves the bytes of every point array.
    Only for a plotter that is thrown away afterwards (the pipelines are cut).
    """
    actors = renderer.GetActors()
    actors.InitTraversal()
    for _ in range(actors.GetNumberOfItems()):
        actor = actors.GetNextActor()
        mapper = actor.GetMapper() if actor.GetVisibility() else None
        if mapper is None:
            continue
        mapper.Update()
        data = pv.wrap(mapper.GetInput()).copy(deep=True)
        if data.n_points and data.points.dtype != np.float32:
            data.points = data.points.astype(np.float32)
        mapper.SetInputData(data)
        if mapper.GetUseLookupTableScalarRange() and mapper.GetLookupTable() is not None:
            # vtk.js ignores the table's own range: the muscles would take one end colour
            mapper.SetScalarRange(*mapper.GetLookupTable().GetRange())
            mapper.SetUseLookupTableScalarRange(False)


def scene_archive(render_window) -> tuple[bytes, int]:
    """A render window's first renderer as vtk.js OfflineLocalView data (a zip, ``.vtksz``).

    The same state trame-vtk's ``viewport.geometry.view.get.export`` protocol call
    builds, made without a server.

    Returns
    -------
    (bytes, int)
        The zip archive, and how many actors it holds (the page waits for them all).
    """
    # lazy: trame-vtk's serializers and viewer load only when a handout is written
    from trame_vtk.modules.vtk.serializers import (
        SynchronizationContext,
        extract_array_hash,
        initialize_serializers,
        reference_id,
        serialize,
    )

    initialize_serializers()
    context = SynchronizationContext()
    context.set_ignore_last_dependencies(True)  # everything, as for a new subscriber
    camera = render_window.GetRenderers().GetFirstRenderer().GetActiveCamera()
    state = serialize(None, render_window, "1", context, 1)
    state["extra"] = {
        "vtkRefId": reference_id(render_window),
        "centerOfRotation": camera.GetFocalPoint(),
        "camera": reference_id(camera),
    }
    hashes = {}
    for entry in extract_array_hash(state):
        key = entry["hash"]
        hashes[key] = dict(**entry, content=context.get_cached_data_array(key, False))
    n_actors = sum(
        1
        for renderer in state.get("dependencies", [])
        for prop in renderer.get("dependencies", [])
        if prop.get("type", "").endswith("Actor")
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.json", json.dumps({"hashes": hashes, "scene": state}))
    return buffer.getvalue(), n_actors


def _export_scene(renderer: FigureRenderer, scene: Scene) -> tuple[bytes, int]:
    """Show ``scene`` on a figure renderer and serialize its 3D part."""

    # vtk.js has no 2D text: the page writes title, caption, legend and labels itself; and
    # and muscles are always drawn as tubes (shaded, as in the app)
    display = replace(scene.display, labels=False, legend=False, tubes=True, muscle_labels=False)
    renderer.show(
        replace(scene, display=display),
        FigureOptions(size=EXPORT_SIZE, legend=False, title=False, caption=False),
    )
    if renderer.scene.muscle_labels is not None:  # the isolated muscle's name: the page's
        renderer.scene.muscle_labels.name_actor.SetVisibility(False)
    layer = renderer.scene.muscles
    if layer is not None:
        # every fibre of every fan is a tube in the file: fewer sides keep the page small
        # (the browser shades them smoothly from their normals all the same)
        for tubes in (layer.tube_filter, layer.focus_filter):
            tubes.SetNumberOfSides(TUBE_SIDES)
    window = renderer.plotter.ren_win
    window.RemoveRenderer(renderer.titles.renderer)  # an empty band would cover the view
    renderer.plotter.render()
    _freeze_geometry(renderer.plotter.renderer)
    return scene_archive(window)


@lru_cache(maxsize=1)
def viewer_script() -> str:
    """The vtk.js OfflineLocalView viewer (an ES module), as trame-vtk ships it.

    Its favicon links to kitware.github.io are pointed at an inline icon, so opening the
    page makes no request.
    """
    from trame_vtk import tools  # lazy, as above

    text = (Path(tools.__file__).with_name(VIEWER_HTML)).read_text(encoding="utf-8")
    match = re.search(r'<script type="module">(.*)</script>', text, re.DOTALL)
    if match is None:
        raise RuntimeError(f"trame-vtk's {VIEWER_HTML} has no viewer module: unknown version")
    script, n = _FAVICON_URL.subn(_ICON, match.group(1))
    if n == 0:
        log.warning(
            "the vtk.js viewer's favicon links were not found; the page's security "
            "policy still blocks them"
        )
    return script.replace("</script", "<\\/script")


# --- the text around the view --------------------------------------------------------------
def legend_spec(colour_by: str = "length", limit: float = 10.0, stops: int = LEGEND_STOPS) -> dict:
    """The colour legend for HTML: title, end words, tick labels and a CSS gradient.

    Parameters
    ----------
    colour_by : str, default: "length"
        A key of :data:`~hipviz.render.colours.COLOUR_SCALES` (a scene's ``display.colour_by``).
    limit : float, default: 10.0
        The colours run from ``-limit`` to ``+limit``, in the scale's unit (% or mm).
    stops : int, default: 17
        Colour stops of the gradient.

    Returns
    -------
    dict
        ``title``, ``negative``, ``positive`` (end words), ``ticks`` (list of str, evenly
        spaced from ``-limit`` to ``+limit``) and ``gradient`` (CSS ``linear-gradient``).
    """
    scale = COLOUR_SCALES[colour_by]
    rgb = rgb_uint8(diverging_colormap(stops, colour_by))
    colours = ", ".join(f"rgb({r}, {g}, {b})" for r, g, b in rgb)
    return {
        "title": scale.title,
        "negative": scale.negative,
        "positive": scale.positive,
        "ticks": [tick_text(v).replace("-", "\N{MINUS SIGN}") for v in tick_values(limit)],
        "gradient": f"linear-gradient(to right, {colours})",
    }


def _signed(value: float, decimals: int = 1) -> str:
    """``+7.8`` / ``−1.3`` (a real minus sign) / ``0.0``."""
    text = f"{abs(value):.{decimals}f}"
    if float(text) == 0.0:
        return text
    return ("+" if value > 0 else "\N{MINUS SIGN}") + text


def _swatch_style(value: float, colour_by: str, limit: float) -> str:
    """Inline CSS colouring a table cell as the muscle is coloured."""
    rgb = diverging_colormap(colour_by=colour_by)[colour_index(value, limit)]
    r, g, b = rgb_uint8(rgb)
    return f"background: rgb({r}, {g}, {b}); color: {text_colour_on(rgb)}"


def _legend_html(colour_by: str, limit: float) -> str:
    spec = legend_spec(colour_by, limit)
    n = len(spec["ticks"])
    ticks = "".join(
        f'<span style="left: {100 * i / (n - 1):g}%">{html.escape(t)}</span>'
        for i, t in enumerate(spec["ticks"])
    )
    return (
        f'<figure class="legend" id="legend" aria-label="Colour legend">'
        f"<figcaption>{html.escape(spec['title'])}</figcaption>"
        f'<div class="legend-row"><span class="legend-end">{html.escape(spec["negative"])}'
        f'</span><div class="legend-scale"><div class="legend-bar" style="background: '
        f'{spec["gradient"]}"></div><div class="legend-ticks">{ticks}</div></div>'
        f'<span class="legend-end">{html.escape(spec["positive"])}</span></div>'
        # each muscle's fibres are as thick as its PCSA says, as in the window's legend
        f'<p class="legend-note">{html.escape(THICKNESS_NOTE)}</p></figure>'
    )


def _pose_html(solution: Solution, anatomy: Anatomy | None = None) -> str:
    """Each side's pose in words: GT against neutral, iliac crest, joint angles, and (given
    the anatomy) what a GT move means at that flexion and what the crests do."""

    def mm(value: float, plus: str, minus: str) -> str:
        return f"{abs(value):.1f} mm {plus if value > 0 else minus}" if abs(value) >= 0.05 else ""

    items = []
    for side in SIDES:
        p = solution.reached.side(side)
        flexion, abduction, rotation = solution.angles_deg[side]
        gt = [
            t
            for t in (
                mm(p.gt_superior_mm, "superior", "inferior"),
                mm(p.gt_anterior_mm, "anterior", "posterior"),
            )
            if t
        ]
        crest = mm(p.iliac_crest_superior_mm, "raised", "lowered") or "level"
        deg = "\N{DEGREE SIGN}"
        text = (
            f"greater trochanter {' and '.join(gt) or 'at neutral'}; iliac crest {crest}; "
            f"hip flexion {number(flexion, 0)}{deg}, "
            f"{'abduction' if abduction >= 0 else 'adduction'} {abs(abduction):.1f}{deg}, "
            f"{'internal' if rotation >= 0 else 'external'} rotation {abs(rotation):.1f}{deg}"
        )
        reasons = solution.reasons.get(side) or []
        if reasons:
            text += " (not reachable as asked: " + "; ".join(reasons) + ")"
        if anatomy is not None:
            text += ". " + gt_move_text(anatomy, side, float(flexion))
        items.append(f"<li><strong>{side_label(side)} hip:</strong> {html.escape(text)}</li>")
    crests = [solution.reached.side(s).iliac_crest_superior_mm for s in SIDES]
    flexion = {s: solution.reached.side(s).hip_flexion_deg for s in SIDES}
    if anatomy is not None and any(crests):
        pelvis = html.escape(crest_text(anatomy, *crests, flexion))
        items.append(f"<li><strong>Pelvis:</strong> {pelvis}</li>")
    return '<ul class="pose">' + "".join(items) + "</ul>"


def _table_html(solution: Solution, state: DisplayState) -> str:
    """Every path's length, change and moment arms; the coloured quantity's cells in colour."""
    colour_by, limit = state.colour_by, state.colour_limit
    actions = [a for a in ("flexion", "abduction", "rotation") if a in solution.moment_arms_mm]
    coloured = None if colour_by == "length" else f"moment_arm_{COLOUR_SCALES[colour_by].action}_mm"
    shown = set(state.muscles)
    body = []
    for row in solution.rows():
        key = f"{row['side']}.{row['muscle']}"
        pct = row["change_pct"]
        length_label, change_label = quantity_heading("length_mm"), quantity_heading("change_mm")
        cells = [
            f'<th scope="row">{html.escape(muscle_label(row["muscle"]))}</th>',
            # data-label: the column's name, shown beside the number on a phone (see _STYLE)
            f'<td data-label="Side">{side_label(row["side"])}</td>',
            f'<td data-label="{length_label}">{number(row["length_mm"])}</td>',
            f'<td data-label="{change_label}">{_signed(row["change_mm"])}</td>',
        ]
        style = f' style="{_swatch_style(pct, "length", limit)}"' if coloured is None else ""
        pct_label = quantity_heading("change_pct")
        cells.append(f'<td class="change" data-label="{pct_label}"{style}>{_signed(pct)}</td>')
        for action in actions:
            column = f"moment_arm_{action}_mm"
            style = (
                f' style="{_swatch_style(row[column], colour_by, limit)}"'
                if column == coloured
                else ""
            )
            label = quantity_heading(column)
            cells.append(f'<td data-label="{label}"{style}>{_signed(row[column])}</td>')
        hidden = "" if key in shown else ' class="not-drawn" title="not drawn in the view"'
        body.append(f'<tr data-path="{key}"{hidden}>' + "".join(cells) + "</tr>")
    ma_head = "".join(f'<th scope="col">{ACTION_LABELS[a]}</th>' for a in actions)
    return (
        '<table class="numbers" id="numbers">'
        "<caption>Muscle lengths against neutral (anatomical position). Moment arms: "
        "+ the muscle flexes, abducts or internally rotates the hip at this pose, "
        "\N{MINUS SIGN} it extends, adducts or externally rotates it.</caption>"
        '<thead><tr><th scope="col" rowspan="2">Muscle</th><th scope="col" rowspan="2">Side'
        '</th><th scope="col" rowspan="2">Length<br>(mm)</th><th scope="colgroup" '
        'colspan="2">Change</th>'
        + (f'<th scope="colgroup" colspan="{len(actions)}">Moment arm (mm)</th>' if actions else "")
        + '</tr><tr><th scope="col">mm</th><th scope="col">%</th>'
        + ma_head
        + "</tr></thead>"
        "<tbody>" + "".join(body) + "</tbody></table>"
    )


def _caption_html(caption: str) -> str:
    paragraphs = [line.strip() for line in caption.splitlines() if line.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _view_buttons(state: DisplayState) -> tuple[str, dict, str]:
    """The view buttons' HTML, the cameras they set (vtk.js form) and the first camera."""
    views = cameras(VIEW_ASPECT)
    buttons = [
        f'<button type="button" data-view="{name}" data-key="{view.shortcut}" '
        f'title="{view.label} view (key {view.shortcut})">{html.escape(view.label)}</button>'
        for name, view in VIEWS.items()
    ]
    start = state.view if state.view in views else next(iter(views))
    if state.camera is not None:  # a camera the author turned by hand
        position, focal_point, up = state.camera
        views["saved"] = {
            "position": list(position),
            "focalPoint": list(focal_point),
            "viewUp": list(up),
            "viewAngle": 30.0,
        }
        buttons.insert(
            0,
            '<button type="button" data-view="saved" data-key="0" title="The view '
            'the scene was saved with (key 0)">Scene view</button>',
        )
        start = "saved"
    return "".join(buttons), views, start


def _labels_spec(keys: tuple[str, ...], polylines: list, state: DisplayState) -> dict:
    """The muscle labels the page lays out over its view: texts, anchors (room, mm), the
    shown paths the labels keep off, and whether they start switched on."""
    shown = np.array([key in state.muscles for key in keys])
    return {
        "on": bool(state.muscle_labels),
        "labels": label_specs(keys, polylines, shown, state.isolated),
        "lines": [
            [round(float(v), 1) for v in np.asarray(p, dtype=float).ravel()]
            for p, on in zip(polylines, shown, strict=True)
            if on
        ],
    }


def _labels_button(state: DisplayState) -> str:
    pressed = "true" if state.muscle_labels else "false"
    return (
        f'<button type="button" id="labels-toggle" aria-pressed="{pressed}" '
        'title="Name each muscle beside it, with a line to it (key N)">Labels</button>'
    )


def _labels_html(spec: dict, state: DisplayState) -> str:
    """The labels' elements (their text is in the page; the script places them), the
    leader lines' SVG, and the isolated muscle's name in large type."""
    hidden = "" if spec["on"] else " hidden"
    items = "".join(
        f'<div class="muscle-label" data-label="{i}" data-key="{html.escape(label["key"])}">'
        f"{html.escape(label['text'])}</div>"
        for i, label in enumerate(spec["labels"])
    )
    parts = [
        f'<div class="muscle-labels" aria-label="Muscle names"{hidden}>{items}</div>',
        '<svg class="muscle-leaders" aria-hidden="true"><path d=""/></svg>',
    ]
    if state.isolated is not None:
        parts.append(
            f'<div class="isolated-name">{html.escape(isolated_label(state.isolated))}</div>'
        )
    return "".join(parts)


@lru_cache(maxsize=1)
def _labels_script() -> str:
    """The label layout in the page (hipviz/web/labels.js, shared with the desktop's rule)."""
    from importlib import resources

    return resources.files("hipviz.web").joinpath("labels.js").read_text(encoding="utf-8")


def _json_for_script(value) -> str:
    """JSON that cannot end the ``<script>`` element it sits in."""
    return json.dumps(value).replace("</", "<\\/")


def handout_html(
    scene: Scene, bones: dict[str, Bone] | None = None, model: HipModel | None = None
) -> str:
    """The handout page for ``scene``, as text (see :func:`write_handout`)."""

    bones = bones if bones is not None else load_bones()
    with FigureRenderer(bones, model) as renderer:
        archive, n_actors = _export_scene(renderer, scene)
        solution = renderer.model.solution
        layer = renderer.scene.muscles
        keys, polylines = layer.keys, layer.polylines
    # the page's texts, legend, table and cameras: the scene's display state, as every
    # surface draws it
    state = state_of(scene)
    colour_by, limit = state.colour_by, state.colour_limit
    buttons, views, start = _view_buttons(state)
    labels = _labels_spec(keys, polylines, state)
    # a caption belongs to its scene's pose: off it, the page says what the pose is
    text = scene.text()
    title = text.title.strip() or DEFAULT_TITLE
    page = _PAGE.substitute(
        title=html.escape(title),
        csp=html.escape(CONTENT_SECURITY_POLICY, quote=False),  # no " in it: quotes stay
        icon=html.escape(_ICON),
        style=_STYLE,
        caption=_caption_html(text.caption),
        buttons=buttons,
        labels_button=_labels_button(state),
        labels=_labels_html(labels, state),
        legend=_legend_html(colour_by, limit),
        pose=_pose_html(solution, renderer.model.anatomy),
        table=_table_html(solution, state),
        credits=html.escape(CREDITS),
        version=html.escape(__version__),
        settings=_json_for_script(
            {
                "views": views,
                "start": start,
                "actors": n_actors,
                "timeoutMs": LOAD_TIMEOUT_MS,
                "labels": labels,
            }
        ),
        data=base64.b64encode(archive).decode("ascii"),
        page_script=_labels_script() + _SCRIPT,
        viewer=viewer_script(),
    )
    log.info(
        "handout: %d actors, scene data %.1f MB, page %.1f MB",
        n_actors,
        len(archive) / 1e6,
        len(page) / 1e6,
    )
    return page


def write_handout(
    scene: Scene,
    path: Path | str,
    bones: dict[str, Bone] | None = None,
    model: HipModel | None = None,
) -> Path:
    """Write the handout page for ``scene`` to ``path``, atomically.

    Parameters
    ----------
    scene : Scene
        What to show: pose, camera, display, title and caption.
    path : Path or str
        The ``.html`` file to write (replaced whole, or left as it was on failure).
    bones : dict of str to Bone, optional
        From :func:`hipviz.io.meshes.load_bones`; loaded when not given.
    model : HipModel, optional
        Anatomy and muscle data (its pose is not touched); the shipped data when not given.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    FigureFileError
        The file cannot be written there (no such folder, a folder of that name, no
        permission); the message names the path. Checked before the scene is rendered.
    """
    path = Path(path)
    if path.is_dir():
        raise FigureFileError(f"{path}: is a folder; give a file name such as hip.html")
    if not path.parent.is_dir():
        raise FigureFileError(f"{path}: no such folder {path.parent}")
    if not os.access(path.parent, os.W_OK):
        raise FigureFileError(f"{path}: cannot write in {path.parent} (permission denied)")
    check_figure_target(path)  # a device, a fifo, a name too long: before rendering
    text = handout_html(scene, bones, model)
    write_atomically(path, text.encode("utf-8"))
    log.info("wrote handout %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path


# --- the page --------------------------------------------------------------------------------
_STYLE = """
:root { --ink: #1c232b; --muted: #59636e; --paper: #fbfaf7; --rule: #d5dadf;
        --button: #ffffff; --view-top: #141a21; --view-bottom: #3b4654; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue",
       Arial, sans-serif; font-size: 17px; line-height: 1.45; color: var(--ink);
       background: var(--paper); }
body { margin: 0; }
/* the vtk.js viewer's own style sheet (added later) stops the page scrolling for its
   full-window viewer: this page scrolls, down to the table */
html:root { overflow: visible; }
.page { max-width: 1120px; margin: 0 auto; padding: 28px 24px 36px; }
h1 { font-size: 1.85rem; line-height: 1.2; margin: 0 0 0.35em; }
h2 { font-size: 1.15rem; margin: 1.6em 0 0.5em; }
.caption p { margin: 0 0 0.55em; max-width: 72ch; font-size: 1.05rem; }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 18px 0 10px; }
.toolbar .label { color: var(--muted); margin-right: 2px; }
.toolbar button { font: inherit; font-size: 0.95rem; padding: 5px 14px; color: var(--ink);
                  background: var(--button); border: 1px solid #b4bcc5; border-radius: 6px;
                  cursor: pointer; }
.toolbar button:hover { border-color: var(--ink); }
.toolbar button:focus-visible { outline: 3px solid #7aa7d6; outline-offset: 1px; }
.toolbar button[aria-pressed="true"] { background: var(--ink); border-color: var(--ink);
                                       color: #ffffff; }
.muscle-labels { position: absolute; inset: 0; pointer-events: none; z-index: 2; }
.muscle-label { position: absolute; left: -999px; top: 0; padding: 1px 6px; white-space: nowrap;
                font: 600 0.85rem/1.35 system-ui, sans-serif; color: #ffffff;
                background: rgba(24, 32, 42, 0.85); border-radius: 3px; }
.muscle-leaders { position: absolute; inset: 0; width: 100%; height: 100%; z-index: 1;
                  pointer-events: none; }
.muscle-leaders path { stroke: #e8edf2; stroke-width: 1.6; fill: none; }
.isolated-name { position: absolute; left: 14px; bottom: 12px; z-index: 2; padding: 2px 10px;
                 font: 700 1.6rem/1.3 system-ui, sans-serif; color: #ffffff;
                 background: rgba(24, 32, 42, 0.85); border-radius: 4px; pointer-events: none; }
.hint { position: absolute; left: 12px; top: 10px; color: #eef2f6; opacity: 0.8;
        font-size: 0.85rem; pointer-events: none; text-shadow: 0 1px 2px #000000; }
.view-frame { position: relative; width: 100%; aspect-ratio: 16 / 10; border-radius: 8px;
              overflow: hidden; background: linear-gradient(var(--view-top), var(--view-bottom)); }
#view { position: absolute; inset: 0; }
#view canvas { display: block; }
.view-message { position: absolute; inset: 0; display: flex; align-items: center;
                justify-content: center; padding: 2em; text-align: center; color: #eef2f6;
                pointer-events: none; }
#view[data-loaded="true"] + .view-message { display: none; }
#view[data-loaded="failed"] ~ .hint { display: none; }
.legend { margin: 14px auto 0; max-width: 640px; }
.legend figcaption { text-align: center; font-weight: 600; margin-bottom: 4px; }
.legend-row { display: flex; align-items: flex-start; gap: 12px; }
.legend-end { font-weight: 600; line-height: 22px; white-space: nowrap; }
.legend-scale { flex: 1; }
.legend-bar { height: 22px; border-radius: 3px; border: 1px solid rgba(0, 0, 0, 0.25); }
.legend-ticks { position: relative; height: 1.4em; font-size: 0.85rem; color: var(--muted);
                font-variant-numeric: tabular-nums; }
.legend-ticks span { position: absolute; top: 2px; transform: translateX(-50%); }
.legend-note { margin: 2px 0 0; text-align: center; font-size: 0.85rem; color: var(--muted); }
.pose { margin: 0; padding-left: 1.2em; }
.pose li { margin: 0.2em 0; }
table.numbers { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums;
                font-size: 0.95rem; }
table.numbers caption { caption-side: bottom; text-align: left; color: var(--muted);
                        font-size: 0.85rem; padding-top: 8px; }
table.numbers th, table.numbers td { padding: 5px 10px; border-bottom: 1px solid var(--rule); }
table.numbers thead th { text-align: center; vertical-align: bottom; font-weight: 600;
                         background: #eef0f2; border-bottom: 1px solid #b4bcc5; }
table.numbers tbody th { text-align: left; font-weight: 500; white-space: nowrap; }
table.numbers td { text-align: right; }
table.numbers td:nth-child(2) { text-align: left; }
table.numbers tr.not-drawn { color: var(--muted); }
table.numbers tr.not-drawn th::after { content: " (not drawn)"; font-size: 0.85em; }
footer { margin-top: 2.2em; padding-top: 10px; border-top: 1px solid var(--rule);
         color: var(--muted); font-size: 0.8rem; }
@media (max-width: 700px) { html { font-size: 15px; } .hint { display: none; }
                            .table-wrap { overflow-x: auto; } }
/* a phone: each muscle's numbers as a small block (name across the top, then each number
   under its column's name), so nothing needs sideways scrolling */
@media (max-width: 560px) {
  .page { padding: 18px 12px 28px; }
  table.numbers thead { position: absolute; width: 1px; height: 1px; overflow: hidden;
                        clip: rect(0 0 0 0); }
  table.numbers, table.numbers tbody { display: block; }
  table.numbers tr { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr));
                     column-gap: 6px; padding: 8px 0; border-bottom: 1px solid var(--rule);
                     align-items: end; }
  table.numbers th, table.numbers td { display: block; padding: 2px 4px; border: 0; }
  table.numbers tbody th { grid-column: 1 / -1; white-space: normal; font-weight: 600; }
  table.numbers td, table.numbers td:nth-child(2) { text-align: left; }
  table.numbers td::before { content: attr(data-label); display: block; font-size: 0.72rem;
                             line-height: 1.2; opacity: 0.75; }
  table.numbers caption { display: block; }
}
@media print { .toolbar, .hint { display: none; } html { background: #ffffff; }
               .page { max-width: none; padding: 0; } }
"""

# the page's own script: load the scene into #view, wait until every actor has its
# geometry and one frame is drawn, then mark #view data-loaded="true" (tests and the
# classroom pages wait for that); the view buttons and keys 0-5 set the camera
_SCRIPT = """
window.global = window.global || {};
const HANDOUT = JSON.parse(document.getElementById("handout-settings").textContent);

function sceneRenderer() {
  const rw = window.global.renderWindow;
  if (!rw) { return null; }
  let best = null;
  for (const renderer of rw.getRenderers()) {
    if (!best || renderer.getActors().length > best.getActors().length) { best = renderer; }
  }
  return best;
}

function sceneReady() {
  const renderer = sceneRenderer();
  if (!renderer) { return false; }
  const actors = renderer.getActors();
  return actors.length >= HANDOUT.actors && actors.every((actor) => {
    const mapper = actor.getMapper();
    const data = mapper && mapper.getInputData();
    return Boolean(data && data.getPoints() && data.getPoints().getNumberOfPoints() > 0);
  });
}

let labelsOn = Boolean(HANDOUT.labels && HANDOUT.labels.on);
let labelsQueued = false;
function drawLabels() {
  labelsQueued = false;
  const frame = document.querySelector(".view-frame");
  if (frame && window.hipvizLabels) {
    window.hipvizLabels.draw(frame, sceneRenderer(), HANDOUT.labels, labelsOn);
  }
}
function queueLabels() {
  if (!labelsQueued) { labelsQueued = true; requestAnimationFrame(drawLabels); }
}
function setLabels(on) {
  labelsOn = on;
  const button = document.getElementById("labels-toggle");
  if (button) { button.setAttribute("aria-pressed", String(on)); }
  drawLabels();
}

function showView(name) {
  const renderer = sceneRenderer();
  const camera = HANDOUT.views[name];
  if (!renderer || !camera) { return; }
  const active = renderer.getActiveCamera();
  active.setPosition(...camera.position);
  active.setFocalPoint(...camera.focalPoint);
  active.setViewUp(...camera.viewUp);
  active.setViewAngle(camera.viewAngle);
  renderer.resetCameraClippingRange();
  window.global.renderWindow.render();
  for (const button of document.querySelectorAll("button[data-view]")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === name));
  }
  document.getElementById("view").dataset.view = name;
  queueLabels();
}

function viewFailed(reason) {
  const message = document.getElementById("view-message");
  message.textContent = "The 3D view cannot be shown in this browser (" + reason + "). " +
    "It needs WebGL; the text and the table below are complete without it.";
  document.getElementById("view").dataset.loaded = "failed";
}

function waitForScene(started) {
  if (sceneReady()) {
    const renderer = sceneRenderer();
    renderer.setBackground(0, 0, 0, 0);  // the page's gradient shows through
    // the labels follow the camera: laid out again once per frame while it moves
    renderer.getActiveCamera().onModified(queueLabels);
    window.addEventListener("resize", queueLabels);
    showView(HANDOUT.start);
    requestAnimationFrame(() => requestAnimationFrame(() => {
      performance.mark("hipviz-loaded");
      document.getElementById("view").dataset.loaded = "true";
    }));
  } else if (Date.now() - started > HANDOUT.timeoutMs) {
    viewFailed("it did not finish loading");
  } else {
    setTimeout(() => waitForScene(started), 50);
  }
}

// called by the vtk.js viewer module once it has run
function loadDataSet() {
  const container = document.getElementById("view");
  if (container.dataset.loaded !== "false") { return; }
  container.dataset.loaded = "loading";
  performance.mark("hipviz-load-start");
  const probe = document.createElement("canvas");
  let failure = probe.getContext("webgl2") || probe.getContext("webgl") ? null
    : "WebGL is switched off or not supported";
  try {  // called even without WebGL: it also stops the viewer's own drop-a-file page
    const base64Str = document.getElementById("handout-scene").textContent.trim();
    window.OfflineLocalView.load(container, { base64Str });
  } catch (error) {
    failure = failure || String(error && error.message || error);
  }
  if (failure) {
    viewFailed(failure);
  } else {
    waitForScene(Date.now());
  }
}

for (const button of document.querySelectorAll("button[data-view]")) {
  button.addEventListener("click", () => showView(button.dataset.view));
}
const labelsButton = document.getElementById("labels-toggle");
if (labelsButton) { labelsButton.addEventListener("click", () => setLabels(!labelsOn)); }
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) { return; }
  if (event.key === "n" || event.key === "N") { setLabels(!labelsOn); return; }
  const button = document.querySelector('button[data-key="' + CSS.escape(event.key) + '"]');
  if (button) { showView(button.dataset.view); }
});
"""

_PAGE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="$csp">
<meta name="generator" content="hipviz $version">
<title>$title</title>
<link rel="icon" href="$icon">
<style>$style</style>
</head>
<body>
<div class="page">
<header>
<h1 id="title">$title</h1>
<div class="caption" id="caption">$caption</div>
</header>
<main>
<div class="toolbar" role="toolbar" aria-label="Standard views">
<span class="label">View:</span>$buttons $labels_button
</div>
<div class="view-frame">
$labels
<div id="view" data-loaded="false" aria-label="3D view: bones and coloured muscles"></div>
<div class="view-message" id="view-message">Loading the 3D view&hellip;</div>
<div class="hint" id="hint">Drag to rotate &middot; scroll to zoom &middot; shift-drag to pan
&middot; keys 1&ndash;5: views</div>
<noscript><div class="view-message">The 3D view needs JavaScript; the text and the table are
complete without it.</div></noscript>
</div>
$legend
<h2>Pose</h2>
$pose
<h2>Muscle lengths and moment arms</h2>
<div class="table-wrap">$table</div>
</main>
<footer>Made with hipviz $version. $credits</footer>
</div>
<script type="application/json" id="handout-settings">$settings</script>
<script type="application/octet-stream" id="handout-scene">$data</script>
<script>$page_script</script>
<script type="module">$viewer</script>
</body>
</html>
""")
