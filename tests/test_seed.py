"""The seed article (bundled copy in data/articles/) yields the events the product was built for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from geo.events import extract_events
from geo.model import validate_collection

DATA = Path(__file__).resolve().parents[1] / "data"
SEED_ID = "3ddc153753ba5df2"
SEED = DATA / "articles" / f"{SEED_ID}.txt"


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    collection = extract_events(
        SEED.read_text(encoding="utf-8"), published="2022-08-05",
        title="US calls for de-escalation after fighting at the Lachin corridor",
        outlet="unknown (machine-translated from Russian)",
    )
    validate_collection(collection)
    return [f["properties"] for f in collection["features"]]


def _at(events: list[dict[str, Any]], place_id: str) -> list[dict[str, Any]]:
    return [e for e in events if e["place_id"] == place_id]


def test_fighting_at_the_lachin_corridor_on_3_august(events: list[dict[str, Any]]) -> None:
    found = _at(events, "curated:lachin-corridor")
    assert any(e["event_type"] == "Battles" and e["date_start"] == e["date_end"] == "2022-08-03" for e in found)


def test_soldier_killed_by_shelling_in_the_lachin_region_on_3_august(events: list[dict[str, Any]]) -> None:
    (shelling,) = [e for e in _at(events, "curated:lachin-district")
                   if e["sub_event_type"] == "Shelling/artillery/missile attack"]
    assert shelling["date_start"] == shelling["date_end"] == "2022-08-03"
    assert shelling["fatalities"] == 1
    assert shelling["mention"] == "Lachin region"


def test_operation_retribution_heights_are_approximate_and_share_one_event(events: list[dict[str, Any]]) -> None:
    heights = [e for e in events if e["place_id"] in ("curated:girkhgyz-height", "curated:sarybaba-height",
                                                       "curated:karabakh-ridge")]
    assert len(heights) == 3
    assert len({e["event_id"] for e in heights}) == 1
    for e in heights:
        assert e["date_start"] == "2022-08-03"
        assert e["geo_precision"] == 2 and e["approximate"] is True and e["uncertainty_km"] > 0
        assert "Operation Retribution" in e["quote"]


def test_us_calls_on_5_august(events: list[dict[str, Any]]) -> None:
    calls = [e for e in events if e["sub_event_type"] == "Diplomatic call"
             and "Government of the United States" in e["actors"]]
    assert calls
    assert all(e["date_start"] == "2022-08-05" for e in calls)


def test_the_2020_war_is_dated_from_its_context(events: list[dict[str, Any]]) -> None:
    war = [e for e in events if e["quote"].startswith("From September 27 to November 9")]
    assert war and war[0]["date_start"] == "2020-09-27" and war[0]["date_end"] == "2020-11-09"


def test_no_event_dated_2021(events: list[dict[str, Any]]) -> None:
    assert not [e for e in events if "2021" in (e["date_start"][:4], e["date_end"][:4])]


def test_metonyms_are_never_event_places(events: list[dict[str, Any]]) -> None:
    assert not {e["place"] for e in events} & {"Baku", "Yerevan", "Moscow", "Washington"}


def test_every_feature_quotes_its_sentence_exactly(events: list[dict[str, Any]]) -> None:
    text = SEED.read_text(encoding="utf-8")
    for e in events:
        assert e["quote"] in text
        assert e["mention"] in text  # in the quote, or in the sentence before for "the region"
        assert e["source"]["published"] == "2022-08-05"


def test_bundled_data_holds_the_seed() -> None:
    meta = json.loads((DATA / "articles" / f"{SEED_ID}.json").read_text(encoding="utf-8"))
    assert meta["published"] == "2022-08-05"
    stored = json.loads((DATA / "events.geojson").read_text(encoding="utf-8"))
    validate_collection(stored)
    assert any(f["properties"]["article_id"] == SEED_ID for f in stored["features"])
