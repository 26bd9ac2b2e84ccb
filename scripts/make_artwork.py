"""The bundled default cover art (1400x1400 PNG), drawn here with Pillow.

python scripts/make_artwork.py [FILE]    # rewrites bulletin/assets/artwork.png (needs Pillow: pip install -e '.[dev]')
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

SIZE_PX = 1400
"""Apple Podcasts asks for 1400 to 3000 px square artwork."""


def render_artwork(size: int = SIZE_PX):
    """Return the default cover: a deep-blue field, radio waves and the word BULLETIN."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):  # vertical gradient, night blue to teal
        t = y / size
        draw.line([(0, y), (size, y)], fill=(int(12 + 10 * t), int(28 + 70 * t), int(64 + 60 * t)))
    centre = (size // 2, int(size * 0.42))
    for ring in range(1, 6):  # waves leaving an antenna
        radius = int(size * 0.07 * ring)
        box = [centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius]
        width = max(6, size // 90)
        draw.arc(box, 200, 340, fill=(240, 180, 60), width=width)
        draw.arc(box, 20, 160, fill=(240, 180, 60), width=width)
    dot = size // 28
    draw.ellipse([centre[0] - dot, centre[1] - dot, centre[0] + dot, centre[1] + dot], fill=(240, 180, 60))
    font = ImageFont.load_default(size=size // 9)
    text = "BULLETIN"
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((size - (right - left)) / 2, size * 0.74), text, font=font, fill=(250, 248, 240))
    small = ImageFont.load_default(size=size // 22)
    caption = "info radio"  # ASCII: the built-in font has no accented letters
    left, top, right, bottom = draw.textbbox((0, 0), caption, font=small)
    draw.text(((size - (right - left)) / 2, size * 0.88), caption, font=small, fill=(200, 220, 230))
    return image


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(str(resources.files("bulletin.assets"))) / "artwork.png"
    render_artwork().save(target, optimize=True)
    print(target)
