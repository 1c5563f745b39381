"""The length-change colour map: a diverging map built in CIELAB, numpy only.

Shortened muscles are blue, lengthened ones orange-red, an unchanged muscle a quiet mid
grey. Blue against orange-red stays distinct for the common colour-vision deficiencies
(protan and deutan vision keep the blue-yellow axis; tritan keeps red against blue-green).
Each half is a straight line in CIELAB from a saturated end to the grey centre, so equal
steps in length change are equal perceived steps (CIE76), and both ends have the same
lightness and chroma, so neither direction looks "more" than the other. This is the
construction of Moreland's cool-warm map ("Diverging Color Maps for Scientific
Visualization", 2009) without its hue spin and with a darker centre: Moreland's near-white
centre (L* 88) would vanish against the pale bone the muscles are drawn over.

Colouring by a moment arm (what a muscle *does* at the pose, rather than how its length
changed) uses a second map of the same construction and the same grey centre, purple for
a negative moment arm (external rotator, adductor, extensor) and green for a positive one,
so a glance tells the two kinds of picture apart; purple against green stays distinct in
the same three deficiencies (:func:`simulate_cvd`). :data:`COLOUR_SCALES` says what each
colouring means: the quantity, the legend's title and the words at its two ends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hipviz.names import ACTION_ROLES, quantity_heading

log = logging.getLogger(__name__)

#: CIELAB (L*, a*, b*) of the shortened end, the neutral centre and the lengthened end
SHORTENED_LAB = (45.0, 14.0, -58.0)  # blue, hue 284 deg, chroma 60
NEUTRAL_LAB = (66.0, 0.0, 0.0)  # mid grey: visible on pale bone and on the dark background
LENGTHENED_LAB = (45.0, 47.0, 37.5)  # orange-red, hue 39 deg, chroma 60
#: CIELAB of the moment-arm map's ends: purple (hue 325 deg) and green (hue 140 deg), both
#: chroma 55 at the length map's lightness, inside the sRGB gamut
NEGATIVE_ACTION_LAB = (45.0, 45.05, -31.55)
POSITIVE_ACTION_LAB = (45.0, -42.13, 35.35)
#: entries of the lookup table (VTK maps scalars onto it by index)
N_COLOURS = 256
#: symmetric colour range used unless the user changes it, % of neutral length
DEFAULT_LIMIT_PCT = 10.0
#: symmetric colour range of a moment-arm colouring unless the user changes it, mm
DEFAULT_MOMENT_ARM_RANGE_MM = 40.0


@dataclass(frozen=True)
class ColourScale:
    """What the muscle colours stand for in one colouring (a scene's ``display.colour_by``).

    Attributes
    ----------
    action : str or None
        The moment arm coloured (a key of ``Solution.moment_arms_mm``), ``None`` for the
        length change.
    title : str
        The legend's title, with the unit.
    negative, positive : str
        What the two ends of the scale mean, in a therapist's words.
    negative_lab, positive_lab : (3,) float
        CIELAB of the two ends (the centre is :data:`NEUTRAL_LAB`).
    """

    action: str | None
    title: str
    negative: str
    positive: str
    negative_lab: tuple[float, float, float]
    positive_lab: tuple[float, float, float]

    @property
    def unit(self) -> str:
        return "%" if self.action is None else "mm"


#: colouring name (as in scene files) -> its scale
COLOUR_SCALES = {
    "length": ColourScale(
        None,
        "Length change (% of neutral)",
        "shortened",
        "lengthened",
        SHORTENED_LAB,
        LENGTHENED_LAB,
    ),
    "moment_arm_rotation": ColourScale(
        "rotation",
        quantity_heading("moment_arm_rotation_mm"),
        *ACTION_ROLES["rotation"],
        NEGATIVE_ACTION_LAB,
        POSITIVE_ACTION_LAB,
    ),
    "moment_arm_abduction": ColourScale(
        "abduction",
        quantity_heading("moment_arm_abduction_mm"),
        *ACTION_ROLES["abduction"],
        NEGATIVE_ACTION_LAB,
        POSITIVE_ACTION_LAB,
    ),
    "moment_arm_flexion": ColourScale(
        "flexion",
        quantity_heading("moment_arm_flexion_mm"),
        *ACTION_ROLES["flexion"],
        NEGATIVE_ACTION_LAB,
        POSITIVE_ACTION_LAB,
    ),
}
#: Machado, Oliveira & Fernandes (2009) full-severity colour-vision deficiency matrices,
#: applied to linear RGB
CVD_MATRICES = {
    "protan": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deutan": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritan": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}

_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
_XYZ_TO_RGB = np.array(
    [
        [3.2404542, -1.5371385, -0.4985314],
        [-0.9692660, 1.8760108, 0.0415560],
        [0.0556434, -0.2040259, 1.0572252],
    ]
)
_RGB_TO_XYZ = np.linalg.inv(_XYZ_TO_RGB)


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB (D65) to sRGB.

    Parameters
    ----------
    lab : (..., 3) float
        L* in 0-100, a* and b*.

    Returns
    -------
    (..., 3) float
        sRGB in 0-1, clipped to the gamut.
    """
    lab = np.asarray(lab, dtype=float)
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], axis=-1)
    xyz = np.where(f > 6.0 / 29.0, f**3, 3 * (6.0 / 29.0) ** 2 * (f - 4.0 / 29.0)) * _WHITE_D65
    linear = np.clip(xyz @ _XYZ_TO_RGB.T, 0.0, 1.0)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (..., 3) in 0-1 to CIELAB (D65), the inverse of :func:`lab_to_srgb`."""
    rgb = np.asarray(rgb, dtype=float)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    t = (linear @ _RGB_TO_XYZ.T) / _WHITE_D65
    f = np.where(t > (6.0 / 29.0) ** 3, np.cbrt(t), t / (3 * (6.0 / 29.0) ** 2) + 4.0 / 29.0)
    return np.stack(
        [
            116.0 * f[..., 1] - 16.0,
            500.0 * (f[..., 0] - f[..., 1]),
            200.0 * (f[..., 1] - f[..., 2]),
        ],
        axis=-1,
    )


def simulate_cvd(rgb: np.ndarray, kind: str) -> np.ndarray:
    """How sRGB colours (..., 3) in 0-1 look with a full colour-vision deficiency.

    ``kind`` is a key of :data:`CVD_MATRICES` (``"protan"``, ``"deutan"``, ``"tritan"``).
    """
    rgb = np.asarray(rgb, dtype=float)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(linear @ np.array(CVD_MATRICES[kind]).T, 0.0, 1.0)
    return np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)


def diverging_lab(
    n: int = N_COLOURS, negative=SHORTENED_LAB, positive=LENGTHENED_LAB
) -> np.ndarray:
    """A colour map in CIELAB: (n, 3), negative end first (the length map by default)."""
    t = np.linspace(-1.0, 1.0, n)[:, None]
    mid, low, high = (np.array(c, dtype=float) for c in (NEUTRAL_LAB, negative, positive))
    return np.where(t < 0, mid + (-t) * (low - mid), mid + t * (high - mid))


@lru_cache(maxsize=8)
def diverging_colormap(n: int = N_COLOURS, colour_by: str = "length") -> np.ndarray:
    """A colour map as sRGB: (n, 3) float in 0-1, negative end first (read-only).

    ``colour_by`` names a scale of :data:`COLOUR_SCALES`: the length map (shortened blue
    first) by default, or a moment-arm map (purple first).
    """
    scale = COLOUR_SCALES[colour_by]
    rgb = lab_to_srgb(diverging_lab(n, scale.negative_lab, scale.positive_lab))
    rgb.setflags(write=False)
    return rgb


def colour_index(pct, limit: float = DEFAULT_LIMIT_PCT, n: int = N_COLOURS) -> np.ndarray:
    """Lookup-table index of a length change, as VTK's ``vtkLookupTable`` picks it.

    Values beyond ``±limit`` take the end colours.
    """
    if limit <= 0:
        raise ValueError(f"colour limit must be positive, got {limit}")
    scaled = (np.asarray(pct, dtype=float) + limit) / (2.0 * limit) * n
    return np.clip(np.floor(scaled), 0, n - 1).astype(int)


def colour_for_change(pct, limit: float = DEFAULT_LIMIT_PCT) -> np.ndarray:
    """sRGB colour (0-1) of a length change in % of neutral.

    Parameters
    ----------
    pct : float or (...,) float
        Length change, % of neutral length (negative: shortened).
    limit : float, default: 10.0
        The colour range is ``-limit`` to ``+limit`` %.

    Returns
    -------
    (3,) or (..., 3) float
    """
    return diverging_colormap()[colour_index(pct, limit)]


def colour_for_moment_arm(mm, limit: float = DEFAULT_MOMENT_ARM_RANGE_MM) -> np.ndarray:
    """sRGB colour (0-1) of a moment arm, mm: purple negative, grey 0, green positive.

    Parameters
    ----------
    mm : float or (...,) float
        Moment arm, mm (positive: internal rotator, abductor or flexor).
    limit : float, default: 40.0
        The colour range is ``-limit`` to ``+limit`` mm.

    Returns
    -------
    (3,) or (..., 3) float
    """
    return diverging_colormap(N_COLOURS, "moment_arm_rotation")[colour_index(mm, limit)]


def rgb_uint8(rgb: np.ndarray) -> np.ndarray:
    """0-1 floats to 0-255 integers (rounded), any shape."""
    return np.round(np.clip(np.asarray(rgb, dtype=float), 0.0, 1.0) * 255.0).astype(np.uint8)


def text_colour_on(rgb: np.ndarray) -> str:
    """``"black"`` or ``"white"``, whichever reads better on background ``rgb`` (0-1)."""
    return "black" if srgb_to_lab(rgb)[..., 0] > 55.0 else "white"
