"""process_avatar output: orientation, metadata stripping, alpha, frames and sizes."""

from __future__ import annotations

import pytest
from PIL import Image

from backoffice.services.images import process_avatar
from tests.support import samples
from tests.support.samples import BLUE, GREEN, RED, assert_clean_webp, close_to, decode, encode

# --- orientation and metadata ------------------------------------------------------------


def test_orientation_is_applied_and_every_piece_of_metadata_dropped():
    data = samples.camera_jpeg()
    original = decode(data)
    assert original.getexif().get_ifd(0x8825)  # the sample really carries GPS
    assert original.info.get("xmp")
    assert original.info.get("comment")
    assert original.info.get("icc_profile")
    result = process_avatar(data)
    # Stored 200×100, left red / right blue, "rotate 90° clockwise to view": upright it
    # is 100×200 with red on top.
    assert (result.width, result.height) == (100, 200)
    avatar = assert_clean_webp(result.image).convert("RGB")
    assert avatar.size == (100, 200)
    assert close_to(avatar.getpixel((50, 20)), RED)
    assert close_to(avatar.getpixel((50, 180)), BLUE)
    assert_clean_webp(result.thumbnail)
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
    assert_clean_webp(result.image)
    assert b"home address" not in result.image
    assert b"secret location" not in result.image


def test_broken_icc_profile_is_dropped_not_fatal():
    data = encode(samples.solid(), "JPEG", icc_profile=b"not a profile at all" * 20)
    assert_clean_webp(process_avatar(data).image)


def test_unreadable_exif_keeps_the_pixels():
    data = encode(samples.halves(), "JPEG", exif=b"Exif\x00\x00garbage garbage")
    result = process_avatar(data)
    assert (result.width, result.height) == (200, 100)
    assert_clean_webp(result.image)


# --- alpha -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_transparency_is_kept(fmt):
    params = {"lossless": True} if fmt == "WEBP" else {}
    result = process_avatar(encode(samples.with_alpha(), fmt, **params))
    for output in (result.image, result.thumbnail):
        image = decode(output)
        assert image.mode == "RGBA"
        w, h = image.size
        assert image.getpixel((0, 0))[3] == 0  # transparent corner
        assert image.getpixel((w // 2, h // 2))[3] == 255  # opaque centre
        assert close_to(image.getpixel((w // 2, h // 2))[:3], RED)


def test_palette_transparency_is_kept():
    image = samples.with_alpha((64, 64)).convert("P")
    image.info["transparency"] = image.getpixel((0, 0))
    result = process_avatar(encode(image, "GIF", transparency=image.getpixel((0, 0))))
    out = decode(result.image)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0


def test_rgb_with_transparent_colour_and_icc_profile_keeps_alpha():
    image = samples.halves((64, 64), left=(0, 0, 0), right=RED)
    data = encode(image, "PNG", transparency=(0, 0, 0), icc_profile=samples.srgb_profile())
    out = decode(process_avatar(data).image)
    assert out.mode == "RGBA"
    assert out.getpixel((5, 32))[3] == 0
    assert out.getpixel((60, 32))[3] == 255


def test_greyscale_with_alpha_keeps_alpha():
    image = Image.new("LA", (64, 64), (200, 0))
    image.paste((200, 255), (16, 16, 48, 48))
    out = decode(process_avatar(encode(image, "PNG")).image)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0


def test_fully_opaque_alpha_is_dropped():
    opaque = samples.solid(mode="RGBA", color=(0, 255, 0, 255))
    result = process_avatar(encode(opaque, "PNG"))
    assert decode(result.image).mode == "RGB"
    assert decode(result.thumbnail).mode == "RGB"


# --- frames and sizes --------------------------------------------------------------------


@pytest.mark.parametrize("make", [samples.animated_gif, samples.animated_webp])
def test_animation_keeps_only_the_first_frame(make):
    result = process_avatar(make())
    image = decode(result.image)
    assert getattr(image, "n_frames", 1) == 1
    assert close_to(image.convert("RGB").getpixel((10, 10)), RED)


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
    assert decode(result.image).size == expected
    assert decode(result.thumbnail).size == (128, 128)


def test_thumbnail_is_a_centre_crop():
    image = Image.new("RGB", (300, 100), BLUE)
    image.paste(RED, (0, 0, 100, 100))
    image.paste(GREEN, (100, 0, 200, 100))
    thumb = decode(process_avatar(encode(image, "PNG")).thumbnail).convert("RGB")
    for xy in [(5, 5), (64, 64), (122, 122), (5, 122), (122, 5)]:
        assert close_to(thumb.getpixel(xy), GREEN), xy


def test_thumbnail_of_a_panorama_uses_the_full_image():
    # 4000×200: the avatar is only 26 px high; the thumbnail is cut from the original.
    result = process_avatar(encode(samples.noise((4000, 200)), "PNG"))
    assert (result.height, decode(result.thumbnail).size) == (26, (128, 128))
