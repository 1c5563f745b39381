"""``hipviz serve``: the classroom server, a web version of the app built on trame.

Rendering happens in each browser (vtk.js, WebGL): the bones' triangles reach a browser
once, in the state every page receives on connecting; a slider move makes the page ask
the server for its own pose (``hipviz_solve``) and the answer, to that page alone, holds
only what changed: bone matrices, muscle polylines and colours, table and status (a few
kB; the tubes are built in the browser). Pose, muscles and table are *client-only*
state, so each browser keeps its own. The instructor's pose, scene and view are the one
shared value (``lead``), which pages in follow mode copy; only the server writes it.
"""

from __future__ import annotations

import json
import logging
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
BACKGROUND = [0.10, 0.13, 0.17]
#: vtk.js tube filter settings (a JS object literal: it goes into an HTML attribute)
TUBE = "{ radius: 2.5, numberOfSides: 12, capping: true }"
#: client-only state: each browser's own
CLIENT_ONLY = ("pose", "muscles", "matrices", "rows", "status", "follow", "scene_index",
               "scene_title", "scene_caption", "view", "token", "error", "latency_ms")

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
    state.update({
        "bones": bone_meshes(bones),
        "scenes": [s.summary() for s in classroom.scenes],
        "controls": control_specs(),
        "cameras": cameras(),
        "legends": [legend_spec(s.scene.display.colour_by, s.scene.display.colour_limit)
                    for s in classroom.scenes],
        "lead": None,
        "first": first,
        # each browser starts from the first scene; these are its own from then on
        "pose": first["controls"], "muscles": first["muscles"], "matrices": first["matrices"],
        "rows": first["rows"], "status": first["status"], "follow": False, "scene_index": 0,
        "scene_title": first["scene"]["title"], "scene_caption": first["scene"]["caption"],
        "view": first["view"], "token": "", "error": "", "latency_ms": 0,
    })

    @server.trigger("hipviz_solve")
    def solve(message, scene=0):
        try:
            return classroom.solve(message, scene)
        except MessageError as exc:
            log.warning("refused a pose message: %s", exc)
            return {"error": str(exc)}

    @server.trigger("hipviz_scene")
    def open_scene(index):
        try:
            return classroom.open_scene(index)
        except MessageError as exc:
            log.warning("refused a scene request: %s", exc)
            return {"error": str(exc)}

    @server.trigger("hipviz_lead")
    def lead(token, message, scene=None, view=None):
        try:
            state.lead = classroom.set_lead(token, message, scene, view)
        except MessageError as exc:
            log.warning("refused a lead message: %s", exc)
            return {"error": str(exc)}
        return {"seq": state.lead["seq"]}

    @state.change("lead")
    def guard_lead(lead, **_):
        # a browser can write any shared key; the lead is the server's alone
        if lead is not classroom.lead and lead != classroom.lead:
            log.warning("refused a lead change a browser made")
            state.lead = classroom.lead

    @ctrl.add("on_server_bind")
    def add_routes(wslink_server):
        from aiohttp import web

        async def post_lead(request):
            try:
                body = json.loads(await request.text())
                if not isinstance(body, dict):
                    raise MessageError("the body must be a JSON object")
                result = lead(body.get("token"), body.get("pose"), body.get("scene"),
                              body.get("view"))
            except ValueError as exc:  # JSON or MessageError
                result = {"error": str(exc)}
            status = 200 if "error" not in result else (
                403 if "token" in result["error"] else 400)
            state.flush()
            return web.json_response(result, status=status)

        async def get_stats(_request):
            return web.json_response(classroom.stats())

        wslink_server.app.add_routes([web.post("/hipviz/lead", post_lead),
                                      web.get("/hipviz/stats", get_stats)])

    with SinglePageWithDrawerLayout(server, full_height=True) as layout:
        layout.title.set_text("hipviz")
        layout.footer.hide()
        client.Style(STYLE.read_text())
        client.Script(SCRIPT.read_text())
        with layout.toolbar:
            v.VSpacer()
            v.VSelect(
                v_model=("scene_index",), items=("scenes",), item_title="title",
                item_value="index", label="Scene", density="compact", hide_details=True,
                style="max-width: 360px", id="scene-select",
                update_modelValue="window.hipviz.openScene($event)",
            )
            with v.VBtnToggle(v_model=("view",), density="compact", mandatory=True,
                              classes="mx-2", id="views"):
                for key, label in (("anterior", "Ant"), ("posterior", "Post"),
                                   ("right", "Right"), ("left", "Left"), ("superior", "Sup")):
                    v.VBtn(label, value=key, click=f"window.hipviz.setView('{key}')",
                           id=f"view-{key}", title=f"{key.capitalize()} view")
            v.VSwitch(v_model=("follow",), label="Follow instructor", hide_details=True,
                      density="compact", color="primary", id="follow", classes="mx-2",
                      update_modelValue="window.hipviz.setFollow($event)",
                      title="Copy the instructor's pose, scene and view as they change")
            html.Span("(waiting for the instructor)", v_if=("follow && !lead",),
                      classes="text-caption mr-2")
        with layout.drawer as drawer:
            drawer.width = 330
            with html.Div(classes="pa-3 controls"):
                for side in ("right", "left"):
                    html.Div(f"{side.capitalize()} side", classes="text-subtitle-1 mt-2")
                    with html.Div(v_for=f"c in controls.filter(c => c.side === '{side}')",
                                  key="c.key", classes="control"):
                        html.Div("{{ c.label }}: {{ pose[c.key].toFixed(1) }} {{ c.unit }}",
                                 classes="text-caption", title=("c.help",))
                        v.VSlider(
                            v_model=("pose[c.key]",), min=("c.min",), max=("c.max",),
                            step=("c.step",), hide_details=True, density="compact",
                            id=("`slider-${c.key}`",), disabled=("follow",),
                            update_modelValue="window.hipviz.poseChanged()",
                        )
                v.VBtn("Reset pose", click="window.hipviz.reset()", block=True, classes="mt-3",
                       id="reset", disabled=("follow",))
                html.Div("{{ status }}", classes="text-caption mt-3 status", id="status")
                html.Div("{{ error }}", v_if=("error",), classes="text-caption mt-2 error",
                         id="error")
        with layout.content:
            with html.Div(classes="main"):
                with html.Div(classes="caption-box"):
                    html.Div("{{ scene_title }}", classes="scene-title", id="scene-title")
                    html.Div("{{ scene_caption }}", classes="scene-caption", id="scene-caption")
                with html.Div(classes="view-box"):
                    with vtk_widgets.VtkView(ref="view", background=("[0.10, 0.13, 0.17]",),
                                             picking_modes=("[]",)):
                        for bone in bones:
                            with vtk_widgets.VtkGeometryRepresentation(
                                actor=(f"{{ userMatrix: matrices.{bone} }}",),
                                property=(f"{{ color: bones.{bone}.colour, specular: 0.2, "
                                          f"specularPower: 20 }}",),
                            ):
                                vtk_widgets.VtkPolyData(
                                    bone, points=(f"bones.{bone}.points",),
                                    polys=(f"bones.{bone}.polys",), connectivity="manual")
                        with vtk_widgets.VtkGeometryRepresentation(
                            property=("{ lineWidth: 6, lighting: false }",),
                            mapper=("{ colorMode: 0, scalarMode: 0 }",),
                        ):
                            with vtk_widgets.VtkPolyData(
                                "muscles", points=("muscles.points",),
                                lines=("muscles.lines",), connectivity="manual",
                            ):
                                with vtk_widgets.VtkPointData():
                                    vtk_widgets.VtkDataArray(
                                        registration="setScalars", name="colour",
                                        type="Uint8Array", number_of_components=("3",),
                                        values=("muscles.colours",))
                    with html.Div(classes="legend", id="legend"):
                        html.Div("{{ legends[scene_index].title }}", classes="legend-title")
                        html.Div(classes="legend-bar",
                                 style=("{ background: legends[scene_index].gradient }",))
                        with html.Div(classes="legend-ticks"):
                            html.Span("{{ t }}", v_for="t in legends[scene_index].ticks", key="t")
                        with html.Div(classes="legend-ends"):
                            html.Span("{{ legends[scene_index].negative }}")
                            html.Span("{{ legends[scene_index].positive }}")
                with html.Table(classes="numbers", id="numbers"):
                    with html.Thead():
                        with html.Tr():
                            for head in ("Side", "Muscle", "Length mm", "Change mm", "Change %",
                                         "Flex. arm mm", "Abd. arm mm", "Int. rot. arm mm"):
                                html.Th(head)
                    with html.Tbody():
                        with html.Tr(v_for="r in rows", key="r.key"):
                            html.Td("{{ r.side }}")
                            html.Td("{{ r.muscle.replaceAll('_', ' ') }}")
                            html.Td("{{ r.length_mm.toFixed(1) }}")
                            html.Td("{{ r.change_mm.toFixed(1) }}")
                            html.Td("{{ r.change_pct.toFixed(1) }}",
                                    classes=("r.change_pct < -1 ? 'short' : "
                                             "(r.change_pct > 1 ? 'long' : '')",))
                            html.Td("{{ r.moment_arm_flexion_mm?.toFixed(1) }}")
                            html.Td("{{ r.moment_arm_abduction_mm?.toFixed(1) }}")
                            html.Td("{{ r.moment_arm_rotation_mm?.toFixed(1) }}")
            client.ClientStateChange(value="lead", change="window.hipviz.onLead()")
    return server


def serve(scene_paths: list[Path], host: str = "localhost", port: int = DEFAULT_PORT,
          token: str | None = None, announce=print) -> None:
    """Run the classroom server until interrupted (blocking)."""
    classroom = Classroom(HipModel.load(), load_scenes(scene_paths), token=token)
    server = build_server(classroom)
    shown = "localhost" if host in ("localhost", "127.0.0.1") else host
    announce(f"hipviz classroom server: http://{shown}:{port}/")
    announce(f"instructor page (keep private): http://{shown}:{port}/?token={classroom.token}")
    if host not in ("localhost", "127.0.0.1", "::1"):
        announce(f"listening on {host}: anyone who can reach this machine on port {port} can "
                 f"open the served scenes ({len(classroom.scenes)}) and move their own copy of "
                 "the model; nothing else on this machine is exposed, and only the token "
                 "holder leads.")
    server.start(host=host, port=port, open_browser=False, timeout=0,
                 show_connection_info=False)


__all__ = ["Classroom", "build_server", "controls_of", "serve"]
