"""The map builder: rendered HTML, escaping, local assets only, payload shape and size."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import folium
import pytest

from geo import assets, mapview
from geo.filters import event_features
from geo.mapview import (
    build_base_map,
    build_events_layer,
    build_map,
    date_words,
    esc,
    events_payload,
    precision_words,
    render_html,
    safe_url,
    script_json,
    type_color,
)
from geo.share import ViewState

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = ["<img src=x onerror=alert(1)>", "<script>alert('quote')</script>", "<script>alert('title')</script>", "<b>Bad Outlet</b>"]


@pytest.fixture(scope="module")
def collections() -> tuple[dict[str, Any], dict[str, Any]]:
    events = json.loads((FIXTURES / "events_sample.geojson").read_text())
    places = json.loads((FIXTURES / "places_sample.geojson").read_text())
    return events, places


@pytest.fixture(scope="module")
def page(collections: tuple[dict[str, Any], dict[str, Any]]) -> str:
    events, places = collections
    return render_html(build_map(events, places, ViewState()))


def test_map_is_a_folium_map(collections: tuple[dict[str, Any], dict[str, Any]]) -> None:
    events, places = collections
    assert isinstance(build_map(events, places, ViewState()), folium.Map)


def test_hostile_text_never_appears_raw(page: str) -> None:
    for text in HOSTILE:
        assert text not in page
    # ...but it is there, as data the browser escapes on display.
    assert "onerror=alert(1)" in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    assert "javascript:" not in page
    # one <script> per script element we expect, none from the data
    assert page.count("<script>alert") == 0


def test_no_cdn_or_remote_asset(page: str) -> None:
    links = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert links, "the page must reference Leaflet"
    assert all(link.startswith(assets.IFRAME_BASE) for link in links), links
    for host in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "bootstrapcdn", "unpkg.com", "d3js.org"):
        assert host not in page
    assert "jquery" not in page.lower()
    assert "bootstrap" not in page.lower()
    assert "tile.openstreetmap.org" in page  # the optional online basemap is listed ...
    assert re.search(r"L\.tileLayer\(", page)  # ... as a layer the user can switch to


def test_offline_basemap_is_the_default_and_osm_is_optional(collections: tuple[dict[str, Any], dict[str, Any]]) -> None:
    events, places = collections
    offline = render_html(build_map(events, places, ViewState()))
    assert "background:#dfe8ee" in offline
    assert "Azerbaijan" in offline  # the country borders are embedded
    online = render_html(build_map(events, places, ViewState(), basemap="osm"))
    assert "background:#dfe8ee" not in online
    with pytest.raises(ValueError, match="basemap"):
        build_base_map(places, ViewState(), basemap_name="google")


def test_assets_exist_in_the_installed_packages(tmp_path: Path) -> None:
    vendor = assets.install_vendor(tmp_path)
    for asset in (assets.LEAFLET_JS, assets.LEAFLET_CSS, assets.CLUSTER_JS, assets.CLUSTER_CSS, assets.CLUSTER_DEFAULT_CSS):
        assert (vendor / asset.package / asset.path).stat().st_size > 500
    assert (vendor / "leaflet" / "images" / "layers.png").exists()
    assert assets.install_vendor(tmp_path) == vendor  # idempotent


def test_payload_shape(collections: tuple[dict[str, Any], dict[str, Any]]) -> None:
    events = event_features(collections[0])
    selected = events[3]["id"]
    payload = events_payload(events, selected_id=selected)
    assert len(payload["e"]) == len(events) * payload["w"] == len(events) * len(mapview.ROW_FIELDS)
    assert payload["sel"] == 3
    assert payload["s"][0] == ""
    assert set(payload["t"]) == {f["properties"]["event_type"] for f in events}
    assert payload["c"] == [type_color(t) for t in payload["t"]]
    # an article with a javascript: URL keeps its title but loses the link
    urls = {payload["s"][a[1]] for a in payload["a"]}
    assert "" in urls and not any(u.startswith("javascript") for u in urls)
    # places are drawn once each; the line's event sits on the line's middle vertex
    lats = {(p[0], p[1]) for p in payload["p"]}
    assert (39.64083, 46.54694) in lats


def test_long_text_is_clipped_in_the_map_only(collections: tuple[dict[str, Any], dict[str, Any]]) -> None:
    feature = json.loads(json.dumps(event_features(collections[0])[0]))
    feature["properties"]["summary"] = "word " * 200
    payload = events_payload([feature])
    longest = max(len(s) for s in payload["s"])
    assert longest <= max(mapview.SUMMARY_MAX, mapview.QUOTE_MAX)
    assert any(s.endswith("\u2026") for s in payload["s"])


def test_events_layer_alone_and_selection(collections: tuple[dict[str, Any], dict[str, Any]]) -> None:
    events = event_features(collections[0])
    group = build_events_layer(events, selected_id=events[0]["id"], fit=False)
    assert isinstance(group, folium.FeatureGroup)
    m, _control = build_base_map(collections[1], ViewState(), all_events=events)
    group.add_to(m)
    html = render_html(m)
    assert "window.geoEv.build(" in html
    assert "window.geoEv.fit(" not in html
    assert "window.geoEv.openSelected(" in html


def test_empty_map() -> None:
    html = render_html(build_map({"type": "FeatureCollection", "features": []}, None, ViewState()))
    assert "window.geoEv.build(" in html


def test_view_centre_is_used(collections: tuple[dict[str, Any], dict[str, Any]]) -> None:
    events, places = collections
    html = render_html(build_map(events, places, ViewState(lat=39.5, lon=46.3, zoom=12)))
    assert "[39.5, 46.3]" in html
    assert '"zoom": 12' in html
    assert "fitBounds" not in html.split("window.geoEv = ")[0]


def test_bytes_per_event_stay_small(collections: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """With summaries and quotes at the clip length, an event costs at most ~250 bytes of page."""
    base = event_features(collections[0])
    many = []
    for i in range(2000):
        f = json.loads(json.dumps(base[i % len(base)]))
        f["id"] = f"e{i}"
        f["properties"]["summary"] = f"Summary {i} " + "s" * 80
        f["properties"]["quote"] = f"Quote {i} " + "q" * 80
        many.append(f)
    empty = len(render_html(build_map([], None, ViewState())))
    full = len(render_html(build_map(many, None, ViewState())))
    assert (full - empty) / len(many) <= 250


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&c=2"),
        ("http://example.org", "http://example.org"),
        ("  HTTPS://Example.org/x  ", "HTTPS://Example.org/x"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//example.org", None),
        ("ftp://example.org", None),
        ('https://example.org/"onmouseover="alert(1)', None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_safe_url(url: object, expected: str | None) -> None:
    assert safe_url(url) == expected


@pytest.mark.parametrize(
    ("precision", "km", "kind", "words"),
    [
        (1, 0, "settlement", "exact location"),
        (1, 1, "settlement", "exact location (within ~1 km)"),
        (2, 5, "height", "approximate: within ~5 km"),
        (2, 2, "road", "along the road: within ~2 km"),
        (2, 0, None, "approximate"),
        (3, 25, "district", "only the larger region is known: within ~25 km"),
    ],
)
def test_precision_words(precision: int, km: float, kind: str | None, words: str) -> None:
    assert precision_words(precision, km, kind) == words


def test_small_helpers() -> None:
    assert esc("<a href='x'>&</a>") == "&lt;a href=&#x27;x&#x27;&gt;&amp;&lt;/a&gt;"
    assert esc(None) == ""
    assert date_words("2023-01-01", "2023-01-01") == "2023-01-01"
    assert date_words("2023-01-01", "2023-01-08") == "2023-01-01 to 2023-01-08"
    assert type_color("Battles") == mapview.PALETTE["Battles"]
    assert type_color("Something else") == mapview.OTHER_COLOR
    assert script_json({"a": "</script><script>alert(1)</script>&"}) == (
        '{"a":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\\u0026"}'
    )
    assert json.loads(script_json({"a": "<&>"})) == {"a": "<&>"}


def test_many_events_are_grouped_by_place(collections: tuple[dict[str, Any], dict[str, Any]]) -> None:
    events = event_features(collections[0])
    payload = mapview.aggregate_payload(events)
    assert payload["n"] == len(events)
    assert sum(g[2] for g in payload["g"]) == len(events)
    assert len(payload["g"]) == len({f["properties"]["place_id"] for f in events})
    stepanakert = next(g for g in payload["g"] if payload["s"][g[4]] == "Stepanakert")
    assert stepanakert[2] == 4
    assert len(stepanakert[9]) == mapview.AGGREGATE_RECENT
    assert payload["s"][stepanakert[9][0][0]] == "2023-09-28"  # the most recent first
    m, _control = build_base_map(collections[1], ViewState(), all_events=events)
    build_events_layer(events, aggregate_above=5).add_to(m)
    html = render_html(m)
    assert "window.geoEv.buildAggregate(" in html
    for text in HOSTILE:
        assert text not in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[click](javascript:alert(1))", "\\[click\\]\\(javascript\\:alert\\(1\\)\\)"),
        ("<b>x</b>", "\\<b\\>x\\</b\\>"),
        ("**bold** a_b `code`", "\\*\\*bold\\*\\* a\\_b \\`code\\`"),
        ("plain words", "plain words"),
        (None, ""),
    ],
)
def test_markdown_escape(text: object, expected: str) -> None:
    assert mapview.markdown_escape(text) == expected


# ---------------------------------------------------------------- place names, circles, view sync


def test_offline_map_names_the_region(page: str) -> None:
    rows = mapview.label_rows([])
    names = [r[2] for r in rows]
    for name in ("Stepanakert / Khankendi", "Shusha / Shushi", "Lachin / Berdzor", "Goris", "Kapan", "Jermuk",
                 "Kalbajar", "Aghdam", "Hadrut", "Yerevan", "Baku", "Ganja", "ARMENIA", "AZERBAIJAN", "IRAN",
                 "GEORGIA", "TURKEY", "Nagorno-Karabakh"):
        assert name in names, name
    # most important first: countries, then capitals, then the region's towns
    assert names.index("ARMENIA") < names.index("Yerevan") < names.index("Stepanakert / Khankendi") < names.index("Jermuk")
    # quarters of Yerevan are not towns on the map
    assert "Kentron" not in names and "Arabkir" not in names
    assert '"geoLabels"' in page


def test_labels_include_the_events_places_and_are_text_only(collections: tuple[dict[str, Any], dict[str, Any]]) -> None:
    events = event_features(collections[0])
    hostile = json.loads(json.dumps(events[0]))
    hostile["properties"].update(place_id="curated:x", place="<img src=x onerror=alert(1)>", kind="settlement")
    hostile["geometry"] = {"type": "Point", "coordinates": [46.5, 39.5]}
    rows = mapview.label_rows([*events, hostile])
    names = {r[2] for r in rows}
    assert "Sarybaba heights" in names or any("Sarybaba" in n for n in names)
    html_page = render_html(build_map([*events, hostile], None, ViewState()))
    assert "<img src=x onerror=alert(1)>" not in html_page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html_page
    assert "span.textContent = r[2]" in html_page  # set as text in the browser, never as HTML


def test_no_uncertainty_circle_for_a_whole_region() -> None:
    def place(pid: str, precision: int, km: float) -> dict[str, Any]:
        return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [46.7, 39.8]},
                "properties": {"place_id": pid, "name": pid, "kind": "settlement", "geo_precision": precision,
                               "uncertainty_km": km}}

    data = mapview.place_layers_data({"features": [place("near", 2, 8), place("country", 3, 166), place("wide", 2, 45)]})
    assert [f["properties"]["n"] for f in data["features"]] == ["near"]
    assert mapview.events_payload([])["mc"] == mapview.MAX_CIRCLE_KM <= 30
    assert mapview.precision_words(3, 166).startswith("only the larger region is known")


def test_fit_shows_the_region_not_a_close_up(collections: tuple[dict[str, Any], dict[str, Any]]) -> None:
    events = event_features(collections[0])
    page = render_html(build_map(events, None, ViewState()))
    assert f'"maxZoom": {mapview.FIT_MAX_ZOOM}' in page  # the base map's fit to all the events
    assert "window.geoEv.fit(" in page and f", {mapview.FIT_MAX_ZOOM});" in page  # the filtered events' fit
    assert 9 <= mapview.FIT_MAX_ZOOM <= 10 < mapview.SELECT_ZOOM


def test_map_writes_its_view_into_the_page_url(page: str) -> None:
    m, _ = build_base_map(None, ViewState(), sync_view=True)  # as the dashboard builds it
    synced = render_html(m)
    # the names are the share link's own, and the app's hidden input is named
    assert '["lat","lon","zoom"]' in synced
    assert f'"{mapview.VIEW_SINK_KEY}"' in synced
    assert "history.replaceState" in synced and "moveend" in synced
    assert "geoViewSync" not in page  # other maps (the article preview) leave the URL alone


def test_the_events_table_can_be_fetched_from_a_static_file(
        tmp_path: Path, collections: tuple[dict[str, Any], dict[str, Any]]) -> None:
    events = event_features(collections[0])
    payload = mapview.layer_payload(events)
    url = assets.publish_layer(tmp_path, payload.digest, payload.json)
    assert url == f"{assets.LAYERS_IFRAME_BASE}/{payload.digest}.json"
    served = tmp_path / assets.LAYERS_SUBDIR / f"{payload.digest}.json"
    assert json.loads(served.read_text()) == json.loads(payload.json)
    m, _control = mapview.build_base_map(None, mapview.ViewState(), all_events=events)
    mapview.build_events_layer(events, payload=payload, payload_url=url).add_to(m)
    page = mapview.render_html(m)
    assert f'window.geoEv.load("{url}", "build"' in page
    assert payload.json not in page  # the page holds the URL, not the table
    assert "window.geoEv.fit(" in page and "window.geoEv.openSelected(g" in page


def test_published_tables_are_written_once_kept_while_used_and_pruned(tmp_path: Path) -> None:
    urls = [assets.publish_layer(tmp_path, f"{i:040x}", f"[{i}]", keep=3) for i in range(3)]
    folder = tmp_path / assets.LAYERS_SUBDIR
    first = folder / f"{0:040x}.json"
    os.utime(first, ns=(1, 1))  # long unused ...
    assert assets.publish_layer(tmp_path, f"{0:040x}", "ignored", keep=3) == urls[0]  # ... used again: touched
    assert first.read_text() == "[0]"  # a table is never rewritten under its name
    assets.publish_layer(tmp_path, f"{3:040x}", "[3]", keep=3)
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 3 and first.name in left and f"{1:040x}.json" not in left  # the oldest unused went
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_table_that_cannot_be_published_stays_in_the_page(tmp_path: Path) -> None:
    blocked = tmp_path / "app"
    blocked.mkdir()
    (blocked / "static").write_text("a file where the folder should be")
    assert assets.publish_layer(blocked, "ab" * 20, "[]") is None
    with pytest.raises(ValueError, match="digest"):
        assets.publish_layer(tmp_path, "../../etc/passwd", "[]")
