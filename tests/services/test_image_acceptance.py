"""process_avatar accepts formats by content and refuses everything else, bombs included."""

from __future__ import annotations

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
from tests.support import samples
from tests.support.samples import (
    ACCEPTED,
    CORRUPTED,
    REFUSED,
    assert_clean_webp,
    close_to,
    decode,
    encode,
)

# --- accepted formats -----------------------------------------------------------------


@pytest.mark.parametrize("make", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted_formats_are_re_encoded_as_clean_webp(make):
    data = make()
    result = process_avatar(data)
    assert isinstance(result, ProcessedAvatar)
    assert (result.ext, result.content_type) == ("webp", "image/webp")
    for output in (result.image, result.thumbnail):
        assert output != data  # the uploaded bytes are never handed back
        image = assert_clean_webp(output)
        assert image.mode in ("RGB", "RGBA")
    assert decode(result.image).size == (result.width, result.height)
    assert decode(result.thumbnail).size == (128, 128)


def test_cmyk_colours_survive():
    cyan = encode(samples.solid(mode="CMYK", color=(255, 0, 0, 0)), "JPEG")
    pixel = decode(process_avatar(cyan).image).getpixel((10, 10))
    assert close_to(pixel, (0, 255, 255), tolerance=60)


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    grey = encode(Image.new("I;16", (64, 64), 40000), "PNG")
    pixel = decode(process_avatar(grey).image).convert("L").getpixel((10, 10))
    assert 140 < pixel < 170  # 40000 / 65535 ≈ 61 % grey, not white


# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize("data", REFUSED.values(), ids=REFUSED.keys())
def test_non_images_and_other_formats_are_refused(data):
    with pytest.raises(AvatarError, match=NOT_AN_IMAGE):
        process_avatar(data)


def test_empty_file_is_refused():
    with pytest.raises(AvatarError, match=EMPTY):
        process_avatar(b"")


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
        with pytest.raises(AvatarError, match="too large; the limit is 1 megapixels"):
            process_avatar(samples.png_bomb(1100), max_pixels=10**9)  # 1.21 MP: warns
        with pytest.raises(AvatarError, match="too large; the limit is 1 megapixels"):
            process_avatar(samples.png_bomb(1500), max_pixels=10**9)  # 2.25 MP: raises
    assert caught == []


def test_max_pixels_boundary():
    image = encode(samples.solid((100, 50)), "PNG")
    assert process_avatar(image, max_pixels=5000).width == 100
    with pytest.raises(AvatarError, match=r"100×50 pixels\); the limit is 0.004999 megapixels"):
        process_avatar(image, max_pixels=4999)


def test_default_limit():
    assert DEFAULT_MAX_PIXELS == 40_000_000


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
