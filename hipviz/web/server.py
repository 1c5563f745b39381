"""``hipviz serve``: the classroom server, a web version of the app built on trame.

Rendering happens in each browser (vtk.js, WebGL): the bones' triangles reach a browser
once, in the state every page receives on connecting; a slider move makes the page ask
the server for its own pose (``hipviz_solve``) and the answer, to that page alone, holds
only what changed: bone matrices, muscle polylines and colours, table and status (a few
kB; the browser draws the lines wide). Pose, muscles and table are *client-only*
state, so each browser keeps its own. The instructor's pose, scene and view are the one
shared value (``lead``), which pages in follow mode copy; only the server writes it.
"""

from __future__ import annotations

import asyncio
import ctypes
import inspect
import json
import logging
import socket
from pathlib import Path

from hipviz.core.model import HipModel
from hipviz.io.meshes import load_bones
from hipviz.io.scene import read_scene
from hipviz.io.scene_folder import scene_files
from hipviz.web.classroom import Classroom, MessageError, cameras, control_specs, controls_of
from hipviz.web.handout import legend_spec
from hipviz.web.payload import bone_meshes

log = logging.getLogger(__name__)

DEFAULT_PORT = 8080
#: the view's background (the app's slate, darkest end), as a JS array
BACKGROUND = "[0.10, 0.13, 0.17]"
#: muscle line width, pixels (vtk.js draws wide lines itself; WebGL alone gives one pixel)
LINE_WIDTH_PX = 6
#: client-only state: each browser's own
CLIENT_ONLY = (
    "pose",
    "muscles",
    "matrices",
    "rows",
    "status",
    "follow",
    "scene_index",
    "scene_title",
    "scene_caption",
    "view",
    "error",
)

SCRIPT = Path(__file__).with_name("classroom.js")
STYLE = Path(__file__).with_name("classroom.css")


def default_scenes() -> list[Path]:
    """The teaching scenes ``hipviz serve`` offers when given none."""
    return scene_files()


def load_scenes(paths: list[Path]) -> list:
    """``(name, Scene)`` for each scene file (SceneError on a bad one, naming it)."""
    return [(Path(p).stem, read_scene(p)) for p in paths]


def build_server(classroom: Classroom, bones=None, name: str = "hipviz"):
    """A trame server showing ``classroom`` (not started)."""
    from trame.app import get_server
    from trame.ui.vuetify3 import SinglePageWithDrawerLayout
    from trame.widgets import client, html
    from trame.widgets import vtk as vtk_widgets
    from trame.widgets import vuetify3 as v

    server = get_server(name, client_type="vue3")
    state, ctrl = server.state, server.controller
    bones = load_bones() if bones is None else bones

    first = classroom.open_scene(0)
    state.client_only(*CLIENT_ONLY)
    state.update(
        {
            "bones": bone_meshes(bones),
            "scenes": [s.summary() for s in classroom.scenes],
            "controls": control_specs(),
            "cameras": cameras(),
            "legends": [
                legend_spec(s.scene.display.colour_by, s.scene.display.colour_limit)
                for s in classroom.scenes
            ],
            "lead": None,
            # each browser starts from the first scene; these are its own from then on
            "pose": first["controls"],
            "muscles": first["muscles"],
            "matrices": first["matrices"],
            "rows": first["rows"],
            "status": first["status"],
            "follow": False,
            "scene_index": 0,
            "scene_title": first["scene"]["title"],
            "scene_caption": first["scene"]["caption"],
            "view": first["view"],
            "error": "",
        }
    )

    def refusing(what: str, action):
        """A trigger that answers a bad message with the reason instead of failing."""
        signature = inspect.signature(action)

        def trigger(*args):
            try:
                signature.bind(*args)
            except TypeError:
                reason = f"{what} takes {action.__doc__}; got {len(args)} argument(s)"
            else:
                try:
                    return action(*args)
                except MessageError as exc:
                    reason = str(exc)
            log.warning("refused a %s message: %s", what, reason)
            return {"error": reason}

        return trigger

    def solve(message, scene=0):
        """(pose, scene number)"""
        return classroom.solve(message, scene)

    def open_scene(index):
        """(scene number)"""
        return classroom.open_scene(index)

    def lead(token, message, scene=None, view=None):
        """(token, pose, scene number or null, view or null)"""
        state.lead = classroom.set_lead(token, message, scene, view)
        return state.lead  # the instructor's page shows it too

    server.trigger("hipviz_solve")(refusing("pose", solve))
    server.trigger("hipviz_scene")(refusing("scene", open_scene))
    lead_trigger = server.trigger("hipviz_lead")(refusing("lead", lead))

    @state.change("lead")
    def guard_lead(lead, **_):
        # a browser can write any shared key; the lead is the server's alone
        if lead is not classroom.lead and lead != classroom.lead:
            log.warning("refused a lead change a browser made")
            state.lead = classroom.lead

    @ctrl.add("on_client_connected")
    def page_came(**_):
        # pages leave without a word (a closed tab sends nothing reliable), and glibc keeps
        # what their websockets freed (deflate buffers, 256 kB each); each arrival hands
        # that back to the system, so memory follows the pages actually connected
        asyncio.get_event_loop().call_later(1.0, release_freed_memory)

    @ctrl.add("on_server_bind")
    def add_routes(wslink_server):
        from aiohttp import web

        async def post_lead(request):
            try:
                body = json.loads(await request.text())
                if not isinstance(body, dict):
                    raise MessageError("the body must be a JSON object")
                result = lead_trigger(
                    body.get("token"), body.get("pose"), body.get("scene"), body.get("view")
                )
            except ValueError as exc:  # JSON or MessageError
                result = {"error": str(exc)}
            status = 200 if "error" not in result else (403 if "token" in result["error"] else 400)
            state.flush()
            return web.json_response(result, status=status)

        async def get_stats(_request):
            return web.json_response(classroom.stats())

        wslink_server.app.add_routes(
            [web.post("/hipviz/lead", post_lead), web.get("/hipviz/stats", get_stats)]
        )

    with SinglePageWithDrawerLayout(server, full_height=True) as layout:
        layout.title.set_text("hipviz")
        layout.footer.hide()
        client.Style(STYLE.read_text())
        client.Script(SCRIPT.read_text())
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
                v_if=("follow && !lead",),
                classes="text-caption mr-2",
            )
        with layout.drawer as drawer:
            drawer.width = 330
            with html.Div(classes="pa-3 controls"):
                for side in ("right", "left"):
                    html.Div(f"{side.capitalize()} side", classes="text-subtitle-1 mt-2")
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
                        with vtk_widgets.VtkGeometryRepresentation(
                            property=(f"{{ lineWidth: {LINE_WIDTH_PX}, lighting: false }}",),
                            mapper=("{ colorMode: 0, scalarMode: 0 }",),
                        ):
                            with vtk_widgets.VtkPolyData(
                                "muscles",
                                points=("muscles.points",),
                                lines=("muscles.lines",),
                                connectivity="manual",
                            ):
                                with vtk_widgets.VtkPointData():
                                    vtk_widgets.VtkDataArray(
                                        registration="setScalars",
                                        name="colour",
                                        type="Uint8Array",
                                        number_of_components=("3",),
                                        values=("muscles.colours",),
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
                with html.Table(classes="numbers", id="numbers"):
                    with html.Thead():
                        with html.Tr():
                            for head in (
                                "Side",
                                "Muscle",
                                "Length mm",
                                "Change mm",
                                "Change %",
                                "Flex. arm mm",
                                "Abd. arm mm",
                                "Int. rot. arm mm",
                            ):
                                html.Th(head)
                    with html.Tbody():
                        with html.Tr(v_for="r in rows", key="r.key"):
                            html.Td("{{ r.side }}")
                            html.Td("{{ r.muscle.replaceAll('_', ' ') }}")
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


def serve(
    scene_paths: list[Path],
    host: str = "localhost",
    port: int = DEFAULT_PORT,
    token: str | None = None,
    announce=None,
) -> None:
    """Run the classroom server until interrupted (blocking).

    Once it listens, ``announce`` gets the students' address, the instructor page's
    address (with the run's token) and, off localhost, what is exposed.
    """
    classroom = Classroom(HipModel.load(), load_scenes(scene_paths), token=token)
    server = build_server(classroom)
    if announce is None:  # at once, even into a pipe: scripts wait for these lines

        def announce(text):
            print(text, flush=True)

    def ready(**_):
        shown = share_address(host)
        announce(f"hipviz classroom server: http://{shown}:{server.port}/")
        announce(
            f"instructor page (keep private): http://{shown}:{server.port}/?token={classroom.token}"
        )
        if host not in LOCAL_HOSTS:
            n = len(classroom.scenes)
            announce(
                f"listening on {host} port {server.port}: anyone who can reach this "
                f"machine there can open the {n} served scene{'s' * (n != 1)} and "
                "move their own copy of the model; no file or other service of this "
                "machine is exposed, and only the token's holder leads. Stop with Ctrl+C."
            )

    server.controller.on_server_ready.add(ready)
    server.start(host=host, port=port, open_browser=False, timeout=0, show_connection_info=False)


__all__ = ["Classroom", "build_server", "controls_of", "serve"]
