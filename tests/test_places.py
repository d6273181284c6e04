"""Place extraction on fixture articles written for these tests (tests/fixtures/articles/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geo.articles import read_article
from geo.gazetteer import Place, load_gazetteer
from geo.model import validate_collection
from geo.places import extract_places, find_mentions, fuzzy_lookup

FIXTURES = Path(__file__).parent / "fixtures" / "articles"


@pytest.fixture(scope="module")
def patterns() -> dict[str, Any]:
    return extract_places(read_article(FIXTURES / "patterns.txt").text)


def _by_name(collection: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for feature in collection["features"]:
        for mention in feature["properties"]["mentions"]:
            out[mention["text"]] = feature
    return out


@pytest.mark.parametrize(
    ("mention", "kind", "place_id"),
    [
        ("Zarnavik", "height", "derived:zarnavik"),  # "the heights of X, Y" (names no gazetteer knows)
        ("Tulbar", "height", "derived:tulbar"),
        ("Karabakh ridge", "ridge", "curated:karabakh-ridge"),  # "X ridge"
        ("Lachin region", "district", "curated:lachin-district"),  # "the X region"
        ("Lachin corridor", "road", "curated:lachin-corridor"),  # "X corridor"
        ("Hadrut", "settlement", "curated:hadrut"),  # "village of X"
        ("Mirvala", "settlement", "derived:mirvala"),  # "X, Y and Z villages of <district>"
        ("Dostuk", "settlement", "derived:dostuk"),
        ("Parnek", "settlement", "derived:parnek"),
        ("Fuzuli district", "district", "curated:fuzuli-district"),
        ("lake Sev", "lake", "curated:lake-sev"),  # "lake X"
        ("line of contact", "border-area", "derived:line-of-contact"),
    ],
)
def test_each_place_pattern(patterns: dict[str, Any], mention: str, kind: str, place_id: str) -> None:
    feature = _by_name(patterns)[mention]
    assert feature["properties"]["kind"] == kind
    assert feature["properties"]["place_id"] == place_id


def test_unknown_names_are_placed_near_what_the_text_ties_them_to(patterns: dict[str, Any]) -> None:
    by_name = _by_name(patterns)
    ridge = by_name["Karabakh ridge"]
    height = by_name["Zarnavik"]["properties"]
    assert height["approximate"] is True and height["geo_precision"] >= 2
    assert height["uncertainty_km"] >= ridge["properties"]["uncertainty_km"]
    assert "Karabakh ridge" in height["citation"]
    village = by_name["Mirvala"]["properties"]
    assert village["geo_precision"] == 3  # only the district is known
    assert "Fuzuli District" in village["citation"]


def test_mentions_carry_text_offsets_and_sentence(patterns: dict[str, Any]) -> None:
    text = read_article(FIXTURES / "patterns.txt").text
    for feature in patterns["features"]:
        for m in feature["properties"]["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]
            assert m["text"] in m["sentence"]
            assert m["sentence"] in text


def test_one_feature_per_distinct_place(patterns: dict[str, Any]) -> None:
    ids = [f["properties"]["place_id"] for f in patterns["features"]]
    assert len(ids) == len(set(ids))
    validate_collection(patterns)


def test_metonyms_datelines_and_name_parts_are_not_places(patterns: dict[str, Any]) -> None:
    roles = {(m["text"], m["role"]) for m in patterns["not_places"]}
    assert ("YEREVAN", "dateline") in roles
    assert ("Baku", "metonym") in roles  # "Baku and Yerevan accused each other"
    assert ("Yerevan", "metonym") in roles
    assert ("Moscow", "metonym") in roles  # "Moscow said"
    assert ("Moscow", "non-location") in roles  # "Moscow time"
    assert ("Karabakh", "non-location") in roles  # a slogan
    names = {f["properties"]["name"] for f in patterns["features"]}
    assert "Baku" not in names and "Yerevan" not in names


def test_a_capital_as_a_destination_is_a_place(patterns: dict[str, Any]) -> None:
    moscow = [f for f in patterns["features"] if f["properties"]["name"] == "Moscow"]
    assert len(moscow) == 1
    (mention,) = moscow[0]["properties"]["mentions"]
    assert "flew to Moscow" in mention["sentence"]


@pytest.mark.parametrize(
    ("sentence", "name", "role"),
    [
        ("Armenia called on Russia to act.", "Armenia", "actor"),
        ("Azerbaijan's Defence Ministry issued a statement.", "Azerbaijan", "actor"),
        ("Rockets were fired from Armenia at the town.", "Armenia", "location"),
        ("Shells landed on Armenia's territory overnight.", "Armenia", "location"),
        ("The Republic of Armenia signed the paper.", "Republic of Armenia", "actor"),
        ("The convoy drove to Baku.", "Baku", "location"),
        ("Baku confirmed the report.", "Baku", "metonym"),
    ],
)
def test_roles_in_context(sentence: str, name: str, role: str) -> None:
    mentions = {m.text: m.role for m in find_mentions(sentence)}
    assert mentions[name] == role


def test_misspelled_name_one_letter_off_is_found() -> None:
    gz = load_gazetteer()
    assert any(p.place_id == "curated:martakert" for p in fuzzy_lookup(gz, "Marakert"))
    assert fuzzy_lookup(gz, "Armenian") == []  # a demonym, not a misspelling
    found = extract_places("Troops entered Kalabajar at dawn.")
    assert any("Kalbajar" in f["properties"]["name"] for f in found["features"])


def test_person_names_do_not_drift_into_places() -> None:
    assert extract_places("A report by Sabina Mammadli was published.")["features"] == []


def test_geocoder_is_asked_only_for_names_the_gazetteer_lacks() -> None:
    asked: list[tuple[str, str | None]] = []

    class Local:
        def geocode(self, name: str, *, kind: str | None = None) -> Place | None:
            asked.append((name, kind))
            return Place("test:qozlu", "Qozlu", "settlement", {"type": "Point", "coordinates": [46.5, 39.6]},
                         1, 1.0, "test:qozlu")

    found = extract_places("Troops entered the village of Qozlu and the town of Goris.", geocoder=Local())
    assert asked == [("Qozlu", "settlement")]
    assert {f["properties"]["place_id"] for f in found["features"]} >= {"test:qozlu"}


@pytest.mark.parametrize("text", ["", "   ", "Nothing here names a place at all.", "!!! ???"])
def test_no_places(text: str) -> None:
    found = extract_places(text)
    assert found["features"] == []
    validate_collection(found)


def test_unknown_name_far_from_any_anchor_is_coarse() -> None:
    found = extract_places("Shelling hit Goris on Monday. Later a bridge on the Zorbek river was damaged.")
    (river,) = [f["properties"] for f in found["features"] if f["properties"]["kind"] == "river"]
    assert river["place_id"] == "derived:zorbek-river"
    assert river["geo_precision"] == 3 and river["uncertainty_km"] >= 50
    assert "far from certain" in river["citation"]


def test_places_outside_the_region_never_anchor_unknown_names() -> None:
    found = extract_places("Talks were held in Tbilisi. Later a bridge on the Zorbek river was damaged.")
    assert not [f for f in found["features"] if f["properties"]["kind"] == "river"]
    assert [u["text"] for u in found["unlocated"]] == ["Zorbek river"]
