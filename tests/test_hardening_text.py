"""Hardening against hostile articles, and two ingests at once.

Every hostile article (markup and event handlers, ``javascript:`` / ``data:`` source links, very
long lines, control characters, right-to-left marks, mixed scripts, a 10 MB article, binary
junk, cp1251 and UTF-16 files ...) either ingests into valid data or fails with a clear message
(a :class:`GeoError` or a failed :class:`IngestReport` entry) and leaves ``data/`` byte-identical.
What ingests is stored as data, never interpreted: the browser test shows the same articles in
the dashboard (``tests/browser/test_hostile_browser.py``).

Two ingests at once (``python -m geo ingest`` in a subprocess and ``ingest_text`` in this
process) never lose or duplicate an event.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hardening_tally import record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import store
from geo.errors import GeoError
from geo.events import extract_events
from geo.ingest import ingest_files, ingest_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
PUBLISHED = "2022-08-05"

BASE = (
    "Shelling hit Lachin on Tuesday, August 2, killing two soldiers.\n\n"
    "Protesters gathered in Stepanakert on Wednesday, August 3, blocking the road.\n\n"
    "Azerbaijani forces shelled Shusha on Thursday.\n"
)
SCRIPT = "<script>window.__xss=(window.__xss||0)+1</script>"
HANDLERS = [
    '<img src=x onerror="window.__xss=(window.__xss||0)+1">',
    "<svg onload=window.__xss=1>",
    '"><iframe src="javascript:window.__xss=1"></iframe>',
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "<body onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "'-alert(1)-'",
    "${alert(1)}",
    "{{constructor.constructor('alert(1)')()}}",
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<style>*{display:none}</style>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    ":red[**colour**] $\\LaTeX$ <div style='position:fixed;inset:0'>",
]
HOSTILE_URLS = [
    "javascript:window.__xss=(window.__xss||0)+1",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    'https://example.org/"><script>alert(1)</script>',
    "https://example.org/" + "a" * 10_000,
]
CONTROL = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 0x7F, *range(0x80, 0xA0)])
BIDI = "\u202e\u200f\u2066\u2067\u2068\u2069\u061c\u200e\u202a\u202b\u202c\u202d"


def _hostile_articles() -> list[tuple[str, dict[str, Any]]]:
    """(name, keyword arguments of ingest_text) for every hostile text."""
    out: list[tuple[str, dict[str, Any]]] = []
    for i, bit in enumerate([SCRIPT, *HANDLERS]):
        text = BASE.replace("Lachin", f"{bit} Lachin {bit}").replace("Protesters", f"{bit} Protesters")
        out.append((f"markup-{i}", {"text": f"{bit}\n\n{text}", "title": bit, "outlet": bit}))
    for i, url in enumerate(HOSTILE_URLS):
        out.append((f"url-{i}", {"text": BASE, "url": url, "title": f"Source {SCRIPT}"}))
    out += [
        ("long-line-no-spaces", {"text": BASE + "A" * 200_000 + "\n"}),
        ("long-line-words", {"text": BASE.replace("\n", " ") + " word" * 50_000}),
        ("control-chars", {"text": BASE.replace("Lachin", f"{CONTROL}Lachin{CONTROL}").replace("soldiers", CONTROL)}),
        ("line-separators", {"text": BASE.replace("\n", "\u2028\u2029\x85\x0b\x0c")}),
        ("bidi-marks", {"text": BASE.replace("Lachin", f"{BIDI}Lachin{BIDI}").replace("Shusha", "\u202eahsuhS\u202c"),
                        "title": f"{BIDI}title"}),
        ("mixed-scripts", {"text": BASE + "Обстрел Лачина во вторник. Լաչինում կրակոցներ են եղել։ "
                                          "Laçın rayonunda atışma olub. Xankəndidə etiraz aksiyası keçirilib.\n"}),
        ("zalgo", {"text": BASE.replace("Lachin", "L\u0337\u0322a\u0338c\u0337h\u0335i\u0336n\u0338" + "\u0301" * 500)}),
        ("zero-width", {"text": BASE.replace("Lachin", "La\u200bch\u200di\u2060n").replace(" ", "\u00a0\ufeff ")}),
        ("dates-beyond-calendar", {"text": BASE + "The siege began 99999 years ago and ends next year; "
                                                  "for 999999999999 days in Lachin nothing moved.\n"}),
        ("many-numbers", {"text": BASE + " ".join(str(10**k) for k in range(0, 300)) + " soldiers were killed in Lachin.\n"}),
        ("html-document", {"text": f"<!doctype html><html><head>{SCRIPT}</head><body><p>{BASE}</p></body></html>"}),
        ("json-lookalike", {"text": '{"type": "FeatureCollection", "features": [' + json.dumps(BASE) + "]}"}),
        ("only-whitespace", {"text": " \n\t\u3000\u00a0 "}),
        ("empty", {"text": ""}),
        ("no-places", {"text": "Nothing happened anywhere on Tuesday.\n"}),
        ("header-only", {"text": "SOURCE: https://example.org/x | PUBLISHED: 2022-08-05\n"}),
        ("header-javascript", {"text": "SOURCE: javascript:alert(1) | PUBLISHED: 2022-08-05\n" + BASE, "published": None}),
        ("surrogates", {"text": BASE + "\ud800 lone \udfff surrogates in Lachin.\n"}),
        ("surrogates-in-metadata", {"text": BASE, "title": "\ud800", "url": "https://x.org/\udfff", "outlet": "\udc00"}),
        ("nul-heavy", {"text": "\x00" * 10_000 + BASE}),
        ("10-mb", {"text": (BASE + "\n") * (10 * 1024 * 1024 // len(BASE))}),
        # long but under the 5 MB limit: extraction must stay linear (it was quadratic: minutes)
        ("long-article-paragraphs", {"text": BASE * 1500}),
        ("long-article-one-line", {"text": BASE.replace("\n", " ") * 1000}),
        ("long-hyphenated-word", {"text": BASE + "the village of " + "Aa-Bb-" * 3000 + "\n"}),
        ("long-list-of-names", {"text": BASE + "the heights of " + ", ".join(["Aaa Bbb"] * 2000) + "\n"}),
        ("published-garbage", {"text": BASE, "published": "yesterday <script>"}),
        ("published-far-future", {"text": BASE, "published": "9999-12-31"}),
        ("published-year-one", {"text": BASE, "published": "0001-01-01"}),
        ("published-invalid-day", {"text": BASE, "published": "2023-02-30"}),
        ("published-none", {"text": BASE, "published": None}),
    ]
    return out


HOSTILE = _hostile_articles()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != store.LOCK_FILE  # the lock file is the writers' meeting point, not data
    }


def _seeded_data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "events_sample.geojson", data / store.EVENTS_FILE)
    shutil.copy(FIXTURES / "places_sample.geojson", data / store.PLACES_FILE)
    return data


def _check_stored(data: Path, before: dict[str, bytes]) -> tuple[int, int]:
    """Validate the data folder after an ingest; return (events lost, events duplicated)."""
    events = store.read_collection(data / store.EVENTS_FILE, missing_ok=False)
    store.read_collection(data / store.PLACES_FILE, missing_ok=False)
    ids = [str(f["id"]) for f in events["features"]]
    sample_ids = {str(f["id"]) for f in json.loads(before[store.EVENTS_FILE])["features"]}
    lost = len(sample_ids - set(ids))
    duplicated = sum(c - 1 for c in Counter(ids).values())
    return lost, duplicated


@pytest.mark.timeout(240)
@pytest.mark.parametrize("kwargs", [k for _, k in HOSTILE], ids=[n for n, _ in HOSTILE])
def test_hostile_article(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    data = _seeded_data_dir(tmp_path)
    before = _snapshot(data)
    kwargs = {"published": PUBLISHED, "url": "https://example.org/a", **kwargs}
    text = kwargs.pop("text")
    try:
        report = ingest_text(text, data_dir=data, **kwargs)
    except GeoError as err:  # a clear error is fine; data/ must be untouched
        after = _snapshot(data)
        record("hostile text", corrupted=int(after != before))
        assert after == before
        assert str(err)
        return
    result = report.results[0]
    if not result.stored:
        after = _snapshot(data)
        record("hostile text", corrupted=int(after != before))
        assert result.message, "a failed ingest must say why"
        assert after == before, "a failed ingest changed data/"
        return
    lost, duplicated = _check_stored(data, before)
    record("hostile text", lost=lost, duplicated=duplicated)
    assert lost == 0 and duplicated == 0
    again = ingest_text(text, data_dir=data, **kwargs)  # idempotent: the same article twice
    assert again.results[0].status in ("unchanged", "added"), again.summary()
    assert again.events_added == 0


def _files(tmp_path: Path) -> list[tuple[str, Path, bool]]:
    """(name, path, must it be stored) for article files in every encoding and none."""
    ru = "Обстрел Лачина. Shelling hit Lachin on Tuesday, August 2, killing two soldiers. Протест в Степанакерте.\n"
    files: list[tuple[str, bytes, bool]] = [
        ("utf8", BASE.encode(), True),
        ("utf8-bom", b"\xef\xbb\xbf" + BASE.encode(), True),
        ("utf16-le", ru.encode("utf-16"), True),
        ("utf16-be", b"\xfe\xff" + ru.encode("utf-16-be"), True),
        ("cp1251", ru.encode("cp1251"), True),
        ("utf8-with-cp1251-bytes", BASE.encode() + "Лачин".encode("cp1251"), True),
        ("utf16-no-bom", ru.encode("utf-16-le"), False),
        ("utf16-odd-length", b"\xff\xfe" + ru.encode("utf-16-le") + b"\x00", False),
        ("binary-junk", bytes(range(256)) * 64, False),
        ("random-bytes", os.urandom(64 * 1024), False),
        ("gzip", b"\x1f\x8b\x08\x00" + os.urandom(4096), False),
        ("png", b"\x89PNG\r\n\x1a\n" + os.urandom(4096), False),
        ("empty", b"", False),
        ("ten-mb", (BASE.encode() + b"\n") * (10 * 1024 * 1024 // len(BASE)), False),
    ]
    folder = tmp_path / "articles"
    folder.mkdir()
    out = []
    for name, content, must in files:
        path = folder / f"{name}.txt"
        path.write_bytes(content)
        out.append((name, path, must))
    out.append(("missing", folder / "missing.txt", False))
    out.append(("directory", folder, False))
    return out


def test_article_files_in_every_encoding(tmp_path: Path) -> None:
    data = _seeded_data_dir(tmp_path)
    seeded = _snapshot(data)
    files = _files(tmp_path)
    failures: list[str] = []
    corrupted = 0
    for name, path, must in files:
        before = _snapshot(data)
        report = ingest_files([path], data_dir=data, published=PUBLISHED, progress=False)
        result = report.results[0]
        if not result.stored:
            if _snapshot(data) != before:
                corrupted += 1
            if must:
                failures.append(f"{name}: should be stored: {result.message}")
            elif not result.message or str(path.name) not in result.message and str(path) not in result.message:
                failures.append(f"{name}: the error does not name the file: {result.message!r}")
        elif not must:
            failures.append(f"{name}: junk was stored")
    lost, duplicated = _check_stored(data, seeded)
    record("hostile text", inputs=len(files), corrupted=corrupted, lost=lost, duplicated=duplicated)
    assert failures == []
    assert corrupted == 0 and lost == 0 and duplicated == 0


def test_ingest_refuses_to_write_into_a_broken_events_file(tmp_path: Path) -> None:
    """A good article and a broken data file: the ingest fails and the file stays as it was."""
    data = tmp_path / "data"
    data.mkdir()
    broken = (FIXTURES / "events_sample.geojson").read_bytes()[:700]
    (data / store.EVENTS_FILE).write_bytes(broken)
    before = _snapshot(data)
    report = ingest_text(BASE, data_dir=data, published=PUBLISHED)
    record("broken data", corrupted=int(_snapshot(data) != before))
    assert not report.ok
    assert store.EVENTS_FILE in report.results[0].message
    assert _snapshot(data) == before


# -- property: the extractor -------------------------------------------------------------------

PIECES = [
    "Lachin", "Stepanakert", "Shusha", "Laçın", "Лачин", "Լաչին", "Goris", "Kelbajar", "Aghdam", "the Lachin corridor",
    "the heights of", "the village of", "region", "district", "Armenia", "Azerbaijan", "Baku", "Yerevan",
    "shelling", "shelled", "killed", "wounded", "protest", "protesters", "attack", "drone", "captured", "clashes",
    "soldiers", "two", "12", "on", "in", "near", "at", "and", ",", ".", "!", "?", "\n", "\n\n", "on Tuesday",
    "August 2", "2 August 2022", "yesterday", "last week", "in the summer of 2020", "99999 years ago",
    "from September 27 to November 9", SCRIPT, HANDLERS[0], "\u202e", "\x00", "\u200b", "'s",
]
article_texts = st.lists(st.sampled_from(PIECES) | st.text(max_size=10), max_size=40).map(" ".join)
published_values = st.dates() | st.sampled_from(["2022-08-05", "2020-10-01", "", "nope", "0001-01-01", "9999-12-31"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(article_texts, published_values)
def test_extract_events_any_text(text: str, published: Any) -> None:
    record("property-based")
    try:
        collection = extract_events(text, published=published, url="javascript:alert(1)", title=SCRIPT)
    except GeoError:
        return
    from geo.model import validate_collection

    validate_collection(collection)
    for feature in collection["features"]:
        props = feature["properties"]
        assert props["feature_kind"] == "event"
        assert isinstance(props["quote"], str) and isinstance(props["summary"], str)


# -- two ingests at once -----------------------------------------------------------------------

PLACES_FOR_ARTICLES = ["Lachin", "Stepanakert", "Shusha", "Goris", "Kelbajar", "Aghdam", "Fuzuli", "Jabrayil"]


def _concurrent_article(n: int) -> str:
    a = PLACES_FOR_ARTICLES[n % len(PLACES_FOR_ARTICLES)]
    b = PLACES_FOR_ARTICLES[(n + 3) % len(PLACES_FOR_ARTICLES)]
    return (
        f"Report number {n}\n\n"
        f"Shelling hit {a} on Tuesday, August 2, killing {n + 2} soldiers.\n\n"
        f"Protesters gathered in {b} on Wednesday, August 3.\n"
    )


def test_cli_and_app_ingest_at_once(tmp_path: Path) -> None:
    """``python -m geo ingest`` (a subprocess) and ``ingest_text`` (this process) at the same time."""
    n_cli, n_app = 8, 8
    cli_texts = [_concurrent_article(i) for i in range(n_cli)]
    app_texts = [_concurrent_article(100 + i) for i in range(n_app)]
    # what each article yields on its own, in a folder of its own
    expected: set[str] = set()
    for i, text in enumerate(cli_texts + app_texts):
        alone = tmp_path / f"alone{i}"
        report = ingest_text(text, data_dir=alone, published=PUBLISHED)
        assert report.ok, report.summary()
        expected |= {str(f["id"]) for f in store.read_collection(alone / store.EVENTS_FILE)["features"]}
    assert len(expected) >= n_cli + n_app

    data = _seeded_data_dir(tmp_path)
    sample_ids = {str(f["id"]) for f in store.read_collection(data / store.EVENTS_FILE)["features"]}
    folder = tmp_path / "cli_articles"
    folder.mkdir()
    paths = []
    for i, text in enumerate(cli_texts):
        path = folder / f"a{i}.txt"
        path.write_text(f"SOURCE: https://example.org/{i} | PUBLISHED: {PUBLISHED}\n{text}", encoding="utf-8")
        paths.append(str(path))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GEO_DATA_DIR": str(data)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo", "ingest", *paths, "--data-dir", str(data), "--no-progress"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    errors: list[str] = []

    def app_side() -> None:
        for text in app_texts:
            report = ingest_text(text, data_dir=data, published=PUBLISHED, url="https://example.org/app")
            if not report.ok:
                errors.append(report.summary())

    thread = threading.Thread(target=app_side)
    thread.start()
    out, err = proc.communicate(timeout=300)
    thread.join(timeout=300)
    events = store.read_collection(data / store.EVENTS_FILE, missing_ok=False)
    ids = [str(f["id"]) for f in events["features"]]
    want = expected | sample_ids
    lost = len(want - set(ids))
    duplicated = sum(c - 1 for c in Counter(ids).values()) + len(set(ids) - want)
    record("writers at once", inputs=n_cli + n_app, lost=lost, duplicated=duplicated)
    assert proc.returncode == 0, err
    assert errors == []
    assert lost == 0, sorted(want - set(ids))[:5]
    assert duplicated == 0
    # the same event (type, day, place) stored once, whoever wrote it
    keys = Counter(
        (f["properties"]["article_id"], f["properties"]["event_id"], f["properties"]["place_id"])
        for f in events["features"]
    )
    assert max(keys.values()) == 1


def test_preview_refuses_an_oversized_article() -> None:
    """The add-an-article preview calls extract_events directly: the 5 MB limit holds there too."""
    from geo.errors import ArticleError

    huge = (BASE + "\n") * (10 * 1024 * 1024 // len(BASE))
    with pytest.raises(ArticleError) as info:
        extract_events(huge, published=PUBLISHED)
    record("hostile text")
    assert "MB" in str(info.value)
