"""Benchmark: is a slider step instant, and does hipviz meet its performance budget?

Run ``python -m hipviz.bench`` (add ``--json`` for machine-readable output, ``--check`` to
exit non-zero when a budget line fails). It measures the real GUI path: a
:class:`~hipviz.gui.window.MainWindow` whose 3D view is 1280 x 800 pixels, on this
machine's OpenGL (software rendering here), with the default scene. Without a display it
starts its own Xvfb (or run it under ``xvfb-run -a``); it says which display and which GL
renderer it used.

What it reports (medians of repeated runs; wall-clock time):

``render_ms``
    One frame of the full scene with nothing changed: the floor.
``update_ms``
    One slider step while dragging, end to end: the slider's value changes, the model
    solves, bones, muscle paths, colours, the table and the panels follow, one frame is
    rendered and shown.
``update_still_ms``
    The same step without a drag (a key press or a typed value): full detail.
``naive_update_ms``
    The same step done as a plain script would: clear the plotter and add every mesh again.
``startup_s`` and ``import_floor_s``
    Process start to the first frame shown, and the bare imports
    (``python -c "import pyvista, pyvistaqt, PyQt5.QtWidgets"``), in the same run.
``export_4k_s``
    A 3840 x 2160 PNG figure from the window (:meth:`MainWindow.export_figure`).
``model_us``, ``model_arms_us``, ``sweep_1000_ms``
    One pose solved with all lengths; the same with its moment arms; 1000 poses at once.
``position_ms`` and ``position_max_ms``
    ``hipviz position``'s search for one muscle (the stretch or release position over the
    hip's range of motion): the median over every muscle and both goals, and the slowest
    of them (a search the thighs' contact bounds, which measures the femurs' gap pose by
    pose).

The imports are inside the measurements on purpose: the start-up timing loads the entry
point's modules itself, and each part loads only what it measures.

The machine is shared: the load average is printed with the numbers, and the frame and
step timings are taken in interleaved rounds so a busy spell affects both alike.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

VIEW_SIZE = (1280, 800)
EXPORT_SIZE = (3840, 2160)
#: the Xvfb screen the bench starts when there is no display: room for the docks around
#: a 1280 x 800 view
XVFB_SCREEN = "2400x1400x24"
IMPORT_FLOOR_CODE = "import pyvista, pyvistaqt, PyQt5.QtWidgets"
#: the slider the steps move, and the values it steps through (mm, 0.5 mm apart)
STEP_KEY = "right.gt_superior_mm"

#: name -> (description, test on the results); each is a line of the budget
BUDGETS: dict[str, tuple[str, Callable[[dict], bool]]] = {
    "update": ("update_ms <= 1.15 x render_ms", lambda r: r["update_ms"] <= 1.15 * r["render_ms"]),
    "naive": (
        "naive_update_ms / update_ms >= 10",
        lambda r: r["naive_update_ms"] / r["update_ms"] >= 10,
    ),
    "startup": (
        "startup_s <= import_floor_s + 1.0",
        lambda r: r["startup_s"] <= r["import_floor_s"] + 1.0,
    ),
    "export": ("export_4k_s <= 3", lambda r: r["export_4k_s"] <= 3.0),
    "model": ("model_us <= 200", lambda r: r["model_us"] <= 200.0),
    "position": ("position_ms <= 50", lambda r: r["position_ms"] <= 50.0),
}


# --- display --------------------------------------------------------------------------------
DISPLAY_NOTE = "HIPVIZ_BENCH_DISPLAY"


def free_display_number() -> int:
    return next(
        n
        for n in range(90, 400)
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists()
    )


def run_under_xvfb(argv: list[str]) -> int:
    """Start Xvfb, run the bench in a child process on it, stop Xvfb; the child's exit code.

    A child, so that Qt has closed its connection before the X server goes away.
    """
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        print(
            "hipviz.bench: no DISPLAY and no Xvfb: install xvfb, or run under "
            "xvfb-run -a python -m hipviz.bench",
            file=sys.stderr,
        )
        return 2
    number = free_display_number()
    server = subprocess.Popen(
        [xvfb, f":{number}", "-screen", "0", XVFB_SCREEN, "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10.0
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                print(f"hipviz.bench: Xvfb :{number} did not start", file=sys.stderr)
                return 2
            time.sleep(0.05)
        env = dict(
            os.environ,
            DISPLAY=f":{number}",
            **{DISPLAY_NOTE: f"Xvfb :{number} {XVFB_SCREEN} (started by the bench)"},
        )
        return subprocess.call([sys.executable, "-m", "hipviz.bench", *argv], env=env)
    finally:
        server.terminate()
        server.wait(timeout=10)


def display_description() -> str:
    return os.environ.get(DISPLAY_NOTE) or f"DISPLAY={os.environ.get('DISPLAY')} (given)"


# --- helpers --------------------------------------------------------------------------------
def median_time(
    run: Callable[[], object],
    repeat: int,
    number: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Median over ``repeat`` runs of the time per call (``number`` calls a run), seconds.

    ``clock`` is wall-clock time by default; ``time.process_time`` gives this process's
    CPU time, which other programs on a shared machine disturb less.
    """
    times = []
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            run()
        times.append((clock() - start) / number)
    return statistics.median(times)


def _spawn_until(args: list[str], marker: str | None) -> float:
    """Seconds from starting a process until it prints ``marker`` (or exits if None)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        if marker is None:
            proc.wait(timeout=120)
            elapsed = time.perf_counter() - start
        else:
            for line in proc.stdout:
                if line.strip() == marker:
                    elapsed = time.perf_counter() - start
                    break
            else:
                raise RuntimeError(f"{' '.join(args)} exited without printing {marker!r}")
        return elapsed
    finally:
        proc.kill()
        proc.wait()


FLOOR_ARGS = [sys.executable, "-c", f"{IMPORT_FLOOR_CODE}; print('IMPORTED', flush=True)"]
STARTUP_ARGS = [sys.executable, "-m", "hipviz.bench", "--startup-probe"]


def startup_and_floor_s(repeat: int) -> tuple[float, float]:
    """Process start to the window's first frame on screen, and the import floor; seconds.

    The floor is ``python -c "import pyvista, pyvistaqt, PyQt5.QtWidgets"`` timed to a
    line printed after the imports, as the start is timed to a line printed at the first
    frame: neither counts the interpreter's exit (half a second with VTK and Qt loaded),
    which would flatter the budget. The two are run in alternation (after one of each to
    warm the file cache), so that a busy spell of a shared machine slows both alike.
    """
    _spawn_until(FLOOR_ARGS, "IMPORTED")
    _spawn_until(STARTUP_ARGS, "FRAME")
    floors, starts = [], []
    for _ in range(repeat):
        floors.append(_spawn_until(FLOOR_ARGS, "IMPORTED"))
        starts.append(_spawn_until(STARTUP_ARGS, "FRAME"))
    return statistics.median(starts), statistics.median(floors)


def startup_probe() -> int:
    """Child process of :func:`startup_s`: start as ``hipviz`` does, print FRAME when shown."""
    import hipviz.cli  # noqa: F401  (the real entry point's imports)
    from hipviz.io.bone_process import BoneLoad

    bones = BoneLoad()  # as `hipviz` does: the bones load in a second process meanwhile
    from hipviz.gui.app import application, load_window

    app = application()
    window = load_window(bones=bones)
    # frame_shown: the view's first frame is on the screen (hipviz/gui/view.py)
    window.plotter.frame_shown.connect(lambda: (print("FRAME", flush=True), app.quit()))
    window.show()
    app.exec_()
    window.close()
    return 0


# --- model ----------------------------------------------------------------------------------
def measure_model(repeat: int) -> dict:
    from hipviz.core.pose import Pose
    from hipviz.io.model_files import load_model

    model = load_model()
    pose = Pose.from_dict(
        {
            "right.gt_superior_mm": 8.0,
            "right.gt_anterior_mm": -4.0,
            "left.gt_superior_mm": -6.0,
            "left.iliac_crest_superior_mm": 5.0,
            "right.hip_flexion_deg": 20.0,
        }
    )
    rng = np.random.default_rng(0)
    sweep = {k: rng.uniform(-25.0, 25.0, 1000) for k in pose.as_dict() if "flexion" not in k}
    sweep["right.hip_flexion_deg"] = rng.uniform(0.0, 90.0, 1000)
    return {
        "model_us": 1e6 * median_time(lambda: model.solve(pose), repeat, 200),
        "model_cpu_us": 1e6
        * median_time(lambda: model.solve(pose), repeat, 200, time.process_time),
        "model_arms_us": 1e6
        * median_time(lambda: dict(model.solve(pose).moment_arms_mm), repeat, 200),
        "sweep_1000_ms": 1e3 * median_time(lambda: model.sweep(sweep), repeat, 3),
        **measure_positions(model, repeat),
    }


def measure_positions(model, repeat: int) -> dict:
    """The position search, per muscle and goal: the median of those times and the slowest."""
    from hipviz.core.muscles import MUSCLES
    from hipviz.core.positions import GOALS, find_position

    find_position(model, "piriformis")  # the femurs' contact data load once, not timed
    times = [
        median_time(lambda m=m, g=g: find_position(model, m, "right", g), max(1, repeat // 2))
        for m in MUSCLES
        for g in GOALS
    ]
    return {"position_ms": 1e3 * statistics.median(times), "position_max_ms": 1e3 * max(times)}


# --- GUI ------------------------------------------------------------------------------------
class _Frames:
    """Counts the frames VTK renders in a window."""

    def __init__(self, render_window):
        self.count = 0
        render_window.AddObserver("EndEvent", self._ended)

    def _ended(self, *_) -> None:
        self.count += 1


def gl_renderer(plotter) -> str:
    """The OpenGL renderer string (e.g. ``llvmpipe (LLVM 15.0.6, 256 bits)``)."""
    for line in plotter.render_window.ReportCapabilities().splitlines():
        if "renderer string" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def naive_step(plotter, bones, model, pose, table) -> None:
    """One slider step as a plain pyvista script does it: clear, then add every mesh again."""
    import pyvista as pv

    from hipviz.render.colours import DEFAULT_LIMIT_PCT
    from hipviz.render.muscle_layer import TUBE_RADIUS_MM, TUBE_SIDES, lookup_table
    from hipviz.render.scene import BONE_BODIES, BONE_COLOURS

    solution = model.solve(pose)
    table.update_solution(solution)
    plotter.clear_actors()
    for name, bone in bones.items():
        mesh = pv.PolyData.from_regular_faces(bone.vertices, bone.faces)
        mesh = mesh.transform(solution.transforms[BONE_BODIES[name]], inplace=False)
        plotter.add_mesh(
            mesh,
            color=BONE_COLOURS[name],
            smooth_shading=True,
            specular=0.25,
            reset_camera=False,
            render=False,
        )
    lut = lookup_table(DEFAULT_LIMIT_PCT)
    for line, pct in zip(
        model.muscles.polylines(solution.transforms), solution.change_pct, strict=True
    ):
        path = pv.lines_from_points(line)
        path["change_pct"] = np.full(len(line), pct)
        plotter.add_mesh(
            path.tube(radius=TUBE_RADIUS_MM, n_sides=TUBE_SIDES),
            scalars="change_pct",
            cmap=lut,
            show_scalar_bar=False,
            reset_camera=False,
            render=False,
        )
    plotter.add_scalar_bar("Length change (% of neutral)", render=False)
    plotter.update()


def measure_gui(repeat: int, export: bool = True) -> dict:
    from hipviz.core.pose import Pose
    from hipviz.gui.app import application, load_window

    app = application()  # kept: Qt's application must outlive the window
    window = load_window()
    plotter = window.plotter
    window.show()
    process = app.processEvents
    for _ in range(3):
        process()
    extra = window.size() - plotter.size()
    window.resize(VIEW_SIZE[0] + extra.width(), VIEW_SIZE[1] + extra.height())
    deadline = time.monotonic() + 5.0
    while tuple(plotter.window_size) != VIEW_SIZE and time.monotonic() < deadline:
        process()
    time.sleep(0.1)
    process()
    out: dict = {
        "view_px": list(plotter.window_size),
        "gl_renderer": gl_renderer(plotter),
        "view_kind": type(plotter).__name__,
    }
    frames = _Frames(plotter.render_window)

    def frame() -> None:  # a repaint with nothing changed
        plotter.update()
        process()

    control = window.controls.controls[STEP_KEY]
    slider = control.slider
    low, high = slider.minimum(), slider.maximum()
    positions = iter(np.concatenate([np.arange(low, high), np.arange(high, low, -1)] * 1000))

    def step() -> None:  # what one mouse move of a slider drag does
        slider.setValue(int(next(positions)))
        process()

    for _ in range(3):  # warm up: shaders compiled, buffers built, the drag level made
        frame()
        slider.setSliderDown(True)
        step()
        slider.setSliderDown(False)
        process()
        step()

    renders, drags, stills = [], [], []
    per_step_frames = set()
    for _ in range(repeat):
        renders.append(median_time(frame, 5))
        slider.setSliderDown(True)  # sliderPressed: what a mouse press on the handle sends
        process()
        before = frames.count
        drags.append(median_time(step, 5))
        per_step_frames.add((frames.count - before) / 5)
        slider.setSliderDown(False)
        process()
        before = frames.count
        stills.append(median_time(step, 3))
        per_step_frames.add((frames.count - before) / 3)
    out["render_ms"] = 1e3 * statistics.median(renders)
    out["update_ms"] = 1e3 * statistics.median(drags)
    out["update_still_ms"] = 1e3 * statistics.median(stills)
    out["frames_per_step"] = sorted(per_step_frames)

    # the view's own floor: a frame with nothing in it (clear, background, swap; with
    # HIPVIZ_VIEW=framebuffer also Qt composing the whole window through OpenGL)
    props = plotter.renderer.GetViewProps()
    shown = [props.GetItemAsObject(i) for i in range(props.GetNumberOfItems())]
    shown = [p for p in shown if p.GetVisibility()]
    fxaa = plotter.renderer.GetUseFXAA()
    for prop in shown:
        prop.SetVisibility(False)
    plotter.renderer.SetUseFXAA(False)
    out["empty_frame_ms"] = 1e3 * median_time(frame, 2 * repeat)
    for prop in shown:
        prop.SetVisibility(True)
    plotter.renderer.SetUseFXAA(fxaa)
    frame()

    if export:
        from hipviz.render.export import FigureOptions

        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "bench-4k.png"
            options = FigureOptions(size=EXPORT_SIZE)
            out["export_4k_s"] = median_time(
                lambda: window.export_figure(target, options), max(1, min(3, repeat))
            )
            out["export_4k_bytes"] = target.stat().st_size

    # last: the naive step takes the scene's actors away
    from hipviz.io.meshes import load_bones

    bones = load_bones()
    poses = (Pose().with_value(STEP_KEY, float(v) / 2) for v in positions)
    naive = [
        median_time(
            lambda: (
                naive_step(plotter, bones, window.model, next(poses), window.table),
                process(),
            ),
            3,
        )
        for _ in range(max(1, repeat // 2))
    ]
    out["naive_update_ms"] = 1e3 * statistics.median(naive)
    window.close()
    process()
    return out


# --- report ---------------------------------------------------------------------------------
def run(repeat: int = 7, startup_repeat: int = 5, export: bool = True) -> dict:
    """Measure everything; returns the results with ratios and budget verdicts."""
    results: dict = {
        "load_average": list(os.getloadavg()),
        "cpus": os.cpu_count(),
        "display": display_description(),
    }
    results["startup_s"], results["import_floor_s"] = startup_and_floor_s(startup_repeat)
    results.update(measure_model(repeat))
    results.update(measure_gui(repeat, export))
    results["update_over_render"] = results["update_ms"] / results["render_ms"]
    results["naive_over_update"] = results["naive_update_ms"] / results["update_ms"]
    results["startup_over_floor_s"] = results["startup_s"] - results["import_floor_s"]
    results["load_average_after"] = list(os.getloadavg())
    results["budget"] = {
        name: {"rule": rule, "pass": bool(test(results))}
        for name, (rule, test) in BUDGETS.items()
        if name != "export" or "export_4k_s" in results
    }
    return results


def format_report(r: dict) -> str:
    lines = [
        f"display      {r['display']}",
        f"GL renderer  {r['gl_renderer']}   view {r['view_px'][0]} x {r['view_px'][1]} px "
        f"({r['view_kind']})",
        f"machine      {r['cpus']} cores, load average {r['load_average'][0]:.2f} at start, "
        f"{r['load_average_after'][0]:.2f} at end",
        "",
        f"render_ms          {r['render_ms']:8.1f}   one frame, nothing changed (the floor)",
        f"update_ms          {r['update_ms']:8.1f}   one slider step while dragging, end to end",
        f"update_still_ms    {r['update_still_ms']:8.1f}   one step without a drag (full detail)",
        f"naive_update_ms    {r['naive_update_ms']:8.1f}   the step as a plain script does it",
        f"empty_frame_ms     {r['empty_frame_ms']:8.1f}   a frame of an empty view (the view's "
        "own floor)",
        f"frames per step    {', '.join(f'{f:g}' for f in r['frames_per_step'])}",
        f"startup_s          {r['startup_s']:8.2f}   process start to first frame shown",
        f"import_floor_s     {r['import_floor_s']:8.2f}   {IMPORT_FLOOR_CODE}",
    ]
    if "export_4k_s" in r:
        lines.append(
            f"export_4k_s        {r['export_4k_s']:8.2f}   3840 x 2160 PNG figure "
            f"({r['export_4k_bytes'] / 1e6:.1f} MB)"
        )
    lines += [
        f"model_us           {r['model_us']:8.1f}   one pose: transforms and all lengths "
        f"({r['model_cpu_us']:.0f} us of CPU)",
        f"model_arms_us      {r['model_arms_us']:8.1f}   the same with its moment arms",
        f"sweep_1000_ms      {r['sweep_1000_ms']:8.2f}   1000 poses at once",
        f"position_ms        {r['position_ms']:8.1f}   one muscle's stretch/release search "
        f"(median; slowest {r['position_max_ms']:.0f} ms)",
        "",
        f"update_ms / render_ms          {r['update_over_render']:6.2f}",
        f"naive_update_ms / update_ms    {r['naive_over_update']:6.1f}",
        f"startup_s - import_floor_s     {r['startup_over_floor_s']:6.2f} s",
        "",
    ]
    for verdict in r["budget"].values():
        lines.append(f"{'PASS' if verdict['pass'] else 'FAIL'}  {verdict['rule']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hipviz.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 if a budget line fails"
    )
    parser.add_argument("--repeat", type=int, default=7, help="rounds of each measurement")
    parser.add_argument("--no-export", action="store_true", help="skip the 4K export")
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.startup_probe:
        return startup_probe()
    if not os.environ.get("DISPLAY"):
        return run_under_xvfb(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING)
    results = run(max(1, args.repeat), export=not args.no_export)
    print(json.dumps(results, indent=2) if args.json else format_report(results))
    failed = [name for name, v in results["budget"].items() if not v["pass"]]
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
