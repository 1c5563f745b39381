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
"""

from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np

log = logging.getLogger(__name__)

#: CIELAB (L*, a*, b*) of the shortened end, the neutral centre and the lengthened end
SHORTENED_LAB = (45.0, 14.0, -58.0)  # blue, hue 284 deg, chroma 60
NEUTRAL_LAB = (66.0, 0.0, 0.0)  # mid grey: visible on pale bone and on the dark background
LENGTHENED_LAB = (45.0, 47.0, 37.5)  # orange-red, hue 39 deg, chroma 60
#: entries of the lookup table (VTK maps scalars onto it by index)
N_COLOURS = 256
#: symmetric colour range used unless the user changes it, % of neutral length
DEFAULT_LIMIT_PCT = 10.0

_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
_XYZ_TO_RGB = np.array([
    [3.2404542, -1.5371385, -0.4985314],
    [-0.9692660, 1.8760108, 0.0415560],
    [0.0556434, -0.2040259, 1.0572252],
])
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
    return np.stack([116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]),
                     200.0 * (f[..., 1] - f[..., 2])], axis=-1)


def diverging_lab(n: int = N_COLOURS) -> np.ndarray:
    """The colour map in CIELAB: (n, 3), shortened end first."""
    t = np.linspace(-1.0, 1.0, n)[:, None]
    mid, short, long_ = (np.array(c) for c in (NEUTRAL_LAB, SHORTENED_LAB, LENGTHENED_LAB))
    return np.where(t < 0, mid + (-t) * (short - mid), mid + t * (long_ - mid))


@lru_cache(maxsize=8)
def diverging_colormap(n: int = N_COLOURS) -> np.ndarray:
    """The colour map as sRGB: (n, 3) float in 0-1, shortened (blue) end first (read-only)."""
    rgb = lab_to_srgb(diverging_lab(n))
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


def rgb_uint8(rgb: np.ndarray) -> np.ndarray:
    """0-1 floats to 0-255 integers (rounded), any shape."""
    return np.round(np.clip(np.asarray(rgb, dtype=float), 0.0, 1.0) * 255.0).astype(np.uint8)


def text_colour_on(rgb: np.ndarray) -> str:
    """``"black"`` or ``"white"``, whichever reads better on background ``rgb`` (0-1)."""
    return "black" if srgb_to_lab(rgb)[..., 0] > 55.0 else "white"
