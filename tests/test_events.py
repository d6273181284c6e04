"""Event extraction on a fixture article written for these tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geo.articles import article_id, normalise_text, read_article
from geo.errors import ArticleError
from geo.events import actors_in, classify, extract_events, fatalities_in
from geo.model import validate_collection

FIXTURES = Path(__file__).parent / "fixtures" / "articles"


@pytest.fixture(scope="module")
def story() -> dict[str, Any]:
    text = read_article(FIXTURES / "story.txt").text
    return extract_events(text, published="2022-03-05", title="Farmers return", url="https://example.org/s",
                          outlet="Test Wire")


def _events(collection: dict[str, Any]) -> list[dict[str, Any]]:
    return [f["properties"] for f in collection["features"]]


def test_shelling_with_deaths(story: dict[str, Any]) -> None:
    (shell,) = [e for e in _events(story) if e["sub_event_type"] == "Shelling/artillery/missile attack"]
    assert shell["event_type"] == "Explosions/Remote violence"
    assert shell["place"] == "Jermuk" and shell["mention"] == "Jermuk"
    assert (shell["date_start"], shell["date_end"], shell["time_precision"]) == ("2022-03-02", "2022-03-02", "day")
    assert shell["fatalities"] == 2
    assert shell["quote"] == "On March 2, an artillery shell hit a barn near Jermuk and two farmers were killed."


def test_the_next_day_counts_from_the_last_date(story: dict[str, Any]) -> None:
    (call,) = [e for e in _events(story) if e["sub_event_type"] == "Diplomatic call"]
    assert call["date_start"] == "2022-03-03"


def test_recent_month_day_is_not_pulled_into_an_older_story_year(story: dict[str, Any]) -> None:
    assert not [e for e in _events(story) if e["quote"].startswith("On March 2") and e["date_start"] < "2022"]


def test_headline_is_not_an_event(story: dict[str, Any]) -> None:
    assert not [e for e in _events(story) if e["quote"] == "Farmers return to the valley"]


def test_ids_and_source(story: dict[str, Any]) -> None:
    aid = article_id(read_article(FIXTURES / "story.txt").text)
    for feature in story["features"]:
        p = feature["properties"]
        assert p["event_id"].startswith(f"{aid}-")
        assert feature["id"] == f"{p['event_id']}@{p['place_id']}"
        assert p["source"] == {"title": "Farmers return", "url": "https://example.org/s", "outlet": "Test Wire",
                               "published": "2022-03-05"}
    validate_collection(story)


def test_one_feature_per_event_and_place() -> None:
    text = "On May 3 artillery shelled Goris and Jermuk, the ministry said."
    features = extract_events(text, published="2022-05-04")["features"]
    assert {f["properties"]["place"] for f in features} == {"Goris", "Jermuk"}
    assert len({f["properties"]["event_id"] for f in features}) == 1
    assert normalise_text(text)  # sanity


def test_a_sentence_with_two_deadlines_gives_two_events() -> None:
    text = ("The side returns the Kalbajar region to the Republic of Azerbaijan by 15 November 2020, "
            "and the Lachin region by 1 December 2020.")
    events = _events(extract_events(text, published="2020-11-10"))
    dates = {e["mention"]: e["date_end"] for e in events}
    assert dates == {"Kalbajar region": "2020-11-15", "Lachin region": "2020-12-01"}
    assert {e["sub_event_type"] for e in events} == {"Non-violent transfer of territory"}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Heavy fighting broke out near the village.", ("Battles", "Armed clash")),
        ("Rockets hit the town overnight.", ("Explosions/Remote violence", "Shelling/artillery/missile attack")),
        ("The army took control of the heights.", ("Battles", "Government regains territory")),
        ("The district was handed over to the other side.", ("Strategic developments", "Non-violent transfer of territory")),
        ("Peacekeepers were deployed along the road.", ("Strategic developments", "Headquarters or base established")),
        ("The two leaders signed a truce.", ("Strategic developments", "Agreement")),
        ("The minister called for de-escalation.", ("Strategic developments", "Diplomatic call")),
        ("Each side accused the other of lying.", ("Strategic developments", "Accusation")),
        ("The region declared independence in 1991.", ("Strategic developments", "Declaration of independence")),
        ("Students held a protest outside the office.", ("Protests", "Peaceful protest")),
        ("The ministry has not ensured the withdrawal of troops.", None),
        ("The weather was mild.", None),
    ],
)
def test_classify(sentence: str, expected: tuple[str, str] | None) -> None:
    assert classify(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "count"),
    [
        ("An officer was killed by a sniper.", 1),
        ("Nine civilians, four of them women, were killed.", 9),
        ("The toll has risen to 12 after the strike killed more people.", 12),
        ("On August 3 a soldier was killed.", 1),
        ("The village was shelled.", None),
    ],
)
def test_fatalities(sentence: str, count: int | None) -> None:
    assert fatalities_in(sentence) == count


def test_actors() -> None:
    assert actors_in("Azerbaijani forces and Russian peacekeepers met.") == [
        "Military Forces of Azerbaijan", "Russian peacekeepers"]


def test_bad_publication_date() -> None:
    with pytest.raises(ArticleError, match="YYYY-MM-DD"):
        extract_events("Shelling hit Goris.", published="last Friday")


def test_no_events() -> None:
    found = extract_events("The weather in Goris was mild.", published="2022-01-01")
    assert found["features"] == []


def test_a_headline_ending_in_a_quotation_is_still_a_headline() -> None:
    text = 'Rockets hit Goris, officials say it was "a mistake"\n\nOn May 3 rockets hit Goris.\n'
    events = _events(extract_events(text, published="2022-05-04"))
    assert [e["quote"] for e in events] == ["On May 3 rockets hit Goris."]
