"""Image files built in the tests (good ones in every format, hostile ones) and checks."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

from PIL import ExifTags, Image, ImageCms

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    """Save ``image`` in ``fmt`` and return the bytes."""
    buf = io.BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


def solid(size=(300, 200), color=RED, mode="RGB") -> Image.Image:
    """A one-colour image."""
    return Image.new(mode, size, color)


def halves(size=(200, 100), left=RED, right=BLUE) -> Image.Image:
    """Left half one colour, right half another: shows any rotation or crop."""
    image = Image.new("RGB", size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def noise(size=(300, 300)) -> Image.Image:
    """Pseudo-random pixels (the same every run): they do not compress, so cutting the
    file anywhere really truncates the pixel data."""
    return Image.frombytes("RGB", size, hashlib.shake_256(b"noise").digest(size[0] * size[1] * 3))


def half(data: bytes) -> bytes:
    """The first half of a file, as an interrupted upload would leave it."""
    return data[: len(data) // 2]


def with_alpha(size=(200, 200)) -> Image.Image:
    """Transparent everywhere except an opaque red square in the middle."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    w, h = size
    image.paste((255, 0, 0, 255), (w // 4, h // 4, 3 * w // 4, 3 * h // 4))
    return image


def animated_gif() -> bytes:
    """Two frames: red, then blue."""
    frames = [solid((64, 64), RED).convert("P"), solid((64, 64), BLUE).convert("P")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def animated_webp() -> bytes:
    """Two frames: red, then blue."""
    frames = [solid((64, 64), RED), solid((64, 64), BLUE)]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)


def camera_jpeg() -> bytes:
    """A phone-like JPEG: orientation 6 (rotate 90° clockwise), GPS, XMP, comment, ICC."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 29.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 17.0, 40.0)
    return encode(
        halves((200, 100)),
        "JPEG",
        quality=95,
        exif=exif,
        comment=b"home address in a comment",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>secret location</x:xmpmeta>",
        icc_profile=srgb_profile(),
    )


def srgb_profile() -> bytes:
    """An sRGB ICC profile, as embedded by many editors."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_from_chunks(width: int, height: int, idat: bytes, depth: int = 8, color: int = 0) -> bytes:
    """A PNG built by hand: signature, IHDR, one IDAT, IEND (CRCs correct)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width``×``height`` but that holds almost no data."""
    return png_from_chunks(width, height, zlib.compress(b"\x00" * 64))


def png_bomb(side: int) -> bytes:
    """A real decompression bomb: a 1-bit ``side``×``side`` black PNG, a few kB on disk."""
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed pixels
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return png_from_chunks(side, side, idat, depth=1, color=0)


def png_with_bad_crc() -> bytes:
    """A valid PNG with one byte of its IDAT CRC flipped."""
    data = bytearray(encode(noise((64, 64)), "PNG"))
    end = data.index(b"IEND") - 4  # the IEND length field; IDAT's CRC ends just before it
    data[end - 1] ^= 0xFF
    return bytes(data)


# --- every accepted and refused kind of upload (shared by the service and endpoint tests)

# Builders of an accepted upload of each kind (the names are test ids).
ACCEPTED = {
    "jpeg": lambda: encode(noise(), "JPEG"),
    "progressive jpeg": lambda: encode(noise(), "JPEG", progressive=True),
    "mpo": lambda: encode(solid(), "MPO", save_all=True, append_images=[solid(color=BLUE)]),
    "cmyk jpeg": lambda: encode(solid(mode="CMYK", color=(0, 255, 255, 0)), "JPEG"),
    "png": lambda: encode(noise(), "PNG"),
    "greyscale png": lambda: encode(solid(mode="L", color=128), "PNG"),
    "1-bit png": lambda: encode(solid(mode="1", color=1), "PNG"),
    "palette png": lambda: encode(noise().convert("P"), "PNG"),
    "gif": lambda: encode(solid().convert("P"), "GIF"),
    "animated gif": animated_gif,
    "webp": lambda: encode(noise(), "WEBP"),
    "lossless webp": lambda: encode(noise(), "WEBP", lossless=True),
    "animated webp": animated_webp,
}

# Files refused as "not a JPEG, PNG, GIF or WebP image".
REFUSED = {
    "text": b"just some text, certainly not an image\n",
    "script renamed .png": b"<script>fetch('/admin/users/delete')</script>",
    "html": b"<!doctype html><html><body onload=alert(1)></body></html>",
    "svg": b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    "png magic then html": b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
    "gif magic then script": b"GIF89a<script>alert(1)</script>",
    "random bytes": bytes((i * 31 + 7) % 256 for i in range(4096)),
    "bmp": encode(solid(), "BMP"),
    "tiff": encode(solid(), "TIFF"),
    "ico": encode(solid((32, 32)), "ICO"),
    "pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
}

# Files refused as "truncated or corrupt".
CORRUPTED = {
    "truncated jpeg": half(encode(noise(), "JPEG")),
    "truncated progressive jpeg": half(encode(noise(), "JPEG", progressive=True)),
    "truncated png": half(encode(noise(), "PNG")),
    "truncated gif": half(encode(noise().convert("P"), "GIF")),
    "truncated webp": half(encode(noise(), "WEBP")),
    "png with a bad crc": png_with_bad_crc(),
    "png with junk pixel data": png_from_chunks(64, 64, b"not zlib at all" * 10),
    "jpeg magic then junk": b"\xff\xd8\xff\xe0" + b"junk" * 100,
}


# --- inspecting outputs -------------------------------------------------------------


def decode(data: bytes) -> Image.Image:
    """Open and fully decode an output."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def riff_chunks(data: bytes) -> list[bytes]:
    """The chunk names of a WebP (RIFF) file, to see exactly what was written."""
    assert data[:4] == b"RIFF"
    assert data[8:12] == b"WEBP"
    names, pos = [], 12
    while pos < len(data):
        name, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        names.append(name)
        pos += 8 + size + (size & 1)
    return names


def close_to(pixel, expected, tolerance=40) -> bool:
    """Whether two colours match within what lossy compression changes."""
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=False))


def assert_clean_webp(data: bytes) -> Image.Image:
    """A WebP holding pixels and nothing else: no EXIF (GPS), XMP or ICC chunk."""
    assert set(riff_chunks(data)) <= {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}
    image = decode(data)
    assert image.format == "WEBP"
    assert not image.info.get("exif")
    assert not image.info.get("xmp")
    assert not image.info.get("icc_profile")
    assert len(image.getexif()) == 0
    return image
