"""The evaluation: distances, matching, and a tiny corpus written for the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.evaluate import (
    compare_dateparser,
    distance_to_geometry_km,
    evaluate,
    form_key,
    haversine_km,
    main,
    report,
)


def test_haversine() -> None:
    assert haversine_km((46.0, 40.0), (46.0, 40.0)) == 0
    assert 110 < haversine_km((46.0, 40.0), (46.0, 41.0)) < 112


def test_distance_to_lines_and_polygons() -> None:
    line = {"type": "LineString", "coordinates": [[46.0, 40.0], [47.0, 40.0]]}
    assert distance_to_geometry_km((46.5, 40.0), line) < 0.01
    assert 10 < distance_to_geometry_km((46.5, 40.1), line) < 12
    square = {"type": "Polygon", "coordinates": [[[46, 39], [47, 39], [47, 40], [46, 40], [46, 39]]]}
    assert distance_to_geometry_km((46.5, 39.5), square) == 0
    assert distance_to_geometry_km((48.0, 39.5), square) > 80


def test_form_key_ignores_generic_words() -> None:
    assert form_key("Syunik region") == form_key("Syunik")
    assert form_key("Lachin corridor") != form_key("Lachin")


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    (tmp_path / "01_test.txt").write_text(
        "SOURCE: https://example.org/1 | PUBLISHED: 2022-03-05\nFORM: written for the test\n\n"
        "On March 2 artillery shelled Goris. Baku denied it.\n",
        encoding="utf-8",
    )
    gold = {
        "01_test.txt": {
            "source": "https://example.org/1",
            "published": "2022-03-05",
            "events": [{"date_start": "2022-03-02", "date_end": "2022-03-02", "summary": "shelling",
                        "places": ["Goris"]}],
            "places": [
                {"mention": "Goris", "kind": "settlement", "lat": 39.50778, "lon": 46.33861, "role": "event"},
                {"mention": "Baku", "kind": "settlement", "lat": 40.37767, "lon": 49.89201, "role": "metonym"},
                {"mention": "Kapan", "kind": "settlement", "lat": 39.2, "lon": 46.4, "role": "event"},
            ],
        }
    }
    (tmp_path / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    return tmp_path


def test_evaluate_tiny_corpus(corpus: Path) -> None:
    (score,) = evaluate(corpus)
    assert (score.found, score.gold_places) == (1, 2)  # Kapan is not in the text
    assert (score.correct_predictions, score.predicted) == (1, 1)  # Baku is a metonym, not predicted
    assert score.within == score.with_coords == 1
    assert (score.dates_ok, score.gold_events) == (1, 1)
    assert "OVERALL" in report([score])


def test_cli(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(corpus), "-v"]) == 0
    out = capsys.readouterr().out
    assert "place recall 1/2" in out and "missed: Kapan" in out
    assert main([str(corpus / "nowhere")]) == 1


def test_dateparser_comparison_runs() -> None:
    out = compare_dateparser()
    assert "geo.dates" in out and "dateparser" in out.splitlines()[-1]
