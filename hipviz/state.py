"""One display state: what a hip view shows and how, Qt-free and evented.

Every surface draws from a :class:`DisplayState`: the window's view and its panels, figures
and GIFs (:mod:`hipviz.render.export`), the handout and the classroom. Scene files read
and write it (:func:`hipviz.io.scene.state_values`, :func:`hipviz.io.scene.scene_of`), and
the renderer applies it through one path (:meth:`hipviz.render.scene.HipScene` follows its
state). The pose is not here: it is the model's (:class:`hipviz.core.model.HipModel`).

Habits of napari's ``ViewerModel`` and pyqtgraph's parameters:

- setting a value it already has does nothing (no event, no render);
- a value that is still *changing* (a slider being dragged) reaches only the listeners
  that asked for changes in progress (the renderer); the others hear once it is *changed*
  (the edit finished);
- :meth:`DisplayState.restore` (a saved scene) and :meth:`DisplayState.held` set many
  values with events held, then tell each listener once which names changed, so no
  handler sees a half-restored state.

Example::

    state = DisplayState()
    state.connect(lambda names: print(sorted(names)))
    state.update(bone_opacity=0.4, labels=True)        # prints ['bone_opacity', 'labels']
    state.update(bone_opacity=0.4)                     # nothing: unchanged
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from hipviz.core.muscles import HIDDEN_BY_DEFAULT, MUSCLES
from hipviz.core.pose import SIDES

log = logging.getLogger(__name__)

#: every muscle path, ``"right.piriformis"``, ..., in the order scene files list them
ALL_PATHS = tuple(f"{s}.{m}" for s in SIDES for m in MUSCLES)
#: the paths shown unless asked otherwise: all but :data:`HIDDEN_BY_DEFAULT`'s
DEFAULT_PATHS = tuple(k for k in ALL_PATHS if k.split(".")[1] not in HIDDEN_BY_DEFAULT)
#: a camera given explicitly: (position, focal point, view up), each (3,) float, mm
CameraTriple = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, ...]]

#: name -> default; the names a state holds (and the keys of :meth:`DisplayState.values`)
DEFAULTS: dict[str, Any] = {
    # title and caption: drawn on figures, the handout, the classroom and the workshop band
    "title": "",
    "caption": "",
    # camera: a named view (framed for each surface's shape), or an explicit camera
    "view": "anterior",
    "camera": None,
    # muscles: which are shown, and how
    "muscles": DEFAULT_PATHS,
    "tubes": True,
    "attachments": True,
    "colour_map": "cool-warm",
    "colour_by": "length",
    "colour_range_pct": 10.0,
    "moment_arm_range_mm": 40.0,
    "legend": True,
    # muscle names pinned beside the muscles; the clicked muscle, drawn alone and named
    "muscle_labels": False,
    "isolated": None,
    # bones, landmark labels, background
    "bone_opacity": 1.0,
    "labels": False,
    "background": "slate",
    # teaching overlays: trigger-point regions, their names, the self-care ball
    "trigger_points": False,
    "trigger_point_labels": False,
    "ball": "none",
    "ball_at": None,
    # the outlined muscle (hovered or selected); never saved in a scene file
    "highlight": None,
}
NAMES = frozenset(DEFAULTS)
#: the names a scene file holds (all but the highlight)
SCENE_NAMES = NAMES - {"highlight"}
_FLOATS = frozenset(k for k, v in DEFAULTS.items() if isinstance(v, float))
_BOOLS = frozenset(k for k, v in DEFAULTS.items() if isinstance(v, bool))

Listener = Callable[[frozenset], None]


class DisplayState:
    """What a view shows: muscles and colours, bones, labels, background, camera, title,
    caption, overlays and the highlighted muscle (see :data:`DEFAULTS` for every name).

    Read a value as an attribute (``state.bone_opacity``); change values with
    :meth:`update` (or by assigning one attribute). Listeners get the frozenset of the
    names that changed.

    Parameters
    ----------
    **values
        Start values; the rest take :data:`DEFAULTS`.
    """

    def __init__(self, **values: Any):
        self._check_names(values)
        current = {**DEFAULTS, **{k: _normal(k, v) for k, v in values.items()}}
        object.__setattr__(self, "_values", current)
        object.__setattr__(self, "_committed", dict(current))
        object.__setattr__(self, "_listeners", [])  # (callback, hears changes in progress)
        object.__setattr__(self, "_held", None)  # (live names, finished names) while held

    # --- reading -----------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(f"DisplayState has no '{name}'; names: {', '.join(sorted(NAMES))}")

    def __setattr__(self, name: str, value: Any) -> None:
        self.update(**{name: value})

    @property
    def colour_limit(self) -> float:
        """Half-width of the colour range in the coloured quantity's unit (% or mm)."""
        return self.colour_range_pct if self.colour_by == "length" else self.moment_arm_range_mm

    def values(self, names: frozenset[str] | set[str] = NAMES) -> dict[str, Any]:
        """The current values of ``names`` (all by default), as a new dict."""
        return {k: self._values[k] for k in DEFAULTS if k in names}

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != DEFAULTS[k]}
        return f"DisplayState({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # --- listening ---------------------------------------------------------------------------
    def connect(self, callback: Listener, changing: bool = False) -> Listener:
        """Call ``callback(names)`` after each change; returns it (usable as a decorator).

        ``changing=True``: also for values still changing (a drag in progress), as a
        renderer wants for a live preview; otherwise only once an edit is finished.
        """
        self._listeners.append((callback, bool(changing)))
        return callback

    def disconnect(self, callback: Listener) -> None:
        self._listeners[:] = [(c, ch) for c, ch in self._listeners if c != callback]

    # --- changing ----------------------------------------------------------------------------
    def update(self, final: bool = True, **values: Any) -> frozenset[str]:
        """Set values; listeners hear the names whose value differs. Returns those names.

        ``final=False`` marks a value still being changed (a slider being dragged): only
        listeners connected with ``changing=True`` hear it, and the others hear the
        finished value when it is set with ``final=True``.
        """
        self._check_names(values)
        values = {k: _normal(k, v) for k, v in values.items()}
        live = frozenset(k for k, v in values.items() if not _same(self._values[k], v))
        self._values.update(values)
        done = frozenset()
        if final:
            done = frozenset(k for k, v in values.items() if not _same(self._committed[k], v))
            self._committed.update(values)
        self._emit(live, done)
        return live | done

    def record(self, **values: Any) -> None:
        """Note values a surface already shows (the camera the mouse turned), telling nobody."""
        self._check_names(values)
        values = {k: _normal(k, v) for k, v in values.items()}
        self._values.update(values)
        self._committed.update(values)

    def restore(self, values: Mapping[str, Any]) -> frozenset[str]:
        """Set many values at once (a saved scene); listeners hear once, after all are set."""
        with self.held():
            return self.update(**values)

    def reset(self) -> frozenset[str]:
        """Back to :data:`DEFAULTS`."""
        return self.restore(DEFAULTS)

    def set_view(self, name: str) -> None:
        """Frame the named view again, even if it is the view already named.

        A request, not only a value: the mouse may have turned the camera away from the
        view since (the state does not follow every mouse move).
        """
        self.record(view=name, camera=None)
        self._emit(frozenset({"view", "camera"}), frozenset({"view", "camera"}))

    @contextmanager
    def held(self) -> Iterator[DisplayState]:
        """Hold events while several values change; each listener hears once at the end."""
        if self._held is not None:  # nested: the outer one emits
            yield self
            return
        object.__setattr__(self, "_held", (set(), set()))
        try:
            yield self
        finally:
            live, done = self._held
            object.__setattr__(self, "_held", None)
            self._emit(frozenset(live), frozenset(done))

    def _emit(self, live: frozenset[str], done: frozenset[str]) -> None:
        if self._held is not None:
            self._held[0].update(live)
            self._held[1].update(done)
            return
        for callback, changing in list(self._listeners):
            names = (live | done) if changing else done
            if names:
                callback(names)

    @staticmethod
    def _check_names(values: Mapping[str, Any]) -> None:
        unknown = set(values) - NAMES
        if unknown:
            known = ", ".join(sorted(NAMES))
            names = ", ".join(sorted(unknown))
            raise AttributeError(f"DisplayState has no {names}; names: {known}")


def _normal(name: str, value: Any) -> Any:
    """One form per value, so that equal values compare equal (a list of paths, an int)."""
    if name in _FLOATS:
        return float(value)
    if name in _BOOLS:
        return bool(value)
    if name == "muscles":
        if isinstance(value, str):
            raise ValueError("muscles: give a sequence of paths such as ('right.piriformis',)")
        shown = set(value)
        unknown = shown - set(ALL_PATHS)
        if unknown:
            raise ValueError(f"muscles: unknown path(s) {', '.join(sorted(unknown))}")
        return tuple(k for k in ALL_PATHS if k in shown)
    if name == "isolated" and value is not None:
        if value not in ALL_PATHS:
            raise ValueError(f"isolated: unknown path '{value}'; allowed: {', '.join(ALL_PATHS)}")
        return str(value)
    if name == "camera" and value is not None:
        return tuple(tuple(float(x) for x in v) for v in value)
    return value


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


__all__ = ["ALL_PATHS", "DEFAULT_PATHS", "DEFAULTS", "NAMES", "SCENE_NAMES", "DisplayState"]
