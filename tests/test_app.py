"""The dashboard through streamlit.testing.v1.AppTest, on tmp copies of the sample data."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SHOWN = re.compile(r"\*\*([\d,]+)\*\* of \*\*([\d,]+)\*\* event-places shown")
D = dt.date


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture()
def sample_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "events_sample.geojson", data / "events.geojson")
    shutil.copy(FIXTURES / "places_sample.geojson", data / "places.geojson")
    monkeypatch.setenv("GEO_DATA_DIR", str(data))
    return data


def app(params: dict[str, str | list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def shown(at: AppTest) -> tuple[int, int]:
    for md in at.markdown:
        match = SHOWN.search(md.value)
        if match:
            return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))
    raise AssertionError("no 'shown / total' count on the page")


def test_runs_on_the_sample(sample_dir: Path) -> None:
    at = app()
    assert not at.exception
    assert shown(at) == (14, 14)
    assert not at.error and not at.warning
    assert at.slider(key="f_window").value == (D(2022, 9, 13), D(2023, 9, 30))
    assert any("Share this view" in md.value for md in at.markdown)


@pytest.mark.parametrize("how", ["missing folder", "empty folder", "empty collection"])
def test_runs_without_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    data = tmp_path / "data"
    if how != "missing folder":
        data.mkdir()
    if how == "empty collection":
        (data / "events.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    monkeypatch.setenv("GEO_DATA_DIR", str(data))
    at = app()
    assert not at.exception
    assert shown(at) == (0, 0)
    assert any("No events yet" in i.value for i in at.info)


def test_broken_file_is_an_error_not_a_crash(sample_dir: Path) -> None:
    (sample_dir / "events.geojson").write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    at = app()
    assert not at.exception
    assert any("events could not be read" in e.value and "events\\.geojson" in e.value for e in at.error)
    assert shown(at) == (0, 0)


def test_event_type_filter(sample_dir: Path) -> None:
    at = app()
    at.multiselect(key="f_types").set_value(["Battles"]).run()
    assert shown(at) == (4, 14)
    assert at.query_params["type"] == "Battles"


def test_actor_filter(sample_dir: Path) -> None:
    at = app()
    at.multiselect(key="f_actors").set_value(["Protesters (Armenia)"]).run()
    assert shown(at) == (2, 14)


def test_place_filter(sample_dir: Path) -> None:
    at = app()
    at.multiselect(key="f_places").set_value(["Stepanakert"]).run()
    assert shown(at) == (4, 14)


def test_many_places_list_the_busiest_and_take_any_other_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.bench import synthetic_events, synthetic_places, write_data_dir
    from geo.filters import event_features, facets
    from geo.model import feature_collection

    places = synthetic_places(600, seed=3)
    events = synthetic_events(3000, seed=3, places=places)
    monkeypatch.setenv("GEO_DATA_DIR", str(write_data_dir(tmp_path / "data", events, feature_collection(places))))
    ranked = facets(event_features(events)).places
    assert len(ranked) > 300
    at = app()
    place = at.multiselect(key="f_places")
    assert place.options == [p for p, _ in ranked[:300]]  # the busiest, in that order
    rare, count = ranked[-1]
    place.set_value([rare.upper(), "Nowhere at all"]).run()  # typed: another case, and a name no event has
    assert at.multiselect(key="f_places").value == [rare]
    assert shown(at)[0] == count
    assert rare in at.multiselect(key="f_places").options  # chosen, so listed
    assert any("Nowhere at all" in w.value for w in at.warning)


def test_text_filter(sample_dir: Path) -> None:
    at = app()
    at.text_input(key="f_query").input("checkpoint").run()
    assert shown(at) == (1, 14)
    assert at.query_params["q"] == "checkpoint"


def test_precise_filter(sample_dir: Path) -> None:
    at = app()
    at.checkbox(key="f_precise").check().run()
    assert shown(at) == (9, 14)
    assert at.query_params["precise"] == "1"


def test_slider_changes_the_count(sample_dir: Path) -> None:
    at = app()
    at.slider(key="f_window").set_value((D(2023, 9, 19), D(2023, 9, 19))).run()
    assert shown(at) == (3, 14)
    assert at.query_params["from"] == "2023-09-19"
    assert at.query_params["to"] == "2023-09-19"


def test_step_moves_the_window(sample_dir: Path) -> None:
    at = app({"from": "2023-07-01", "to": "2023-07-10"})
    assert shown(at) == (2, 14)  # the blockade and the protest
    at.button(key="step").click().run()
    assert at.slider(key="f_window").value == (D(2023, 7, 10), D(2023, 7, 19))
    assert shown(at) == (2, 14)
    at.button(key="step").click().run()
    assert at.slider(key="f_window").value == (D(2023, 7, 19), D(2023, 7, 28))
    assert shown(at) == (1, 14)


def test_query_params_set_the_widgets(sample_dir: Path) -> None:
    at = app({"type": "Battles|Protests", "from": "2022-10-01", "q": "stepanakert", "precise": "1", "basemap": "osm"})
    assert not at.exception
    assert at.multiselect(key="f_types").value == ["Battles", "Protests"]
    assert at.slider(key="f_window").value == (D(2022, 10, 1), D(2023, 9, 30))
    assert at.text_input(key="f_query").value == "stepanakert"
    assert at.checkbox(key="f_precise").value is True
    assert at.radio(key="f_basemap").value == "osm"
    assert shown(at) == (1, 14)
    assert not at.warning


def test_selected_event_from_the_link(sample_dir: Path) -> None:
    event_id = "3c3c3c3c3c3c3c3c-1@curated:girkhgyz"
    at = app({"event": event_id})
    assert not at.exception
    texts = [t.value for t in at.text]
    assert "<img src=x onerror=alert(1)> Fighting on the heights of Girkhgyz & Sarybaba." in texts
    assert any("approximate: within ~8 km" in t for t in texts)
    assert any("link not shown" in t for t in texts)
    assert at.query_params["event"] == event_id


def test_bad_params_give_notes(sample_dir: Path) -> None:
    at = app({"from": "yesterday", "zoom": "99", "type": "Battles|Nope", "q": "x" * 10_000, "event": "missing"})
    assert not at.exception
    notes = " ".join(w.value for w in at.warning)
    for fragment in ("not a date", "outside 1\\.\\.18", "'Nope' is not in the data", "10,000 characters", "event 'missing'"):
        assert fragment in notes
    assert at.multiselect(key="f_types").value == ["Battles"]
    assert shown(at) == (4, 14)
    assert "zoom" not in at.query_params and "q" not in at.query_params


def test_repeated_param_gives_a_note(sample_dir: Path) -> None:
    at = app({"type": ["Battles", "Protests"]})
    assert not at.exception
    assert any("2 times" in w.value for w in at.warning)
    assert shown(at) == (14, 14)


def test_table_selection_shows_details(sample_dir: Path) -> None:
    at = app({"place": "Lachin corridor"})
    assert shown(at) == (1, 14)
    assert not any(t.value.startswith("Event id:") for t in at.text)
    at.session_state["selected_id"] = "2b2b2b2b2b2b2b2b-1@curated:lachin-corridor"
    at.run()
    texts = [t.value for t in at.text]
    assert "The Lachin corridor was blocked for weeks." in texts
    assert any(t.startswith("Precision: along the road") for t in texts)
    assert at.query_params["event"] == "2b2b2b2b2b2b2b2b-1@curated:lachin-corridor"


ARTICLE = (
    "Shelling in Stepanakert\n\n"
    "Azerbaijani forces shelled Stepanakert on Tuesday, killing two civilians, local officials said. "
    "Protesters gathered near the Lachin checkpoint on Monday."
)


def add_page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "1_Add_an_article.py"), default_timeout=120).run()


def test_add_an_article_preview_then_save(sample_dir: Path) -> None:
    page = add_page()
    assert not page.exception
    page.text_area(key="art_text").input(ARTICLE)
    page.date_input(key="art_published").set_value(D(2023, 9, 20))
    page.text_input(key="art_title").input("<script>alert(1)</script> Shelling")
    page.text_input(key="art_url").input("https://example.org/shelling")
    page.run()
    page.button(key="art_preview").click().run()
    assert not page.exception
    assert any("event-places found" in md.value for md in page.markdown)
    table = page.dataframe[0].value
    assert {"as written", "place", "source of the place", "precision"} <= set(table.columns)
    assert "Stepanakert" in set(table["as written"])
    before = (sample_dir / "events.geojson").read_text()
    page.button(key="art_save").click().run()
    assert not page.exception
    assert any("new event-places saved" in s.value for s in page.success)
    assert (sample_dir / "events.geojson").read_text() != before
    # The dashboard shows them.
    at = app()
    total = shown(at)[1]
    assert total > 14


def test_add_an_article_refuses_bad_input(sample_dir: Path) -> None:
    page = add_page()
    assert page.button(key="art_save").disabled
    page.text_input(key="art_url").input("javascript:alert(1)").run()
    assert any("not an http(s) address" in w.value for w in page.warning)


def test_runs_on_the_bundled_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("events.geojson", "places.geojson"):
        if (ROOT / "data" / name).exists():
            shutil.copy(ROOT / "data" / name, data / name)
    monkeypatch.setenv("GEO_DATA_DIR", str(data))
    at = app()
    assert not at.exception
    assert not at.error
    n, total = shown(at)
    assert n == total


def test_notes_show_link_text_as_written(sample_dir: Path) -> None:
    at = app({"place": "[click me](https://evil.example/)"})
    assert not at.exception
    notes = [w.value for w in at.warning]
    assert any("\\[click me\\]\\(https\\:" in n for n in notes), notes


def test_link_may_name_an_event_id(sample_dir: Path) -> None:
    at = app({"event": "2b2b2b2b2b2b2b2b-1"})
    assert not at.exception and not at.warning
    assert "The Lachin corridor was blocked for weeks." in [t.value for t in at.text]


def test_the_dashboard_is_named_dashboard(sample_dir: Path) -> None:
    source = (ROOT / "app.py").read_text()
    assert 'title="Dashboard"' in source and "st.navigation(" in source
    at = app()  # app.py stays the entry point: it runs the dashboard page by default
    assert not at.exception
    assert shown(at) == (14, 14)


def test_map_view_staged_by_the_map_goes_into_the_url(sample_dir: Path) -> None:
    at = app()
    assert "lat" not in at.query_params  # the first view fits the events
    # What the map's script does on a pan: stage the view in the hidden input (no rerun of its own).
    at.text_input(key="map_view").set_value("lat=39.81234&lon=46.75&zoom=10")
    at.run()
    assert (at.query_params["lat"], at.query_params["lon"], at.query_params["zoom"]) == ("39.81234", "46.75", "10")
    assert "lat=39.81234&lon=46.75&zoom=10" in next(t.value for t in at.text if "lat=" in t.value)
    # A filter change keeps the pan's centre and zoom.
    at.checkbox(key="f_precise").check().run()
    assert at.query_params["precise"] == "1"
    assert (at.query_params["lat"], at.query_params["lon"], at.query_params["zoom"]) == ("39.81234", "46.75", "10")
    # A staged value that is not a view is ignored, the last good one stays in the URL.
    at.text_input(key="map_view").set_value("lat=<script>&lon=999").run()
    assert not at.exception
    assert at.query_params["lat"] == "39.81234"


def test_link_centre_is_read_on_every_run(sample_dir: Path) -> None:
    at = app({"lat": "40.1", "lon": "46.2", "zoom": "8", "type": "Battles"})
    assert not at.warning
    at.multiselect(key="f_types").set_value(["Battles", "Protests"]).run()
    assert at.query_params["type"] == "Battles|Protests"
    assert (at.query_params["lat"], at.query_params["lon"], at.query_params["zoom"]) == ("40.1", "46.2", "8")
