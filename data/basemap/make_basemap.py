"""Rebuild ``caucasus_countries.geojson`` from the npm package ``world-atlas`` (Natural Earth 1:50m).

Usage (needs the npm client, not the network at run time of the app)::

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python data/basemap/make_basemap.py /tmp/package/countries-50m.json

Decodes the TopoJSON arcs, keeps the countries that touch the window, clips their polygons to it
(Sutherland-Hodgman) and rounds coordinates to 3 decimals (~100 m), enough for a backdrop.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

WINDOW = (38.0, 36.0, 52.0, 44.0)  # lon_min, lat_min, lon_max, lat_max
OUT = Path(__file__).resolve().parent / "caucasus_countries.geojson"


def decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Absolute [lon, lat] positions of every arc (delta-decoded, transformed)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], refs: list[int]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for ref in refs:
        pts = arcs[ref] if ref >= 0 else list(reversed(arcs[~ref]))
        out.extend(pts if not out else pts[1:])
    return out


def clip(poly: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sutherland-Hodgman clip of one ring to WINDOW."""
    x0, y0, x1, y1 = WINDOW
    edges = [
        (lambda p: p[0] >= x0, lambda a, b: _at_x(a, b, x0)),
        (lambda p: p[0] <= x1, lambda a, b: _at_x(a, b, x1)),
        (lambda p: p[1] >= y0, lambda a, b: _at_y(a, b, y0)),
        (lambda p: p[1] <= y1, lambda a, b: _at_y(a, b, y1)),
    ]
    pts = poly
    for inside, cut in edges:
        if not pts:
            break
        res = []
        prev = pts[-1]
        for cur in pts:
            if inside(cur):
                if not inside(prev):
                    res.append(cut(prev, cur))
                res.append(cur)
            elif inside(prev):
                res.append(cut(prev, cur))
            prev = cur
        pts = res
    return pts


def _at_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def main(src: str) -> None:
    topo = json.loads(Path(src).read_text())
    arcs = decode_arcs(topo)
    features = []
    for geom in topo["objects"]["countries"]["geometries"]:
        if geom.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        out_polys = []
        for poly in polys:
            rings = []
            for refs in poly:
                clipped = clip(ring(arcs, refs))
                if len(clipped) >= 3:
                    pts = [[round(x, 3), round(y, 3)] for x, y in clipped]
                    if pts[0] != pts[-1]:
                        pts.append(pts[0])
                    if len(pts) >= 4:
                        rings.append(pts)
            if rings:
                out_polys.append(rings)
        if out_polys:
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": geom["properties"]["name"]},
                    "geometry": {"type": "MultiPolygon", "coordinates": out_polys},
                }
            )
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")) + "\n")
    print(f"{OUT}: {len(features)} countries, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/package/countries-50m.json")
