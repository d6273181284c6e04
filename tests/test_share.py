"""The view <-> query parameters: round trips, and every bad parameter dropped with a note."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.share import Bounds, ViewState, from_query_params, share_url, to_query_params

D = dt.date
BOUNDS = Bounds(
    date_min=D(2022, 9, 13),
    date_max=D(2023, 9, 30),
    event_types=frozenset({"Battles", "Protests", "Explosions/Remote violence"}),
    actors=frozenset({"Military Forces of Azerbaijan", "Protesters (Armenia)"}),
    places=frozenset({"Stepanakert", "Lachin corridor"}),
    ids=frozenset({"abc-1@geonames:1"}),
)

ROUND_TRIPS = [
    ViewState(),
    ViewState(start=D(2023, 1, 1), end=D(2023, 2, 1)),
    ViewState(event_types=("Battles", "Explosions/Remote violence"), actors=("Protesters (Armenia)",)),
    ViewState(places=("Lachin corridor",), query="checkpoint & road", precise_only=True),
    ViewState(selected_id="abc-1@geonames:1", lat=39.81528, lon=46.75194, zoom=11, basemap="osm"),
]


@pytest.mark.parametrize("state", ROUND_TRIPS)
def test_round_trip(state: ViewState) -> None:
    params = to_query_params(state)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    back, notes = from_query_params(params, bounds=BOUNDS)
    assert notes == []
    assert back == state


def test_default_view_has_no_parameters() -> None:
    assert to_query_params(ViewState()) == {}
    assert from_query_params({}) == (ViewState(), [])


BAD = [
    ({"from": "yesterday"}, "not a date"),
    ({"from": "2023-13-01"}, "not a date"),
    ({"from": "2020-01-01"}, "outside the data"),
    ({"from": "2023-05-01", "to": "2023-01-01"}, "ends before it starts"),
    ({"type": "Battles|Riots"}, "not in the data"),
    ({"actor": "Nobody"}, "not in the data"),
    ({"place": "Atlantis"}, "not in the data"),
    ({"q": "x" * 10_000}, "10,000 characters"),
    ({"q": "x" * 500}, "at most 200"),
    ({"precise": "maybe"}, "not 1 or 0"),
    ({"event": "nope"}, "not in the data"),
    ({"lat": "91", "lon": "46"}, "outside -90..90"),
    ({"lat": "nan", "lon": "46"}, "outside"),
    ({"lat": "39.8"}, "only one of"),
    ({"lat": "abc", "lon": "46"}, "not a number"),
    ({"zoom": "99"}, "outside 1..18"),
    ({"zoom": "7.5"}, "not a whole number"),
    ({"basemap": "google"}, "not one of"),
    ({"type": ["Battles", "Protests"]}, "2 times"),
    ({"utm_source": "x"}, "not known"),
    ({"type": "|".join(f"t{i}" for i in range(60))}, "at most 50"),
]


@pytest.mark.parametrize(("params", "fragment"), BAD)
def test_bad_parameter_is_dropped_with_a_note(params: dict[str, object], fragment: str) -> None:
    state, notes = from_query_params(params, bounds=BOUNDS)
    assert any(fragment in n for n in notes), notes
    assert len(notes) >= 1
    # What was bad did not make it into the view.
    assert state.query != params.get("q")
    assert state.zoom in (None,) and state.lat is None


def test_good_parameters_survive_bad_neighbours() -> None:
    state, notes = from_query_params({"type": "Battles|Riots", "from": "nope", "precise": "1"}, bounds=BOUNDS)
    assert state.event_types == ("Battles",)
    assert state.precise_only is True
    assert state.start is None
    assert len(notes) == 2


def test_streamlit_own_parameters_are_ignored_silently() -> None:
    assert from_query_params({"embed": "true", "embed_options": "light_theme"}) == (ViewState(), [])


def test_share_url() -> None:
    assert share_url("http://127.0.0.1:8501", ViewState()) == "http://127.0.0.1:8501/"
    link = share_url("https://x.streamlit.app/", ViewState(query="a&b", event_types=("Battles",)))
    assert link == "https://x.streamlit.app/?type=Battles&q=a%26b"


@given(st.dictionaries(st.sampled_from(["from", "to", "type", "q", "lat", "lon", "zoom", "event", "precise", "basemap", "x"]),
                       st.one_of(st.text(max_size=50), st.lists(st.text(max_size=20), max_size=3))))
def test_never_raises(params: dict[str, object]) -> None:
    state, notes = from_query_params(params, bounds=BOUNDS)
    assert isinstance(state, ViewState)
    assert all(isinstance(n, str) for n in notes)


def test_map_view_reads_only_a_valid_centre_and_zoom() -> None:
    from geo.share import map_view, map_view_text

    assert map_view_text("lat=39.81234&lon=46.75&zoom=10") == (39.81234, 46.75, 10)
    assert map_view_text("?lat=39.8&lon=46.7") == (39.8, 46.7, None)
    assert map_view_text("lat=91&lon=46.7&zoom=10") == (None, None, 10)
    assert map_view_text("lat=39.8&zoom=99") == (None, None, None)
    assert map_view_text("lat=NaN&lon=1e999&zoom=9.5") == (None, None, None)
    assert map_view_text("x" * 5000) == (None, None, None)
    assert map_view({"lat": ["39.8"], "lon": ["46.7"], "zoom": ["9"], "type": ["<script>"]}) == (39.8, 46.7, 9)
    assert map_view({"lat": ["39.8", "40"], "lon": ["46.7"]}) == (None, None, None)  # a repeated lat: no centre
