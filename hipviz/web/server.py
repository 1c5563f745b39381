"""``hipviz serve``: the classroom server, its own aiohttp server around trame's page.

Rendering happens in each browser (vtk.js, WebGL). trame builds the page (Vue template,
vuetify and vtk.js widgets, its browser code) and the shared data (bones, scenes,
controls) once, at start; it is never started as a server. The server here is ours:
static files, ``POST /hipviz/lead`` for the desktop app, and one websocket per page
speaking trame's wire format (:mod:`hipviz.web.wire`) through :class:`~hipviz.web.gate.Gate`,
which lets a page *ask* (its pose, a scene, to lead with the token) and never write.
So the guarantees are visible in one place each:

- a page changes only what it itself shows: every answer goes to the page that asked;
- only a request carrying the token changes the lead, the one value every page receives
  (with the count of pages following), built by the server from a checked request;
- nothing a page sends reaches another page: there is no path that relays it.

Why not trame's own server: its ``trame.state.update`` lets every page write every
key, including the page template, and rebroadcasts it to all pages; its websocket
sends to all pages in turn, so one page that stops reading stalls everyone; and it
trusts chunk headers. Guarding each of those from outside would be a list of patches;
a server that has no such path is a guarantee.

Hardening at the door (:class:`Doors` and :func:`secure_headers`): the websocket takes
only pages from this server (Origin), every response carries a strict CSP and the usual
headers, request bodies and messages are capped before they are read, connections are
capped below the file limit with timeouts for those that never send a request.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import logging
import resource
import socket
from pathlib import Path

import numpy as np

from hipviz.core.fibres import muscle_of
from hipviz.core.muscles import GROUPS
from hipviz.io.kept_arrays import kept
from hipviz.io.meshes import BONE_BODIES, load_bones
from hipviz.io.model_files import load_model
from hipviz.io.scene import read_scene
from hipviz.io.scene_folder import scene_files
from hipviz.names import SIDE_LABELS, isolated_label, path_label, quantity_heading
from hipviz.web.classroom import Classroom, MessageError, cameras, control_specs, controls_of
from hipviz.web.gate import Gate
from hipviz.web.handout import legend_spec
from hipviz.web.payload import bone_meshes, footprint_pieces, view_line_sets
from hipviz.web.wire import MAX_REQUEST_BYTES, shown

log = logging.getLogger(__name__)

DEFAULT_PORT = 8080
#: the numbers table's columns after side and muscle (fields of the payload's rows), headed
#: in the names module's words
TABLE_FIELDS = (
    "length_mm",
    "change_mm",
    "change_pct",
    "moment_arm_flexion_mm",
    "moment_arm_abduction_mm",
    "moment_arm_rotation_mm",
)
#: the view's background (the app's slate, darkest end), as a JS array
BACKGROUND = "[0.10, 0.13, 0.17]"
#: what the muscle lines' widths mean, under the legend (the desktop's legend says it of
#: its tubes)
THICKNESS_NOTE = "Line thickness: muscle size (cross-sectional area, PCSA)"
#: each browser's own state: the page keeps it, the server never reads it from there
CLIENT_ONLY = (
    "pose",
    "muscles",
    "muscle_sets",
    "matrices",
    "rows",
    "status",
    "follow",
    "scene_index",
    "scene_title",
    "scene_caption",
    "view",
    "error",
    "instructor",
    "position_muscle",
    "position_back",
    "labels",
    "muscle_keys",
    "labels_on",
)

HERE = Path(__file__).parent
SCRIPT = HERE / "classroom.js"
#: the label layout the handout uses too; served in front of the page's script
LABELS_SCRIPT = HERE / "labels.js"
SCRIPT_URL = "__hipviz/classroom.js"
STYLE = HERE / "classroom.css"

#: every page's Content-Security-Policy: scripts from this server only (Vue compiles the
#: page's template, hence 'unsafe-eval'; no inline script runs), connections to this
#: server only, never framed, no plugins, no forms
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # the instructor's address holds the token: never send it on as a referrer
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: requests (HTTP bodies) larger than this are refused unread, bytes
MAX_BODY_BYTES = 64 * 1024
#: a connection must complete its first request within this, seconds
FIRST_REQUEST_S = 5.0
#: connections that have not yet completed a request, at most (the oldest goes first)
MAX_UNPROVEN = 64
#: connections in all at most (also kept this far below the process's file limit)
MAX_CONNECTIONS = 2000
FILE_RESERVE = 64
#: pages' websockets at most
MAX_PAGES = 600
#: an HTTP connection idle this long between requests is closed, seconds
KEEPALIVE_S = 10.0
#: a page's websocket is pinged this often; one that does not answer is closed, seconds
HEARTBEAT_S = 20.0


def default_scenes() -> list[Path]:
    """The teaching scenes ``hipviz serve`` offers when given none."""
    return scene_files()


def load_scenes(paths: list[Path]) -> list:
    """``(name, Scene)`` for each scene file (SceneError on a bad one, naming it)."""
    return [(Path(p).stem, read_scene(p)) for p in paths]


def page_footprints(classroom: Classroom, bones) -> tuple[list[dict], list[list[int]]]:
    """The attachment footprints for the page (sent once, as the bones are) and, for each
    served scene, which of them it shows: those of the muscles it draws, unless it hides
    the attachments. The same patches as the window's (kept from an earlier run)."""
    from hipviz.render.footprints import footprint_patches, patches_key, tint_of

    fibres = classroom.model.fibres
    patches = kept(
        "footprints", patches_key(bones, fibres), lambda: footprint_patches(bones, fibres)
    )
    pieces = footprint_pieces(patches, {m: tint_of(m) for m in GROUPS})
    shown = []
    for served in classroom.scenes:
        state = served.state
        drawn = {(k.split(".")[0], muscle_of(k.split(".")[1])) for k in state.muscles}
        shown.append(
            [
                i
                for i, piece in enumerate(pieces)
                if state.attachments and (piece["side"], piece["muscle"]) in drawn
            ]
        )
    return pieces, shown


def build_page(classroom: Classroom, bones=None, name: str = "hipviz"):
    """The trame server object holding the classroom page and its first state (never
    started: :func:`make_app` serves what it built)."""
    from trame.app import get_server
    from trame.ui.vuetify3 import SinglePageWithDrawerLayout
    from trame.widgets import client, html
    from trame.widgets import vtk as vtk_widgets
    from trame.widgets import vuetify3 as v
    from trame_client import module as client_module

    server = get_server(name, client_type="vue3")
    server.enable_module(client_module)
    # served as a file (the CSP runs no inline script), loaded by trame's page
    server.enable_module({"scripts": [SCRIPT_URL]})
    state = server.state
    bones = load_bones() if bones is None else bones

    first = classroom.open_scene(0)
    footprints, footprints_shown = page_footprints(classroom, bones)
    # each footprint moves with its body: placed by the matrix of one of that body's bones
    placed_by = {body: name for name, body in reversed(BONE_BODIES.items())}
    state.client_only(*CLIENT_ONLY)
    state.update(
        {
            "bones": bone_meshes(bones),
            "scenes": [s.summary() for s in classroom.scenes],
            "controls": control_specs(),
            "cameras": cameras(),
            "legends": [
                legend_spec(s.state.colour_by, s.state.colour_limit) for s in classroom.scenes
            ],
            "lead": None,
            "followers": 0,
            "instructor": False,
            # each browser starts from the first scene; these are its own from then on
            "pose": first["controls"],
            # the muscle lines as the server sends them, and as the view draws them: one
            # line set per width class (the page's script turns the one into the other)
            "muscles": first["muscles"],
            "muscle_sets": view_line_sets(first["muscles"], len(classroom.line_widths)),
            "line_widths": classroom.line_widths,
            # the attachment areas, tinted, and which each served scene shows
            "footprints": [
                {"points": f["points"], "polys": f["polys"], "colour": f["colour"]}
                for f in footprints
            ],
            "footprints_shown": footprints_shown,
            "matrices": first["matrices"],
            "rows": first["rows"],
            "status": first["status"],
            "follow": False,
            "scene_index": 0,
            "scene_title": first["scene"]["title"],
            "scene_caption": first["scene"]["caption"],
            "view": first["view"],
            "error": "",
            # muscle names: the labels the page pins (its own switch) and the large name
            # of a muscle clicked to isolate it, all in the server's words
            "labels": first["labels"],
            "muscle_keys": first["keys"],
            "labels_on": first["muscle_labels"],
            "muscle_names": {k: isolated_label(k) for k in classroom.model.muscles.keys},
            # the muscle whose stretch / release position the page asks for (issue 21)
            "position_muscles": [
                {"title": path_label(k), "value": k} for k in classroom.model.muscles.keys
            ],
            "position_muscle": "right.piriformis",
            "position_back": False,
        }
    )

    with SinglePageWithDrawerLayout(server, full_height=True) as layout:
        layout.title.set_text("hipviz")
        layout.footer.hide()
        client.Style(STYLE.read_text())
        with layout.toolbar:
            v.VSpacer()
            v.VSelect(
                v_model=("scene_index",),
                items=("scenes",),
                item_title="title",
                item_value="index",
                label="Scene",
                density="compact",
                hide_details=True,
                style="max-width: 360px",
                id="scene-select",
                update_modelValue="window.hipviz.openScene($event)",
            )
            with v.VBtnToggle(
                v_model=("view",), density="compact", mandatory=True, classes="mx-2", id="views"
            ):
                for key, label in (
                    ("anterior", "Ant"),
                    ("posterior", "Post"),
                    ("right", "Right"),
                    ("left", "Left"),
                    ("superior", "Sup"),
                ):
                    v.VBtn(
                        label,
                        value=key,
                        click=f"window.hipviz.setView('{key}')",
                        id=f"view-{key}",
                        title=f"{key.capitalize()} view",
                    )
            v.VSwitch(
                v_model=("labels_on",),
                label="Labels",
                hide_details=True,
                density="compact",
                color="primary",
                id="labels-switch",
                classes="mx-2",
                title="Name each muscle beside it, with a line to it (key N); click a muscle "
                "to name it in large type and fade the others",
            )
            html.Span(
                "You lead: {{ followers }} page{{ followers === 1 ? '' : 's' }} following",
                v_if=("instructor",),
                classes="text-body-2 mx-3 leading",
                id="leading",
            )
            v.VSwitch(
                v_if=("!instructor",),
                v_model=("follow",),
                label="Follow instructor",
                hide_details=True,
                density="compact",
                color="primary",
                id="follow",
                classes="mx-2",
                update_modelValue="window.hipviz.setFollow($event)",
                title="Copy the instructor's pose, scene and view as they change",
            )
            html.Span(
                "(waiting for the instructor)",
                v_if=("!instructor && follow && !lead",),
                classes="text-caption mr-2",
            )
        with layout.drawer as drawer:
            drawer.width = 330
            with html.Div(classes="pa-3 controls"):
                for side in ("right", "left"):
                    html.Div(f"{SIDE_LABELS[side]} side", classes="text-subtitle-1 mt-2")
                    with html.Div(
                        v_for=f"c in controls.filter(c => c.side === '{side}')",
                        key="c.key",
                        classes="control",
                    ):
                        html.Div(
                            "{{ c.label }}: {{ pose[c.key].toFixed(1) }} {{ c.unit }}",
                            classes="text-caption",
                            title=("c.help",),
                        )
                        v.VSlider(
                            v_model=("pose[c.key]",),
                            min=("c.min",),
                            max=("c.max",),
                            step=("c.step",),
                            hide_details=True,
                            density="compact",
                            id=("`slider-${c.key}`",),
                            disabled=("follow",),
                            update_modelValue="window.hipviz.poseChanged()",
                        )
                v.VBtn(
                    "Reset pose",
                    click="window.hipviz.reset()",
                    block=True,
                    classes="mt-3",
                    id="reset",
                    disabled=("follow",),
                )
                v.VSelect(
                    v_model=("position_muscle",),
                    items=("position_muscles",),
                    label="Muscle",
                    density="compact",
                    classes="mt-4",
                    hide_details=True,
                    id="position-muscle",
                    disabled=("follow",),
                )
                with html.Div(classes="d-flex mt-2", style="gap: 4px"):
                    for goal, text, tip in (
                        ("lengthen", "Stretch", "the pose that lengthens the muscle most"),
                        ("shorten", "Release", "the pose that shortens the muscle most"),
                    ):
                        v.VBtn(
                            text,
                            click=f"window.hipviz.position('{goal}')",
                            size="small",
                            id=f"position-{goal}",
                            title=f"Move the hip to {tip}",
                            disabled=("follow",),
                        )
                    v.VBtn(
                        "Back",
                        click="window.hipviz.positionBack()",
                        size="small",
                        id="position-back",
                        title="Back to the pose before",
                        disabled=("follow || !position_back",),
                    )
                html.Div("{{ status }}", classes="text-caption mt-3 status", id="status")
                html.Div(
                    "{{ error }}", v_if=("error",), classes="text-caption mt-2 error", id="error"
                )
        with layout.content:
            with html.Div(classes="main"):
                with html.Div(classes="caption-box"):
                    html.Div("{{ scene_title }}", classes="scene-title", id="scene-title")
                    html.Div("{{ scene_caption }}", classes="scene-caption", id="scene-caption")
                with html.Div(classes="view-box"):
                    with vtk_widgets.VtkView(
                        ref="view", background=(BACKGROUND,), picking_modes=("[]",)
                    ):
                        for bone in bones:
                            with vtk_widgets.VtkGeometryRepresentation(
                                actor=(f"{{ userMatrix: matrices.{bone} }}",),
                                property=(
                                    f"{{ color: bones.{bone}.colour, specular: 0.2, "
                                    f"specularPower: 20 }}",
                                ),
                            ):
                                vtk_widgets.VtkPolyData(
                                    bone,
                                    points=(f"bones.{bone}.points",),
                                    polys=(f"bones.{bone}.polys",),
                                    connectivity="manual",
                                )
                        for i, piece in enumerate(footprints):
                            bone = placed_by[piece["body"]]
                            with vtk_widgets.VtkGeometryRepresentation(
                                actor=(
                                    f"{{ userMatrix: matrices.{bone}, visibility: "
                                    f"footprints_shown[scene_index].includes({i}) }}",
                                ),
                                property=(
                                    f"{{ color: footprints[{i}].colour, ambient: 0.25, "
                                    "diffuse: 0.75, specular: 0.1 }",
                                ),
                            ):
                                vtk_widgets.VtkPolyData(
                                    f"footprint{i}",
                                    points=(f"footprints[{i}].points",),
                                    polys=(f"footprints[{i}].polys",),
                                    connectivity="manual",
                                )
                        # each muscle's fibres as lines as wide as its PCSA says (vtk.js
                        # draws wide lines itself; one width per set of lines)
                        for k, width in enumerate(classroom.line_widths):
                            with vtk_widgets.VtkGeometryRepresentation(
                                property=(f"{{ lineWidth: {width:g}, lighting: false }}",),
                                mapper=("{ colorMode: 0, scalarMode: 0 }",),
                            ):
                                with vtk_widgets.VtkPolyData(
                                    f"muscles{k}",
                                    points=(f"muscle_sets[{k}].points",),
                                    lines=(f"muscle_sets[{k}].lines",),
                                    connectivity="manual",
                                ):
                                    with vtk_widgets.VtkPointData():
                                        vtk_widgets.VtkDataArray(
                                            registration="setScalars",
                                            name="colour",
                                            type="Uint8Array",
                                            number_of_components=("3",),
                                            values=(f"muscle_sets[{k}].colours",),
                                        )
                    with html.Div(classes="legend", id="legend"):
                        html.Div("{{ legends[scene_index].title }}", classes="legend-title")
                        html.Div(
                            classes="legend-bar",
                            style=("{ background: legends[scene_index].gradient }",),
                        )
                        with html.Div(classes="legend-ticks"):
                            html.Span("{{ t }}", v_for="t in legends[scene_index].ticks", key="t")
                        with html.Div(classes="legend-ends"):
                            html.Span("{{ legends[scene_index].negative }}")
                            html.Span("{{ legends[scene_index].positive }}")
                        html.Div(THICKNESS_NOTE, classes="legend-note", id="thickness-note")
                with html.Table(classes="numbers", id="numbers"):
                    with html.Thead():
                        with html.Tr():
                            for head in ("Side", "Muscle", *map(quantity_heading, TABLE_FIELDS)):
                                html.Th(head)
                    with html.Tbody():
                        with html.Tr(v_for="r in rows", key="r.key"):
                            html.Td("{{ r.side_label }}")
                            html.Td("{{ r.muscle_label }}")
                            html.Td("{{ r.length_mm.toFixed(1) }}")
                            html.Td("{{ r.change_mm.toFixed(1) }}")
                            html.Td(
                                "{{ r.change_pct.toFixed(1) }}",
                                classes=(
                                    "r.change_pct < -1 ? 'short' : "
                                    "(r.change_pct > 1 ? 'long' : '')",
                                ),
                            )
                            html.Td("{{ r.moment_arm_flexion_mm?.toFixed(1) }}")
                            html.Td("{{ r.moment_arm_abduction_mm?.toFixed(1) }}")
                            html.Td("{{ r.moment_arm_rotation_mm?.toFixed(1) }}")
            client.ClientStateChange(value="lead", change="window.hipviz.onLead()")
    return server


def release_freed_memory() -> None:
    """Return the C allocator's free memory to the system (glibc ``malloc_trim``; else a no-op).

    Python frees a departed page's objects at once, but glibc keeps the pages in its
    arenas, so a server that sees hundreds of connections would look as if it leaked.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return
    libc.malloc_trim(0)


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def share_address(host: str) -> str:
    """The address students type: the machine's network address when listening on all."""
    if host in LOCAL_HOSTS:
        return "localhost"
    if host not in ("0.0.0.0", "::", ""):
        return host
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:  # no packet is sent: connecting a UDP socket only picks the outgoing interface
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return socket.gethostname()


def first_state(page) -> bytes:
    """The page description and shared data every page receives on connecting, packed
    once (it never changes: the lead and the count follow as the server's updates)."""
    import msgpack
    from trame_server.utils import clean_state

    clean, _ = clean_state(page.state.initial)
    return msgpack.packb({"name": page.name, "state": clean})


def index_html(www: Path) -> bytes:
    """trame's page, without its one inline script (a loading message; the CSP runs no
    inline script) and titled for hipviz."""
    text = (www / "index.html").read_text()
    start = text.rindex("<script>")
    end = text.index("</script>", start) + len("</script>")
    text = text[:start] + text[end:]
    text = text.replace("<title>trame is built by Kitware</title>", "<title>hipviz</title>")
    return text.encode()


def parse_body(text: str):
    """A JSON request body; ValueError for one too deep or with numbers too long to be a pose."""

    def number(digits: str):
        if len(digits) > 24:
            raise ValueError(f"a number of {len(digits)} digits")
        return float(digits)

    def refuse(name: str):
        raise ValueError(f"{name} is not a number a pose takes")

    try:
        return json.loads(text, parse_int=number, parse_float=number, parse_constant=refuse)
    except RecursionError:
        raise ValueError("nested too deeply") from None


class Doors:
    """Every TCP connection comes in here first (wrapping aiohttp's protocol factory).

    Connections are capped below the file limit: one more is answered 503 and closed at
    once (logged once while it lasts). One that has not completed a request within
    :data:`FIRST_REQUEST_S` is closed, and when :data:`MAX_UNPROVEN` such connections are
    open the oldest is dropped for the newest, so half-open connections never keep a
    real page out. A request completed marks its connection proven (:meth:`prove`).
    """

    def __init__(self, factory, limit: int | None = None):
        self.factory = factory
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        self.limit = limit or max(16, min(MAX_CONNECTIONS, soft - FILE_RESERVE))
        self.open: dict[int, Door] = {}  # transport id -> door
        self.unproven: dict[int, Door] = {}  # in arrival order
        self.refusing = False
        self.refused = 0

    def __call__(self):
        if self.refusing and len(self.open) < 0.9 * self.limit:
            # well below the cap again (not merely one under: no log line per flap)
            log.warning("taking connections again (%d were refused)", self.refused)
            self.refusing, self.refused = False, 0
        if len(self.open) >= self.limit:
            self.refused += 1
            if not self.refusing:
                log.warning("%d connections open: refusing new ones until some close", self.limit)
                self.refusing = True
            return Refused()
        return Door(self, self.factory())

    def prove(self, transport) -> None:
        self.unproven.pop(id(transport), None)

    def counts(self) -> dict:
        return {"connections": len(self.open), "unproven": len(self.unproven)}


class Door(asyncio.Protocol):
    """One connection: hands everything to aiohttp's handler, and closes it if it stalls."""

    def __init__(self, doors: Doors, inner):
        self.doors, self.inner, self.transport, self.timer = doors, inner, None, None

    def connection_made(self, transport):
        self.transport = transport
        key = id(transport)
        self.doors.open[key] = self
        if len(self.doors.unproven) >= MAX_UNPROVEN:
            oldest = next(iter(self.doors.unproven.values()))
            oldest.transport.abort()
            self.doors.unproven.pop(id(oldest.transport), None)
        self.doors.unproven[key] = self
        self.timer = asyncio.get_event_loop().call_later(FIRST_REQUEST_S, self._deadline)
        self.inner.connection_made(transport)

    def _deadline(self):
        if id(self.transport) in self.doors.unproven:
            self.transport.abort()

    def data_received(self, data):
        self.inner.data_received(data)

    def eof_received(self):
        return self.inner.eof_received()

    def pause_writing(self):
        self.inner.pause_writing()

    def resume_writing(self):
        self.inner.resume_writing()

    def connection_lost(self, exc):
        key = id(self.transport)
        self.doors.open.pop(key, None)
        self.doors.unproven.pop(key, None)
        if self.timer is not None:
            self.timer.cancel()
        self.inner.connection_lost(exc)


class Refused(asyncio.Protocol):
    def connection_made(self, transport):
        transport.write(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
            b"Connection: close\r\nContent-Length: 31\r\n\r\nthe server is full: retry soon\n"
        )
        transport.close()


def origin_allowed(request, allow_origins: tuple[str, ...]) -> bool:
    """A websocket from a page of this server (its Origin is the address it was asked
    at), or from a listed origin. A script outside a browser sends what it likes and is
    refused nothing more by this: it is the browser of another web site that is kept out."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin in allow_origins or origin == f"{request.scheme}://{request.host}"


def make_app(classroom: Classroom, page, allow_origins: tuple[str, ...] = ()):
    """The aiohttp application serving ``page`` (from :func:`build_page`) for ``classroom``.

    Returns ``(app, gate)``.
    """
    from aiohttp import web

    state_bytes = first_state(page)
    www = Path(page._www)
    index = index_html(www)

    def lead(token, message, scene=None, view=None, fans=True):
        result = classroom.set_lead(token, message, scene, view, fans)
        gate.publish_lead(result)
        return result

    gate = Gate(
        lambda: state_bytes,
        {
            "hipviz_solve": classroom.solve,
            "hipviz_scene": classroom.open_scene,
            "hipviz_position": classroom.position,
            "hipviz_lead": lead,
        },
    )

    @web.middleware
    async def secure_headers(request, handler):
        doors = request.app.get("doors")
        if doors is not None:
            doors.prove(request.transport)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        except Exception:  # ours: logged, and the page gets no traceback or path
            log.exception("%s %s failed", request.method, shown(request.path))
            response = web.Response(status=500, text="the server failed on this request\n")
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    async def get_index(_request):
        return web.Response(
            body=index, content_type="text/html", headers={"Cache-Control": "no-store"}
        )

    script = LABELS_SCRIPT.read_bytes() + b"\n" + SCRIPT.read_bytes()

    async def get_script(_request):
        return web.Response(body=script, content_type="text/javascript")

    async def post_launcher(_request):
        # trame's page first asks a launcher where its websocket is: here, always
        return web.json_response({"sessionURL": "ws://USE_HOST/ws"})

    async def get_ws(request):
        ws = web.WebSocketResponse(
            max_msg_size=MAX_REQUEST_BYTES, heartbeat=HEARTBEAT_S, compress=False
        )
        if not ws.can_prepare(request).ok:
            raise web.HTTPBadRequest(text="/ws is the pages' websocket: connect with Upgrade\n")
        if not origin_allowed(request, allow_origins):
            gate.note(f"refused a websocket from origin {shown(request.headers['Origin'])}")
            raise web.HTTPForbidden(text="this websocket serves this server's own pages\n")
        if len(gate.pages) >= MAX_PAGES:
            raise web.HTTPServiceUnavailable(text="the classroom is full\n")
        await ws.prepare(request)
        transport = request.transport
        address = shown(request.remote or "?", 45)
        await gate.serve(ws, address, transport.abort if transport else lambda: None)
        if not trim_due:  # once a second at most, however many pages leave
            trim_due.append(asyncio.get_running_loop().call_later(1.0, trim))
        return ws

    trim_due: list = []

    def trim():
        trim_due.clear()
        release_freed_memory()

    async def post_lead(request):
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            raise web.HTTPRequestEntityTooLarge(MAX_BODY_BYTES, request.content_length)
        try:
            body = parse_body(await request.text())
            if not isinstance(body, dict):
                raise MessageError("the body must be a JSON object")
            result = lead(body.get("token"), body.get("pose"), body.get("scene"), body.get("view"))
            status = 200
        except MessageError as exc:
            result = {"error": str(exc)}
            status = 403 if "token" in str(exc) else 400
        except (ValueError, UnicodeDecodeError) as exc:
            result = {"error": f"the body is not a JSON request: {shown(exc, 120)}"}
            status = 400
        return web.json_response(result, status=status)

    async def get_stats(_request):
        doors = app.get("doors")
        return web.json_response(
            {
                **classroom.stats(),
                "pages": len(gate.pages),
                "followers": gate.followers,
                **answer_times(gate.answer_seconds),
                **(doors.counts() if doors else {}),
            }
        )

    app = web.Application(middlewares=[secure_headers], client_max_size=MAX_BODY_BYTES)
    app.add_routes(
        [
            web.get("/", get_index),
            web.get("/index.html", get_index),
            web.get("/" + SCRIPT_URL, get_script),
            web.post("/paraview/", post_launcher),
            web.get("/ws", get_ws),
            web.post("/hipviz/lead", post_lead),
            web.get("/hipviz/stats", get_stats),
        ]
    )
    for prefix, folder in sorted(page.serve.items(), reverse=True):
        app.router.add_static(f"/{prefix.strip('/')}", folder, follow_symlinks=False)
    app.router.add_static("/", www, follow_symlinks=False)
    return app, gate


def answer_times(seconds) -> dict:
    """Median and 95th percentile of the server's time from a request to its answer, ms."""
    if not seconds:
        return {}
    ms = np.array(seconds) * 1000.0
    return {
        "answer_ms_median": round(float(np.median(ms)), 2),
        "answer_ms_p95": round(float(np.percentile(ms, 95)), 2),
    }


async def run_app(app, host: str, port: int, ready) -> None:
    """Listen (through :class:`Doors`) and serve until cancelled; ``ready(port)`` once listening."""
    from aiohttp import web

    # no access log: a line per request is a log any page could flood
    runner = web.AppRunner(
        app, handle_signals=False, keepalive_timeout=KEEPALIVE_S, access_log=None
    )
    await runner.setup()
    doors = Doors(runner.server)
    app["doors"] = doors
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(doors, host, port, backlog=256, reuse_address=True)
    try:
        ready(listener.sockets[0].getsockname()[1])
        await asyncio.Event().wait()
    finally:
        listener.close()
        await runner.cleanup()


def serve(
    scene_paths: list[Path],
    host: str = "localhost",
    port: int = DEFAULT_PORT,
    token: str | None = None,
    announce=None,
    allow_origins: tuple[str, ...] = (),
) -> None:
    """Run the classroom server until interrupted (blocking).

    Once it listens, ``announce`` gets the students' address, the instructor page's
    address (with the run's token) and, off localhost, what is exposed.
    """
    classroom = Classroom(load_model(), load_scenes(scene_paths), token=token)
    app, _gate = make_app(classroom, build_page(classroom), tuple(allow_origins))
    if announce is None:  # at once, even into a pipe: scripts wait for these lines

        def announce(text):
            print(text, flush=True)

    def ready(bound_port: int):
        shown_host = share_address(host)
        announce(f"hipviz classroom server: http://{shown_host}:{bound_port}/")
        announce(
            "instructor page (keep private): "
            f"http://{shown_host}:{bound_port}/?token={classroom.token}"
        )
        if host not in LOCAL_HOSTS:
            n = len(classroom.scenes)
            announce(
                f"listening on {host} port {bound_port}: anyone who can reach this "
                f"machine there can open the {n} served scene{'s' * (n != 1)} and "
                "move their own copy of the model; no file or other service of this "
                "machine is exposed, and only the token's holder leads. Stop with Ctrl+C."
            )

    try:
        asyncio.run(run_app(app, host, port, ready))
    except KeyboardInterrupt:
        pass


__all__ = ["Classroom", "build_page", "controls_of", "make_app", "serve"]
