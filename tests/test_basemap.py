"""The offline basemap's precomputed names (data/basemap/labels.json) against the gazetteer."""

from __future__ import annotations

from pathlib import Path

from geo import basemap


def test_labels_file_is_up_to_date() -> None:
    found, named = basemap.compute_base_labels()
    saved, saved_named = basemap.base_labels()
    assert list(saved) == found, "data/basemap/labels.json is stale: run `python -m geo.basemap`"
    assert saved_named == frozenset(named)
    assert {"Stepanakert / Khankendi", "Lachin / Berdzor", "Goris", "ARMENIA", "AZERBAIJAN"} <= {lb.text for lb in saved}


def test_without_the_file_the_names_are_computed(tmp_path: Path) -> None:
    for name in (basemap.COUNTRIES_FILE, basemap.REGION_FILE):
        (tmp_path / name).write_bytes((basemap.BASEMAP_DIR / name).read_bytes())
    assert not (tmp_path / basemap.LABELS_FILE).exists()
    assert basemap.base_labels(tmp_path)[0] == basemap.base_labels()[0]
    written = basemap.write_base_labels(tmp_path)
    assert written.read_text(encoding="utf-8") == (basemap.BASEMAP_DIR / basemap.LABELS_FILE).read_text(encoding="utf-8")


def test_event_places_are_added_once_and_after_the_named_towns() -> None:
    goris = "geonames:174895"
    out = basemap.labels([(goris, 39.5, 46.3, "Goris again"), ("derived:x", 39.9, 46.1, "Hill X"),
                          ("derived:x", 39.9, 46.1, "Hill X"), ("derived:y", 39.0, 46.0, "")])
    texts = [lb.text for lb in out]
    assert "Goris again" not in texts  # the gazetteer's Goris is named already
    assert texts.count("Hill X") == 1
    assert out[texts.index("Hill X")].tier == 4 and out[texts.index("Hill X")].kind == "place"
    assert "" not in texts
    assert [lb.tier for lb in out] == sorted(lb.tier for lb in out)
