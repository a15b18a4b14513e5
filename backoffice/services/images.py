"""Avatar processing: judge an upload by its content with Pillow, re-encode it clean.

Choices (see ``process_avatar``):

- Accepted: JPEG (and MPO, the multi-picture JPEG many phones write), PNG, GIF and WebP,
  recognised by their bytes; only those Pillow plugins are even tried.
- Size limit: ``max_pixels`` (``AVATAR_MAX_PIXELS``, default 40 megapixels: well above the
  12-24 MP phones save by default, about 160 MB once decoded as RGBA; larger photos rarely
  fit the 5 MB upload limit anyway) is checked on the header before any pixel is decoded.
  JPEGs are decoded at a reduced scale (libjpeg's draft mode) when that is still big enough.
- Output: WebP for everything (one format: alpha when needed, smaller than JPEG or PNG,
  shown by every current browser), quality 85.
- The avatar fits within 512×512 keeping its aspect ratio and is never upscaled (that adds
  bytes, not detail; CSS scales it up). The thumbnail is exactly 128×128, centre-cropped to
  fill (uniform list cells, no letterboxing), upscaled from a smaller image if need be.
- EXIF orientation is applied, an ICC profile is converted to sRGB, and then every piece of
  metadata (EXIF with GPS, XMP, ICC, comments) is dropped: only pixels are re-encoded.
"""

from __future__ import annotations

import functools
import io
import logging
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

DEFAULT_MAX_PIXELS = 40_000_000
AVATAR_SIZE = 512
THUMBNAIL_SIZE = 128
WEBP_QUALITY = 85
ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
_ACCEPTED = {*ALLOWED_FORMATS, "MPO"}  # Pillow's JPEG opener names multi-picture files MPO

NOT_AN_IMAGE = "This file is not a JPEG, PNG, GIF or WebP image."
CORRUPT = "This image is truncated or corrupt."
EMPTY = "The file is empty."
NO_PIXELS = "This image has no pixels."

# warnings.catch_warnings() swaps the process-wide filter list, which is not thread-safe;
# serialising our decodes keeps it consistent, and also caps each worker at one large
# decode in memory at a time.
_DECODE_LOCK = threading.Lock()


class AvatarError(ValueError):
    """An upload refused as an avatar; the message is meant for the user."""


@dataclass(frozen=True)
class ProcessedAvatar:
    """A re-encoded avatar and its thumbnail; the uploaded bytes are not kept."""

    image: bytes
    thumbnail: bytes
    ext: str
    content_type: str
    width: int
    height: int


def process_avatar(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ProcessedAvatar:
    """Check an uploaded image and return the clean 512 px avatar and 128 px thumbnail."""
    image = _decode(data, max_pixels)
    _upright(image)
    image = _to_srgb_pixels(image)
    avatar = _shrink_to_fit(image, AVATAR_SIZE)
    # Crop from the avatar when it is big enough (cheaper), else from the full image so
    # a long panorama does not lose the detail the avatar already dropped.
    source = avatar if min(avatar.size) >= THUMBNAIL_SIZE else image
    thumbnail = ImageOps.fit(source, (THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    return ProcessedAvatar(
        image=_encode(avatar),
        thumbnail=_encode(thumbnail),
        ext="webp",
        content_type="image/webp",
        width=avatar.width,
        height=avatar.height,
    )


def _shrink_to_fit(image: Image.Image, box: int) -> Image.Image:
    """Fit within ``box``×``box`` keeping the aspect ratio; never enlarge, never copy."""
    if max(image.size) <= box:
        return image
    scale = box / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # reducing_gap: a cheap box reduction first, then Lanczos on the last steps.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _too_large(max_pixels: int, size: tuple[int, int] | None = None) -> AvatarError:
    limit = f"the limit is {max_pixels / 1_000_000:g} megapixels"
    if size is None:
        return AvatarError(f"This image is too large; {limit}.")
    return AvatarError(f"This image is too large ({size[0]}×{size[1]} pixels); {limit}.")


def _check_size(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise AvatarError(NO_PIXELS)
    if width * height > max_pixels:
        raise _too_large(max_pixels, size)


def _decode(data: bytes, max_pixels: int) -> Image.Image:
    """Open, verify and decode the first frame; refuse anything doubtful."""
    if not data:
        raise AvatarError(EMPTY)
    with _DECODE_LOCK, warnings.catch_warnings():
        # Inside Image.open, before our own check can run, Pillow compares the size
        # with its global Image.MAX_IMAGE_PIXELS and warns or raises: both become the
        # same refusal, never a warning in the log.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
                if probe.format not in _ACCEPTED:
                    raise AvatarError(NOT_AN_IMAGE)
                _check_size(probe.size, max_pixels)  # from the header, before decoding
                probe.verify()  # PNG: every chunk's CRC, without decoding pixels
            # verify() leaves the image unusable: decode from a fresh one.
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            # JPEG: let libjpeg decode at 1/2..1/8 scale when that is still big enough.
            image.draft(None, (2 * AVATAR_SIZE, 2 * AVATAR_SIZE))
            image.load()  # raises on truncated data (Pillow's LOAD_TRUNCATED_IMAGES is off)
            _check_size(image.size, max_pixels)  # a GIF frame can grow the canvas
            return image
        except AvatarError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            # Pillow only fires when its limit is set, and then it is the lower one.
            raise _too_large(min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)) from None
        except UnidentifiedImageError:
            raise AvatarError(NOT_AN_IMAGE) from None
        except Exception as exc:
            # Pillow's plugins raise many undocumented types on hostile input (OSError,
            # SyntaxError, ValueError, struct.error, EOFError, ...): all mean "corrupt".
            raise AvatarError(CORRUPT) from exc


def _upright(image: Image.Image) -> None:
    """Apply the EXIF orientation in place, so the pixels stand as the camera meant."""
    try:
        ImageOps.exif_transpose(image, in_place=True)  # in place: no full-size copy
    except Exception:
        # Malformed EXIF on otherwise good pixels: keep them as stored rather than
        # refuse the upload; the metadata is dropped anyway.
        logger.warning("avatar EXIF unreadable; orientation not applied", exc_info=True)


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb_pixels(image: Image.Image) -> Image.Image:
    """Convert to RGB or RGBA (keeping alpha only if some pixel uses it), colours in sRGB."""
    icc = image.info.get("icc_profile")
    if image.mode.startswith("I") or image.mode == "F":
        # 16-bit greyscale PNG: scale to 8 bits (a plain convert clips to white).
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    target = "RGBA" if image.has_transparency_data else "RGB"
    # CMYK waits for its profile; everything else converts now, which also turns palette
    # and tRNS transparency into alpha. (convert() always copies: skip it when it can.)
    if image.mode not in (target, "CMYK"):
        image = image.convert(target)
    if icc:
        image = _profile_to_srgb(image, icc, target)
    if image.mode != target:
        image = image.convert(target)  # CMYK whose profile was unusable
    if target == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")
    return image


def _profile_to_srgb(image: Image.Image, icc: bytes, mode: str) -> Image.Image:
    """Convert colours from the embedded ICC profile to sRGB, or leave them if it fails."""
    # Wide-gamut photos (Display P3, Adobe RGB) look washed out once their profile is
    # dropped: convert while the profile is known.
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, _srgb(), outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken or unusual profile (a greyscale one, say) is dropped


def _encode(image: Image.Image) -> bytes:
    """WebP from the pixels alone: a fresh image carries no metadata to leak."""
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    buf = io.BytesIO()
    clean.save(buf, "WEBP", quality=WEBP_QUALITY, method=4)
    return buf.getvalue()
