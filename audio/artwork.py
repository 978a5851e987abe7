"""Show, season and episode artwork, checked against Apple's rules before it is stored.

Apple Podcasts requires square JPEG or PNG artwork between 1400 x 1400 and 3000 x 3000
pixels, in the RGB colour space:
https://podcasters.apple.com/support/896-artwork-requirements
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

MIN_PIXELS = 1400
MAX_PIXELS = 3000
# A 3000 px PNG can be large, but anything above this is not artwork a podcast app loads.
MAX_BYTES = 20 * 1024 * 1024

_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


class ArtworkError(ValueError):
    """The image cannot be used as podcast artwork; the message is one plain line."""


@dataclass(frozen=True)
class Artwork:
    """Checked artwork: its bytes and how to store and embed them."""

    data: bytes
    mime: str
    extension: str
    width: int
    height: int


def read_artwork(path: Path) -> Artwork:
    """Load an image file and check it is square JPEG or PNG of 1400-3000 px."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ArtworkError(f"{path.name}: no such file") from None
    if size > MAX_BYTES:
        raise ArtworkError(
            f"{path.name} is {size // (1024 * 1024)} MB: artwork must be under 20 MB"
        )
    return check_artwork(path.read_bytes(), path.name)


def check_artwork(data: bytes, name: str = "artwork") -> Artwork:
    """Check image bytes against Apple's artwork rules; return them with their type."""
    import io

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, width, height, mode = image.format, image.width, image.height, image.mode
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ArtworkError(f"{name} is not a JPEG or PNG image") from None
    if kind not in _FORMATS:
        raise ArtworkError(f"{name} is a {kind} image: podcast artwork must be JPEG or PNG")
    if width != height:
        raise ArtworkError(
            f"{name} is {width}x{height}: podcast artwork must be square "
            f"({MIN_PIXELS}-{MAX_PIXELS} px)"
        )
    if not MIN_PIXELS <= width <= MAX_PIXELS:
        raise ArtworkError(
            f"{name} is {width}x{height}: Apple requires square artwork between "
            f"{MIN_PIXELS}x{MIN_PIXELS} and {MAX_PIXELS}x{MAX_PIXELS} pixels"
        )
    if mode not in ("RGB", "RGBA", "P", "L"):
        raise ArtworkError(f"{name} uses the {mode} colour space: save it as RGB")
    mime, extension = _FORMATS[kind]
    return Artwork(data=data, mime=mime, extension=extension, width=width, height=height)
