"""process_avatar: formats by content, every refusal, orientation, metadata, alpha, sizes."""

from __future__ import annotations

import io
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from backoffice.services.images import (
    CORRUPT,
    DEFAULT_MAX_PIXELS,
    EMPTY,
    NOT_AN_IMAGE,
    AvatarError,
    ProcessedAvatar,
    process_avatar,
)

from . import samples
from .samples import BLUE, GREEN, RED, encode


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _riff_chunks(data: bytes) -> list[bytes]:
    """The chunk names of a WebP (RIFF) file, to see exactly what was written."""
    assert data[:4] == b"RIFF"
    assert data[8:12] == b"WEBP"
    names, pos = [], 12
    while pos < len(data):
        name, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        names.append(name)
        pos += 8 + size + (size & 1)
    return names


def _close(pixel, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=False))


def _assert_clean_webp(data: bytes) -> Image.Image:
    """A WebP holding pixels and nothing else: no EXIF (GPS), XMP or ICC chunk."""
    assert set(_riff_chunks(data)) <= {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}
    image = _open(data)
    assert image.format == "WEBP"
    assert not image.info.get("exif")
    assert not image.info.get("xmp")
    assert not image.info.get("icc_profile")
    assert len(image.getexif()) == 0
    return image


# --- accepted formats -----------------------------------------------------------------

ACCEPTED = {
    "jpeg": lambda: encode(samples.noise(), "JPEG"),
    "progressive jpeg": lambda: encode(samples.noise(), "JPEG", progressive=True),
    "mpo": lambda: encode(
        samples.solid(), "MPO", save_all=True, append_images=[samples.solid(color=BLUE)]
    ),
    "cmyk jpeg": lambda: encode(samples.solid(mode="CMYK", color=(0, 255, 255, 0)), "JPEG"),
    "png": lambda: encode(samples.noise(), "PNG"),
    "greyscale png": lambda: encode(samples.solid(mode="L", color=128), "PNG"),
    "1-bit png": lambda: encode(samples.solid(mode="1", color=1), "PNG"),
    "palette png": lambda: encode(samples.noise().convert("P"), "PNG"),
    "gif": lambda: encode(samples.solid().convert("P"), "GIF"),
    "animated gif": samples.animated_gif,
    "webp": lambda: encode(samples.noise(), "WEBP"),
    "lossless webp": lambda: encode(samples.noise(), "WEBP", lossless=True),
    "animated webp": samples.animated_webp,
}


@pytest.mark.parametrize("make", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted_formats_are_re_encoded_as_clean_webp(make):
    data = make()
    result = process_avatar(data)
    assert isinstance(result, ProcessedAvatar)
    assert (result.ext, result.content_type) == ("webp", "image/webp")
    for output in (result.image, result.thumbnail):
        assert output != data  # the uploaded bytes are never handed back
        image = _assert_clean_webp(output)
        assert image.mode in ("RGB", "RGBA")
    assert _open(result.image).size == (result.width, result.height)
    assert _open(result.thumbnail).size == (128, 128)


def test_cmyk_colours_survive():
    cyan = encode(samples.solid(mode="CMYK", color=(255, 0, 0, 0)), "JPEG")
    pixel = _open(process_avatar(cyan).image).getpixel((10, 10))
    assert _close(pixel, (0, 255, 255), tolerance=60)


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    grey = encode(Image.new("I;16", (64, 64), 40000), "PNG")
    pixel = _open(process_avatar(grey).image).convert("L").getpixel((10, 10))
    assert 140 < pixel < 170  # 40000 / 65535 ≈ 61 % grey, not white


# --- refusals ---------------------------------------------------------------------------

REFUSED = {
    "text": b"just some text, certainly not an image\n",
    "script renamed .png": b"<script>fetch('/admin/users/delete')</script>",
    "html": b"<!doctype html><html><body onload=alert(1)></body></html>",
    "svg": b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    "png magic then html": b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
    "gif magic then script": b"GIF89a<script>alert(1)</script>",
    "random bytes": bytes((i * 31 + 7) % 256 for i in range(4096)),
    "bmp": encode(samples.solid(), "BMP"),
    "tiff": encode(samples.solid(), "TIFF"),
    "ico": encode(samples.solid((32, 32)), "ICO"),
    "pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
}


@pytest.mark.parametrize("data", REFUSED.values(), ids=REFUSED.keys())
def test_non_images_and_other_formats_are_refused(data):
    with pytest.raises(AvatarError, match=NOT_AN_IMAGE):
        process_avatar(data)


def test_empty_file_is_refused():
    with pytest.raises(AvatarError, match=EMPTY):
        process_avatar(b"")


CORRUPTED = {
    "truncated jpeg": samples.half(encode(samples.noise(), "JPEG")),
    "truncated progressive jpeg": samples.half(encode(samples.noise(), "JPEG", progressive=True)),
    "truncated png": samples.half(encode(samples.noise(), "PNG")),
    "truncated gif": samples.half(encode(samples.noise().convert("P"), "GIF")),
    "truncated webp": samples.half(encode(samples.noise(), "WEBP")),
    "png with a bad crc": samples.png_with_bad_crc(),
    "png with junk pixel data": samples.png_from_chunks(64, 64, b"not zlib at all" * 10),
    "jpeg magic then junk": b"\xff\xd8\xff\xe0" + b"junk" * 100,
}


@pytest.mark.parametrize("data", CORRUPTED.values(), ids=CORRUPTED.keys())
def test_truncated_or_corrupt_files_are_refused(data):
    with pytest.raises(AvatarError, match=CORRUPT):
        process_avatar(data)


@pytest.mark.parametrize("size", [(0, 10), (10, 0), (0, 0)])
def test_zero_sized_images_are_refused(size):
    with pytest.raises(AvatarError):
        process_avatar(samples.png_from_chunks(*size, b""))


def test_avatar_error_is_a_value_error_with_a_user_message():
    assert issubclass(AvatarError, ValueError)
    with pytest.raises(AvatarError) as info:
        process_avatar(b"nope")
    assert str(info.value) == "This file is not a JPEG, PNG, GIF or WebP image."


# --- decompression bombs -------------------------------------------------------------


def test_header_claiming_fifty_thousand_squared_is_refused():
    bomb = samples.png_header_claiming(50_000, 50_000)
    assert len(bomb) < 200
    with pytest.raises(AvatarError, match="too large"):
        process_avatar(bomb)


def test_real_compression_bomb_is_refused_without_any_warning():
    bomb = samples.png_bomb(12_000)  # 144 megapixels: past Pillow's own warning threshold
    assert len(bomb) < 100_000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(AvatarError, match="This image is too large; the limit is 40 mega"):
            process_avatar(bomb)
    assert caught == []


def test_bomb_under_pillows_threshold_is_refused_by_our_limit():
    with pytest.raises(AvatarError, match=r"too large \(7000×7000 pixels\)"):
        process_avatar(samples.png_bomb(7000))  # 49 MP: Pillow would decode it


def test_size_is_checked_from_the_header_before_decoding():
    # 7000×7000 with garbage pixel data: decoding would say "corrupt"; the size check
    # comes first, so the answer is "too large" and nothing was decoded.
    liar = samples.png_from_chunks(7000, 7000, b"garbage" * 10)
    with pytest.raises(AvatarError, match=r"too large \(7000×7000 pixels\); the limit is 40"):
        process_avatar(liar)


def test_limit_does_not_depend_on_pillows_global(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(AvatarError, match="too large"):
        process_avatar(samples.png_bomb(7000))  # 49 MP > 40 MP default


def test_pillows_own_bomb_warning_becomes_a_refusal(monkeypatch):
    # Our limit raised past Pillow's: Pillow's warning is turned into the same refusal.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(AvatarError, match="too large"):
            process_avatar(samples.png_bomb(1100), max_pixels=10**9)  # 1.21 MP: warns
        with pytest.raises(AvatarError, match="too large"):
            process_avatar(samples.png_bomb(1500), max_pixels=10**9)  # 2.25 MP: raises
    assert caught == []


def test_max_pixels_boundary():
    image = encode(samples.solid((100, 50)), "PNG")
    assert process_avatar(image, max_pixels=5000).width == 100
    with pytest.raises(AvatarError, match=r"100×50 pixels\); the limit is 0.004999 megapixels"):
        process_avatar(image, max_pixels=4999)


def test_default_limit():
    assert DEFAULT_MAX_PIXELS == 40_000_000


# --- orientation and metadata ------------------------------------------------------------


def test_orientation_is_applied_and_every_piece_of_metadata_dropped():
    data = samples.camera_jpeg()
    original = _open(data)
    assert original.getexif().get_ifd(0x8825)  # the sample really carries GPS
    assert original.info.get("xmp")
    assert original.info.get("comment")
    assert original.info.get("icc_profile")
    result = process_avatar(data)
    # Stored 200×100, left red / right blue, "rotate 90° clockwise to view": upright it
    # is 100×200 with red on top.
    assert (result.width, result.height) == (100, 200)
    avatar = _assert_clean_webp(result.image).convert("RGB")
    assert avatar.size == (100, 200)
    assert _close(avatar.getpixel((50, 20)), RED)
    assert _close(avatar.getpixel((50, 180)), BLUE)
    _assert_clean_webp(result.thumbnail)
    for output in (result.image, result.thumbnail):
        assert b"PhoneCo" not in output
        assert b"secret location" not in output
        assert b"home address" not in output


def test_png_text_chunks_and_icc_profile_are_dropped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "my home address")
    info.add_itxt("XML:com.adobe.xmp", "secret location")
    data = encode(samples.solid(), "PNG", pnginfo=info, icc_profile=samples.srgb_profile())
    result = process_avatar(data)
    _assert_clean_webp(result.image)
    assert b"home address" not in result.image
    assert b"secret location" not in result.image


def test_broken_icc_profile_is_dropped_not_fatal():
    data = encode(samples.solid(), "JPEG", icc_profile=b"not a profile at all" * 20)
    _assert_clean_webp(process_avatar(data).image)


def test_unreadable_exif_keeps_the_pixels():
    data = encode(samples.halves(), "JPEG", exif=b"Exif\x00\x00garbage garbage")
    result = process_avatar(data)
    assert (result.width, result.height) == (200, 100)
    _assert_clean_webp(result.image)


# --- alpha -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_transparency_is_kept(fmt):
    params = {"lossless": True} if fmt == "WEBP" else {}
    result = process_avatar(encode(samples.with_alpha(), fmt, **params))
    for output in (result.image, result.thumbnail):
        image = _open(output)
        assert image.mode == "RGBA"
        w, h = image.size
        assert image.getpixel((0, 0))[3] == 0  # transparent corner
        assert image.getpixel((w // 2, h // 2))[3] == 255  # opaque centre
        assert _close(image.getpixel((w // 2, h // 2))[:3], RED)


def test_palette_transparency_is_kept():
    image = samples.with_alpha((64, 64)).convert("P")
    image.info["transparency"] = image.getpixel((0, 0))
    result = process_avatar(encode(image, "GIF", transparency=image.getpixel((0, 0))))
    out = _open(result.image)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0


def test_greyscale_with_alpha_keeps_alpha():
    image = Image.new("LA", (64, 64), (200, 0))
    image.paste((200, 255), (16, 16, 48, 48))
    out = _open(process_avatar(encode(image, "PNG")).image)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0


def test_fully_opaque_alpha_is_dropped():
    opaque = samples.solid(mode="RGBA", color=(0, 255, 0, 255))
    result = process_avatar(encode(opaque, "PNG"))
    assert _open(result.image).mode == "RGB"
    assert _open(result.thumbnail).mode == "RGB"


# --- frames and sizes --------------------------------------------------------------------


@pytest.mark.parametrize("make", [samples.animated_gif, samples.animated_webp])
def test_animation_keeps_only_the_first_frame(make):
    result = process_avatar(make())
    image = _open(result.image)
    assert getattr(image, "n_frames", 1) == 1
    assert _close(image.convert("RGB").getpixel((10, 10)), RED)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((2000, 1000), (512, 256)),
        ((1000, 2000), (256, 512)),
        ((512, 512), (512, 512)),
        ((513, 513), (512, 512)),
        ((100, 50), (100, 50)),  # never upscaled
        ((4000, 200), (512, 26)),
        ((1, 1), (1, 1)),
    ],
)
def test_avatar_fits_512_keeping_aspect_and_thumbnail_is_128_square(size, expected):
    result = process_avatar(encode(samples.noise(size), "PNG"))
    assert (result.width, result.height) == expected
    assert _open(result.image).size == expected
    assert _open(result.thumbnail).size == (128, 128)


def test_thumbnail_is_a_centre_crop():
    image = Image.new("RGB", (300, 100), BLUE)
    image.paste(RED, (0, 0, 100, 100))
    image.paste(GREEN, (100, 0, 200, 100))
    thumb = _open(process_avatar(encode(image, "PNG")).thumbnail).convert("RGB")
    for xy in [(5, 5), (64, 64), (122, 122), (5, 122), (122, 5)]:
        assert _close(thumb.getpixel(xy), GREEN), xy


def test_thumbnail_of_a_panorama_uses_the_full_image():
    # 4000×200: the avatar is only 26 px high; the thumbnail is cut from the original.
    result = process_avatar(encode(samples.noise((4000, 200)), "PNG"))
    assert (result.height, _open(result.thumbnail).size) == (26, (128, 128))


# --- robustness ----------------------------------------------------------------------------


def test_concurrent_use_keeps_warning_filters_intact():
    before = list(warnings.filters)
    good = encode(samples.noise((400, 300)), "JPEG")
    bomb = samples.png_bomb(8000)

    def work(i: int) -> str:
        try:
            process_avatar(bomb if i % 2 else good)
        except AvatarError as exc:
            return str(exc)
        return "ok"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(32)))
    assert results.count("ok") == 16
    assert all("too large" in r for r in results if r != "ok")
    assert warnings.filters == before
