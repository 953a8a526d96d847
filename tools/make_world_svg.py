"""Regenerate world.svg (the web page's offline world map) from Natural Earth's 1:110m countries.

Natural Earth is public domain. The source shapefile ships inside the geopandas 0.14 wheel
(geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp); nothing else is needed:

    pip download --no-deps geopandas==0.14.4 -d /tmp/ne && cd /tmp/ne && unzip -q geopandas-*.whl
    python tools/make_world_svg.py \
        /tmp/ne/geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp

The output is equirectangular in plain degrees: viewBox "-180 -90 360 180", x = lon, y = -lat,
so the page can put a marker for (lat, lon) at (lon, -lat) with no projection code.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "services" / "search" / "static" / "world.svg"
STEP = 0.35  # degrees: drop points closer than this to the previous kept one
MIN_RING_POINTS = 4


def rings(shp: bytes):  # noqa: ANN201
    """Yield each polygon ring of a polygon shapefile as a list of (lon, lat)."""
    pos = 100
    while pos < len(shp):
        _num, words = struct.unpack(">ii", shp[pos:pos + 8])
        content = shp[pos + 8:pos + 8 + words * 2]
        pos += 8 + words * 2
        (shape_type,) = struct.unpack("<i", content[:4])
        if shape_type != 5:
            continue
        num_parts, num_points = struct.unpack("<ii", content[36:44])
        parts = list(struct.unpack(f"<{num_parts}i", content[44:44 + 4 * num_parts])) + [num_points]
        base = 44 + 4 * num_parts
        pts = struct.unpack(f"<{2 * num_points}d", content[base:base + 16 * num_points])
        for a, b in zip(parts, parts[1:], strict=False):
            yield [(pts[2 * i], pts[2 * i + 1]) for i in range(a, b)]


def simplify(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    kept = [ring[0]]
    for lon, lat in ring[1:]:
        plon, plat = kept[-1]
        if abs(lon - plon) >= STEP or abs(lat - plat) >= STEP:
            kept.append((lon, lat))
    return kept


def fmt(v: float) -> str:
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def main(src: str) -> None:
    paths = []
    for ring in rings(Path(src).read_bytes()):
        pts = simplify(ring)
        if len(pts) < MIN_RING_POINTS:
            continue
        d = "M" + "L".join(f"{fmt(lon)} {fmt(-lat)}" for lon, lat in pts) + "Z"
        paths.append(d)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-180 -90 360 180" preserveAspectRatio="none">'
        "<!-- countries: Natural Earth 1:110m (public domain), equirectangular, x=lon y=-lat;"
        " made by make_world_svg.py -->"
        '<path fill="#d9dee4" stroke="#9aa5b1" stroke-width="0.25" stroke-linejoin="round" d="'
        + "".join(paths) + '"/></svg>\n'
    )
    OUT.write_text(svg, encoding="utf-8")
    print(f"{OUT}: {len(paths)} rings, {len(svg)} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
