"""Figure files: PNG, SVG and PDF from a rendered image plus vector text, written atomically.

The 3D picture is a raster (an (h, w, 3 or 4) uint8 image, alpha kept); titles, captions
and legend text are :class:`TextItem` s and stay text in SVG and PDF, so they are sharp at
any zoom and can be edited or searched. No rendering library is needed here: SVG is XML
with the PNG embedded, PDF is a one-page PDF 1.4 with the image (and its alpha as a soft
mask) and the standard Helvetica fonts.

Why not VTK's ``vtkGL2PSExporter`` (it is in the VTK wheel): its raster has no alpha, so
no transparent background; it writes text unescaped into SVG (an ``&`` or ``<`` in a
caption makes the file invalid XML); and it puts UTF-8 bytes into PDF strings, so ``°``,
``±`` and ``–`` come out garbled.

Units: images and text positions are in image pixels. ``scale`` is the pixel density: an
image rendered at ``scale`` x the figure size gives a document of the figure size
(1 px = 1/96 inch, so a 1920 x 1080 figure is a 20 x 11.25 inch PDF page at 72 pt/inch).
"""

from __future__ import annotations

import base64
import io
import logging
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

from hipviz.io.safe_save import SaveError, check_target, save_bytes

log = logging.getLogger(__name__)

FORMATS = ("png", "svg", "pdf")
#: CSS pixels per inch: a figure's size in inches is its size in pixels / 96
PX_PER_INCH = 96.0
PT_PER_PX = 72.0 / PX_PER_INCH
#: characters XML 1.0 cannot hold at all (control characters other than tab/newline/CR)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class FigureFileError(SaveError):
    """A figure file cannot be written; the message names the file and the reason."""


@dataclass(frozen=True)
class TextItem:
    """One line of text on a figure.

    Attributes
    ----------
    text : str
        One line (no line breaks).
    left : float
        Left edge of the text, image pixels from the left.
    baseline : float
        Baseline, image pixels from the top.
    width : float
        Width as rendered, pixels (used to anchor centred and right-aligned text).
    size : float
        Font size (em), pixels.
    colour : (float, float, float)
        RGB, 0-1.
    bold : bool, default: False
    anchor : str, default: "start"
        ``"start"``, ``"middle"`` or ``"end"``: which point of the text stays put when a
        viewer substitutes a font of slightly different width.
    """

    text: str
    left: float
    baseline: float
    width: float
    size: float
    colour: tuple[float, float, float]
    bold: bool = False
    anchor: str = "start"

    @property
    def anchor_x(self) -> float:
        return {
            "start": self.left,
            "middle": self.left + self.width / 2,
            "end": self.left + self.width,
        }[self.anchor]


def format_for(path: Path | str, fmt: str | None = None) -> str:
    """The figure format: ``fmt`` if given, else from the file's suffix; ValueError if neither."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if fmt is None:
        if suffix not in FORMATS:
            raise ValueError(
                f"{path}: cannot tell the format from '.{suffix}'; "
                f"use one of {', '.join('.' + f for f in FORMATS)}"
            )
        return suffix
    if fmt not in FORMATS:
        raise ValueError(f"unknown figure format '{fmt}'; allowed: {', '.join(FORMATS)}")
    return fmt


def write_figure(
    path: Path | str,
    image: np.ndarray,
    texts: list[TextItem] = (),
    fmt: str | None = None,
    scale: float = 1.0,
    title: str = "",
) -> Path:
    """Write a figure as PNG (texts must already be in the image), SVG or PDF.

    Parameters
    ----------
    path : Path or str
    image : (h, w, 3) or (h, w, 4) uint8
        The picture; with 4 channels the background stays transparent.
    texts : list of TextItem
        Vector text for SVG and PDF (ignored for PNG).
    fmt : str, optional
        ``"png"``, ``"svg"`` or ``"pdf"``; from the suffix when not given.
    scale : float, default: 1.0
        Image pixels per figure pixel.
    title : str, optional
        Document title (metadata).

    Returns
    -------
    Path
        The file written. A failure leaves any previous file untouched and raises
        :class:`FigureFileError`.
    """
    path = Path(path)
    fmt = format_for(path, fmt)
    image = np.ascontiguousarray(image, dtype=np.uint8)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"image must be (h, w, 3 or 4) uint8, got shape {image.shape}")
    if fmt == "png":
        data = png_bytes(image, scale, title)
    elif fmt == "svg":
        data = svg_text(image, texts, scale, title).encode("utf-8")
    else:
        data = pdf_bytes(image, texts, scale, title)
    write_atomically(path, data)
    log.info("wrote %s (%dx%d px, %s)", path, image.shape[1], image.shape[0], fmt)
    return path


def check_figure_target(path: Path | str) -> Path:
    """The real file a figure saved to ``path`` replaces, checked before anything is
    rendered (:func:`hipviz.io.safe_save.check_target`); FigureFileError if it cannot be."""
    try:
        return check_target(path)
    except SaveError as exc:
        raise FigureFileError(str(exc)) from None


def write_atomically(path: Path | str, data: bytes) -> None:
    """Replace ``path`` with ``data`` whole (:func:`hipviz.io.safe_save.save_bytes`):
    through a symbolic link, keeping the replaced file's permissions, never over a
    device, fifo or folder; FigureFileError naming the path if it cannot."""
    try:
        save_bytes(path, data)
    except SaveError as exc:
        raise FigureFileError(str(exc)) from None


# --- PNG -----------------------------------------------------------------------------------
def png_bytes(image: np.ndarray, scale: float = 1.0, title: str = "") -> bytes:
    """PNG data, with the resolution set so the figure prints at its figure size."""

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "hipviz")
    if title:
        info.add_itxt("Title", title)
    out = io.BytesIO()
    dpi = PX_PER_INCH * scale
    # level 3: a 4K figure encodes in about a second instead of three, for ~15 % more bytes
    Image.fromarray(image).save(out, format="PNG", pnginfo=info, dpi=(dpi, dpi), compress_level=3)
    return out.getvalue()


# --- SVG -----------------------------------------------------------------------------------
def _xml(text: str) -> str:
    text = _NOT_XML.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _hex(colour) -> str:
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in colour)


def svg_text(
    image: np.ndarray, texts: list[TextItem] = (), scale: float = 1.0, title: str = ""
) -> str:
    """An SVG document: the image embedded as PNG, each :class:`TextItem` as ``<text>``."""
    h_px, w_px = image.shape[:2]
    w, h = w_px / scale, h_px / scale
    png = base64.b64encode(png_bytes(image, scale)).decode("ascii")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.1" width="{w:g}" height="{h:g}" viewBox="0 0 {w:g} {h:g}">',
        f"<title>{_xml(title)}</title>" if title else "",
        f'<image x="0" y="0" width="{w:g}" height="{h:g}" preserveAspectRatio="none" '
        f'xlink:href="data:image/png;base64,{png}"/>',
        "<g font-family=\"Arial, Helvetica, 'Liberation Sans', sans-serif\">",
    ]
    for t in texts:
        weight = ' font-weight="bold"' if t.bold else ""
        lines.append(
            f'<text x="{t.anchor_x / scale:.2f}" y="{t.baseline / scale:.2f}" '
            f'font-size="{t.size / scale:.2f}"{weight} fill="{_hex(t.colour)}" '
            f'text-anchor="{t.anchor}" xml:space="preserve">{_xml(t.text)}</text>'
        )
    lines += ["</g>", "</svg>", ""]
    return "\n".join(line for line in lines if line)


# --- PDF -----------------------------------------------------------------------------------
def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (what the standard fonts read)."""
    raw = text.encode("cp1252", errors="replace")
    raw = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    raw = re.sub(rb"[\x00-\x1f]", b" ", raw)
    return b"(" + raw + b")"


def _pdf_date() -> str:

    return time.strftime("D:%Y%m%d%H%M%SZ", time.gmtime())


def pdf_bytes(
    image: np.ndarray, texts: list[TextItem] = (), scale: float = 1.0, title: str = ""
) -> bytes:
    """A one-page PDF: the image (alpha as a soft mask) and the texts in Helvetica."""
    h_px, w_px = image.shape[:2]
    w, h = w_px / scale, h_px / scale  # figure pixels
    rgb = np.ascontiguousarray(image[..., :3])
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(header: str, data: bytes) -> bytes:
        return (
            f"<< {header} /Length {len(data)} >>\nstream\n".encode("ascii") + data + b"\nendstream"
        )

    catalog = add(b"")  # filled in below, once the page numbers are known
    pages = add(b"")
    image_header = (
        f"/Type /XObject /Subtype /Image /Width {w_px} /Height {h_px} "
        "/BitsPerComponent 8 /Filter /FlateDecode"
    )
    smask = ""
    if image.shape[2] == 4:
        alpha = add(
            stream(
                image_header + " /ColorSpace /DeviceGray",
                zlib.compress(np.ascontiguousarray(image[..., 3]).tobytes(), 6),
            )
        )
        smask = f" /SMask {alpha} 0 R"
    picture = add(
        stream(image_header + " /ColorSpace /DeviceRGB" + smask, zlib.compress(rgb.tobytes(), 6))
    )
    regular = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    bold = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    )
    # content in figure pixels, y up: one cm scales pixels to points
    content = [
        f"{PT_PER_PX:.6f} 0 0 {PT_PER_PX:.6f} 0 0 cm".encode("ascii"),
        f"q {w:.4f} 0 0 {h:.4f} 0 0 cm /Im0 Do Q".encode("ascii"),
    ]
    for t in texts:
        r, g, b = (min(max(c, 0.0), 1.0) for c in t.colour)
        font = "/F2" if t.bold else "/F1"
        content.append(
            f"BT {font} {t.size / scale:.3f} Tf {r:.4f} {g:.4f} {b:.4f} rg "
            f"{t.left / scale:.3f} {h - t.baseline / scale:.3f} Td ".encode("ascii")
            + _pdf_string(t.text)
            + b" Tj ET"
        )
    contents = add(stream("/Filter /FlateDecode", zlib.compress(b"\n".join(content), 6)))
    page = add(
        (
            f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {w * PT_PER_PX:.4f} "
            f"{h * PT_PER_PX:.4f}] /Resources << /XObject << /Im0 {picture} 0 R >> "
            f"/Font << /F1 {regular} 0 R /F2 {bold} 0 R >> >> /Contents {contents} 0 R "
            # a transparency group so viewers composite the soft mask onto the page properly
            "/Group << /S /Transparency /CS /DeviceRGB >> >>"
        ).encode("ascii")
    )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages} 0 R >>".encode("ascii")
    objects[pages - 1] = f"<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>".encode("ascii")
    info = add(
        b"<< /Producer (hipviz) /Title "
        + _pdf_string(title)
        + f" /CreationDate ({_pdf_date()}) >>".encode("ascii")
    )

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode("ascii")
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode("ascii")
    return bytes(out)
