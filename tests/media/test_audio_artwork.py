"""Artwork follows Apple's rules: square JPEG or PNG between 1400 and 3000 pixels."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from support.media import make_png

from audio.artwork import ArtworkError, read_artwork


def test_square_png_and_jpeg_in_range_are_accepted(tmp_path: Path) -> None:
    png = read_artwork(make_png(tmp_path / "a.png", size=1400))
    assert (png.mime, png.extension, png.width) == ("image/png", "png", 1400)
    jpeg_path = tmp_path / "a.jpg"
    Image.new("RGB", (3000, 3000), (10, 20, 30)).save(jpeg_path, "JPEG")
    jpeg = read_artwork(jpeg_path)
    assert (jpeg.mime, jpeg.extension, jpeg.height) == ("image/jpeg", "jpg", 3000)
    assert jpeg.data == jpeg_path.read_bytes()


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1400, 1500), "must be square"),
        ((1000, 1000), "between 1400x1400 and 3000x3000"),
        ((3200, 3200), "between 1400x1400 and 3000x3000"),
    ],
)
def test_wrong_dimensions_are_refused_with_the_rule(
    tmp_path: Path, size: tuple[int, int], expected: str
) -> None:
    path = tmp_path / "art.png"
    Image.new("RGB", size).save(path, "PNG")
    with pytest.raises(ArtworkError, match=expected):
        read_artwork(path)


def test_other_image_formats_and_non_images_are_refused(tmp_path: Path) -> None:
    gif = tmp_path / "art.gif"
    Image.new("RGB", (1400, 1400)).save(gif, "GIF")
    with pytest.raises(ArtworkError, match="GIF image: podcast artwork must be JPEG or PNG"):
        read_artwork(gif)
    text = tmp_path / "art.png"
    text.write_text("not a picture")
    with pytest.raises(ArtworkError, match=r"art\.png is not a JPEG or PNG image"):
        read_artwork(text)


def test_cmyk_artwork_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "print.jpg"
    Image.new("CMYK", (1400, 1400)).save(path, "JPEG")
    with pytest.raises(ArtworkError, match="CMYK colour space: save it as RGB"):
        read_artwork(path)
