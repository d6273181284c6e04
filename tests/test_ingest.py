"""Ingest: idempotent, atomic, and safe on bad input (real files in tmp_path)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from geo.articles import decode_bytes, read_article
from geo.cli import main
from geo.errors import ArticleError
from geo.ingest import ingest_files, ingest_text, stored_articles
from geo.model import validate_collection

FIXTURES = Path(__file__).parent / "fixtures" / "articles"
SEED = Path(__file__).resolve().parents[1] / "data" / "articles" / "3ddc153753ba5df2.txt"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and not p.name.endswith(".lock")}


def test_ingest_then_reingest_is_byte_identical(tmp_path: Path) -> None:
    data = tmp_path / "data"
    paths = [FIXTURES / "story.txt", FIXTURES / "with_header.txt"]
    first = ingest_files(paths, data_dir=data, published="2022-03-05", progress=False)
    assert first.ok, first.summary()
    before = _snapshot(data)
    assert {"events.geojson", "places.geojson"} <= set(before)
    second = ingest_files(paths, data_dir=data, published="2022-03-05", progress=False)
    assert second.ok and second.events_added == 0 and second.places_added == 0
    assert {r.status for r in second.results} == {"unchanged"}
    assert _snapshot(data) == before
    # re-ingesting one article alone changes nothing either
    ingest_files(paths[:1], data_dir=data, published="2022-03-05", progress=False)
    assert _snapshot(data) == before


def test_stored_files_and_metadata(tmp_path: Path) -> None:
    data = tmp_path / "data"
    report = ingest_files([FIXTURES / "with_header.txt"], data_dir=data, progress=False)
    assert report.ok, report.summary()
    (result,) = report.results
    meta = json.loads((data / "articles" / f"{result.article_id}.json").read_text(encoding="utf-8"))
    assert meta["published"] == "2022-03-05"  # from the SOURCE | PUBLISHED header
    assert meta["url"] == "https://example.org/news/1"
    text = (data / "articles" / f"{result.article_id}.txt").read_text(encoding="utf-8")
    assert text.startswith("On March 2") and "SOURCE:" not in text
    events = json.loads((data / "events.geojson").read_text(encoding="utf-8"))
    validate_collection(events)
    assert {f["properties"]["date_start"] for f in events["features"]} == {"2022-03-02"}
    assert stored_articles(data)[0]["article_id"] == result.article_id


def test_ingest_text_for_the_app(tmp_path: Path) -> None:
    text = (FIXTURES / "story.txt").read_text(encoding="utf-8")
    report = ingest_text(text, data_dir=tmp_path, published="2022-03-05", title="Farmers", url="", outlet="Wire")
    assert report.ok and report.results[0].events > 0
    again = ingest_text(text, data_dir=tmp_path, published="2022-03-05", title="Farmers", url="", outlet="Wire")
    assert again.results[0].status == "unchanged"


def test_second_article_keeps_the_first_articles_mentions(tmp_path: Path) -> None:
    ingest_text("Artillery shelled Goris on March 1.", data_dir=tmp_path, published="2022-03-02")
    ingest_text("Drones were seen over Goris on March 3.", data_dir=tmp_path, published="2022-03-04")
    places = json.loads((tmp_path / "places.geojson").read_text(encoding="utf-8"))
    (goris,) = [f for f in places["features"] if f["properties"]["name"] == "Goris"]
    assert len({m["article_id"] for m in goris["properties"]["mentions"]}) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_unreadable_files_are_clear_errors_and_leave_data_untouched(tmp_path: Path, content: bytes, message: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "articles", data / "articles")
    before = _snapshot(data)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    report = ingest_files([bad], data_dir=data, published="2022-08-05", progress=False)
    assert not report.ok
    assert message in report.results[0].message and "bad.txt" in report.results[0].message
    assert _snapshot(data) == before


def test_oversized_article(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"Shelling near Goris. " * (10 * 1024 * 1024 // 21))
    with pytest.raises(ArticleError, match="MB"):
        read_article(big)
    report = ingest_files([big], data_dir=tmp_path / "data", published="2022-08-05", progress=False)
    assert not report.ok and "5 MB" in report.results[0].message
    assert not (tmp_path / "data" / "events.geojson").exists()
    assert not ingest_text("x " * (3 * 1024 * 1024), data_dir=tmp_path / "data", published="2022-08-05").ok


def test_encodings_cp1251_and_utf16(tmp_path: Path) -> None:
    text, encoding = decode_bytes((FIXTURES / "cp1251_ru.txt").read_bytes())
    assert encoding == "cp1251" and "Гориса" in text
    article = read_article(FIXTURES / "utf16.txt")
    assert article.encoding == "utf-16" and article.text.startswith("Fighting near Goris")
    report = ingest_files([FIXTURES / "utf16.txt"], data_dir=tmp_path, published="2022-03-05", progress=False)
    assert report.ok


def test_no_places_is_an_empty_result_with_a_reason(tmp_path: Path) -> None:
    report = ingest_files([FIXTURES / "no_places.txt", FIXTURES / "cp1251_ru.txt"], data_dir=tmp_path,
                          published="2022-03-05", progress=False)
    assert not report.ok
    assert {r.status for r in report.results} == {"empty"}
    assert all("no places" in r.message for r in report.results)
    assert not (tmp_path / "events.geojson").exists() and not (tmp_path / "articles").exists()


@pytest.mark.parametrize("bad", ["yesterday", "2022-02-30", "05.08.2022x"])
def test_bad_published_date(tmp_path: Path, bad: str) -> None:
    report = ingest_files([FIXTURES / "story.txt"], data_dir=tmp_path, published=bad, progress=False)
    assert not report.ok and "YYYY-MM-DD" in report.results[0].message
    assert list(tmp_path.iterdir()) == []


def test_missing_published_date(tmp_path: Path) -> None:
    report = ingest_files([FIXTURES / "story.txt"], data_dir=tmp_path, progress=False)
    assert not report.ok and "--published" in report.results[0].message


def test_cli_ingest_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "data")
    assert main(["ingest", str(FIXTURES / "story.txt"), "--published", "2022-03-05", "--data-dir", data,
                 "--no-progress"]) == 0
    assert "added" in capsys.readouterr().out
    assert main(["ingest", str(FIXTURES / "no_places.txt"), "--published", "2022-03-05", "--data-dir", data,
                 "--no-progress"]) == 1
    assert "no places" in capsys.readouterr().err
    assert main(["ingest", str(tmp_path / "missing.txt"), "--published", "2022-03-05", "--data-dir", data,
                 "--no-progress"]) == 1
    assert "no such file" in capsys.readouterr().err


def test_cli_places_and_extract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["places", str(FIXTURES / "patterns.txt")]) == 0
    places = json.loads(capsys.readouterr().out)
    assert any(f["properties"]["name"] == "Lachin corridor" for f in places["features"])
    assert main(["extract", str(SEED), "--published", "2022-08-05", "--title", "t", "--url", "u"]) == 0
    events = json.loads(capsys.readouterr().out)
    validate_collection(events)
    assert events["features"][0]["properties"]["source"]["url"] == "u"
    assert main(["extract", str(SEED), "--published", "not-a-date"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["places", str(FIXTURES / "no_places.txt")]) == 1
