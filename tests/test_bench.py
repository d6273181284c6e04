"""Smoke tests of the benchmark (``python -m geo.bench``) at a tiny size.

No timing assertions: the machines are shared and noisy. These only make sure that the
benchmark still runs end to end and prints every row with sane (positive) numbers.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from geo import bench
from geo.model import validate_collection

TINY = 20


def test_synthetic_events_are_valid_and_varied() -> None:
    events = bench.synthetic_events(300, seed=1)
    validate_collection(events, source="synthetic")
    features = events["features"]
    assert len(features) == 300
    props = [f["properties"] for f in features]
    assert len({p["event_type"] for p in props}) >= 4
    assert len({p["sub_event_type"] for p in props}) >= 8
    assert {f["geometry"]["type"] for f in features} >= {"Point", "LineString", "Polygon"}
    shared = Counter(p["event_id"] for p in props)
    assert max(shared.values()) >= 2, "some events should happen at several places"
    assert any(p["date_start"] != p["date_end"] for p in props)
    for f in features:
        if f["geometry"]["type"] == "Point":
            lon, lat = f["geometry"]["coordinates"]
            assert bench.REGION_LON[0] <= lon <= bench.REGION_LON[1]
            assert bench.REGION_LAT[0] <= lat <= bench.REGION_LAT[1]
    assert all(40 <= len(p["summary"]) <= 400 and len(p["quote"]) >= 40 for p in props)


def test_synthetic_events_are_deterministic() -> None:
    assert bench.synthetic_events(50, seed=3) == bench.synthetic_events(50, seed=3)


@pytest.mark.parametrize(
    ("figure", "size", "value", "expected"),
    [
        (bench.MAP_S, 10000, 0.2, "PASS"),
        (bench.MAP_S, 10000, 0.31, "FAIL"),
        (bench.RATIO, 10000, 30.0, "PASS"),
        (bench.RATIO, 10000, 29.9, "FAIL"),
        (bench.EXTRACT, None, 25.0, "PASS"),
        (bench.MAP_S, 1000, 9.0, ""),  # no target at this size
        (bench.MAP_S, 10000, None, ""),  # not measured
    ],
)
def test_row_status(figure: str, size: int | None, value: float | None, expected: str) -> None:
    assert bench.Row(figure, size, value, "s").status == expected


def test_format_table_empty_and_ordered() -> None:
    assert bench.format_table([], repeat=1).count("\n") == 1  # header and rule only
    rows = [bench.Row(bench.GEOCODE, None, 1e5, "look-ups/s"), bench.Row(bench.MAP_S, 10000, 0.1, "s")]
    table = bench.format_table(rows, repeat=1)
    assert table.index(bench.MAP_S) < table.index(bench.GEOCODE)
    assert "<= 0.3" in table and "PASS" in table


def test_bench_runs_end_to_end_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for module in ("geo.mapview", "geo.events", "geo.gazetteer", "geo.geocoding"):
        pytest.importorskip(module)
    if not bench.APP_PATH.exists():
        pytest.skip("app.py is not there yet")
    out = tmp_path / "bench.md"
    bench.main(["--sizes", str(TINY), "--repeat", "1", "--skip-browser", "--out", str(out)])
    printed = capsys.readouterr().out
    table = out.read_text(encoding="utf-8")
    assert table.strip() in printed
    expected = [
        bench.MAP_S, bench.MAP_B, bench.BASE_S, bench.BASE_B, bench.RATIO, bench.APP_FIRST, bench.APP_SLIDER,
        bench.BUNDLED_COLD, bench.EXTRACT, bench.GAZ, bench.GEOCODE_GAZ, bench.GEOCODE,
    ]
    lines = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}
    for figure in expected:
        assert figure in lines, f"row {figure!r} is missing from the table:\n{table}"
        value = lines[figure].split("|")[3].strip().replace(",", "")
        assert value != "-", f"row {figure!r} was not measured:\n{lines[figure]}"
        assert float(value) > 0, f"row {figure!r} is not positive:\n{lines[figure]}"
