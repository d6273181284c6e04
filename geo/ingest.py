"""Articles into the data folder: ``data/articles/<id>.txt`` + ``.json``, events and places merged.

Ingest is idempotent: the same article (same text after normalisation, same metadata) gives
byte-identical files, because ids are content hashes (see docs/architecture.md), features are
replaced in place and no timestamps are written. Re-ingesting an article with other metadata
replaces its events and drops those it no longer yields. All writes are atomic and happen
under the store's lock, after everything has been extracted and validated, so a bad article
leaves ``data/`` untouched.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo import store
from geo.articles import Article, article_id, normalise_text, parse_text, read_article, scrub
from geo.dates import parse_published
from geo.errors import ArticleError, GeoError
from geo.events import extract_events
from geo.model import validate_collection
from geo.places import Geocoder, extract_places, find_mentions


@dataclass
class ArticleResult:
    """What happened to one article."""

    name: str
    article_id: str = ""
    title: str = ""
    published: str = ""
    events: int = 0
    places: int = 0
    events_added: int = 0
    places_added: int = 0
    status: str = "error"  # added | unchanged | empty | error
    message: str = ""
    unresolved: list[str] = field(default_factory=list)  # names no gazetteer or geocoder knows

    @property
    def stored(self) -> bool:
        return self.status in ("added", "unchanged")


@dataclass
class IngestReport:
    """The outcome of an ingest: one :class:`ArticleResult` per article."""

    results: list[ArticleResult] = field(default_factory=list)

    @property
    def stored(self) -> list[ArticleResult]:
        return [r for r in self.results if r.stored]

    @property
    def failed(self) -> list[ArticleResult]:
        return [r for r in self.results if not r.stored]

    @property
    def ok(self) -> bool:
        """True when every article was stored (an article with no places is not)."""
        return bool(self.results) and not self.failed

    @property
    def events_added(self) -> int:
        return sum(r.events_added for r in self.results)

    @property
    def places_added(self) -> int:
        return sum(r.places_added for r in self.results)

    def summary(self) -> str:
        """A few human lines: one per article, then the totals."""
        lines = []
        for r in self.results:
            if r.stored:
                lines.append(
                    f"{r.name}: {r.status} {r.article_id} ({r.events} events, {r.places} places; "
                    f"{r.events_added} new events, {r.places_added} new places)"
                )
            else:
                lines.append(f"{r.name}: {r.status}: {r.message}")
            if r.unresolved:
                lines.append(
                    f"{r.name}: not found by the gazetteer or the geocoder (placed approximately near a "
                    f"place the text ties them to, or left out): {', '.join(r.unresolved)}"
                )
        lines.append(
            f"{len(self.stored)} of {len(self.results)} articles stored; "
            f"{self.events_added} new events, {self.places_added} new places"
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class _Prepared:
    article_id: str
    text: str
    meta: dict[str, Any]
    events: list[dict[str, Any]]
    places: list[dict[str, Any]]
    unresolved: tuple[str, ...] = ()


def _default_title(text: str, fallback: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    if first and len(first) <= 140 and not first.endswith("."):
        return first
    return fallback


def prepare(
    article: Article,
    *,
    published: dt.date | str | None = None,
    title: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
    geocoder: Geocoder | None = None,
    name: str = "<text>",
) -> _Prepared:
    """Extract and validate everything an article will add, without touching the disk."""
    pub_value = published if published is not None else article.published
    if pub_value is None or (isinstance(pub_value, str) and not pub_value.strip()):
        raise ArticleError(
            f"{name}: no publication date; pass --published YYYY-MM-DD (or a 'SOURCE: <url> | PUBLISHED: "
            "<date>' first line)"
        )
    pub = parse_published(pub_value)
    text = normalise_text(article.text)
    if not text:
        raise ArticleError(f"{name}: the article text is empty")
    aid = article_id(text)
    meta: dict[str, Any] = {
        "article_id": aid,
        "title": title if title is not None else (article.title or _default_title(text, Path(name).stem)),
        "url": url if url is not None else article.url,
        "outlet": outlet if outlet is not None else article.outlet,
        "published": pub.isoformat(),
        "encoding": article.encoding,
        "chars": len(text),
    }
    for key in ("title", "url", "outlet"):  # text from outside too: no lone surrogates
        if isinstance(meta[key], str):
            meta[key] = scrub(meta[key])
    mentions = find_mentions(text, geocoder=geocoder)  # once, for both events and places
    events = extract_events(
        text, published=pub, title=meta["title"], url=meta["url"], outlet=meta["outlet"], geocoder=geocoder,
        mentions=mentions,
    )["features"]
    places_found = extract_places(text, geocoder=geocoder, mentions=mentions)
    places = places_found["features"]
    for feature in places:
        for mention in feature["properties"].get("mentions", []):
            mention["article_id"] = aid
    meta["events"] = len({f["properties"]["event_id"] for f in events})
    meta["places"] = len(places)
    return _Prepared(aid, text, meta, events, places, _unresolved(places_found))


def _unresolved(places: Mapping[str, Any]) -> tuple[str, ...]:
    """Names neither the gazetteer nor the geocoder knows: placed near a place the text ties
    them to (``derived:`` ids) or not placed at all (``unlocated``)."""
    names = [f["properties"]["name"] for f in places["features"]
             if str(f["properties"]["place_id"]).startswith("derived:")]
    names += [str(m["text"]) for m in places.get("unlocated", [])]
    return tuple(dict.fromkeys(names))


def _merge_places(existing: list[dict[str, Any]], new: list[dict[str, Any]], aid: str) -> tuple[list[dict[str, Any]], int]:
    """Places by id; a place's mentions from this article replace its earlier ones.

    A place already stored keeps its stored definition (name, geometry, citation), so that
    re-ingesting one article never rewrites a place another article put there."""
    by_id = {str(f["id"]): f for f in existing}
    merged_new = []
    for feature in new:
        old = by_id.get(str(feature["id"]))
        if old is not None:
            kept = [m for m in old["properties"].get("mentions", []) if m.get("article_id") != aid]
            mentions = kept + list(feature["properties"].get("mentions", []))
            mentions.sort(key=lambda m: (m.get("article_id", ""), m.get("start", 0)))
            feature = {**old, "properties": {**old["properties"], "mentions": mentions}}
        merged_new.append(feature)
    return store.merge_features(existing, merged_new)


def _write(prepared: _Prepared, data_dir: Path) -> tuple[int, int, bool]:
    """Store one prepared article under the lock: (events added, places added, changed)."""
    articles = data_dir / store.ARTICLES_DIR
    txt_path = articles / f"{prepared.article_id}.txt"
    json_path = articles / f"{prepared.article_id}.json"
    meta_text = json.dumps(prepared.meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    events_path = data_dir / store.EVENTS_FILE
    places_path = data_dir / store.PLACES_FILE
    # refuse early, before the lock file is created, when a data file is unreadable
    store.read_collection(events_path)
    store.read_collection(places_path)
    with store.locked(data_dir):
        current_events = store.read_collection(events_path)
        current_places = store.read_collection(places_path)
        new_ids = {str(f["id"]) for f in prepared.events}
        known_events = {f["properties"]["event_id"] for f in current_events["features"]}
        events_added = len({f["properties"]["event_id"] for f in prepared.events} - known_events)
        events, _ = store.merge_features(current_events["features"], prepared.events)
        events = [
            f for f in events
            if f["properties"].get("article_id") != prepared.article_id or str(f["id"]) in new_ids
        ]
        places, places_added = _merge_places(current_places["features"], prepared.places, prepared.article_id)
        events_out = validate_collection({**current_events, "features": events}, source=str(events_path))
        places_out = validate_collection({**current_places, "features": places}, source=str(places_path))
        changed = _dumps(events_out) != _dumps(current_events) or _dumps(places_out) != _dumps(current_places)
        changed = changed or _differs(txt_path, prepared.text) or _differs(json_path, meta_text)
        if changed:
            store.atomic_write_text(txt_path, prepared.text)
            store.atomic_write_text(json_path, meta_text)
            store.write_collection(events_path, events_out)
            store.write_collection(places_path, places_out)
    return events_added, places_added, changed


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def _differs(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") != text
    except FileNotFoundError:
        return True


def _ingest_one(
    article: Article, *, data_dir: Path, name: str, published: dt.date | str | None, title: str | None,
    url: str | None, outlet: str | None, geocoder: Geocoder | None,
) -> ArticleResult:
    result = ArticleResult(name)
    try:
        prepared = prepare(article, published=published, title=title, url=url, outlet=outlet,
                           geocoder=geocoder, name=name)
    except GeoError as err:
        result.message = str(err)
        return result
    result.article_id = prepared.article_id
    result.unresolved = list(prepared.unresolved)
    result.title = prepared.meta["title"]
    result.published = prepared.meta["published"]
    result.events = prepared.meta["events"]
    result.places = prepared.meta["places"]
    if not prepared.places:
        result.status = "empty"
        result.message = "no places found in the article, so there is nothing to map; nothing was stored"
        return result
    try:
        events_added, places_added, changed = _write(prepared, data_dir)
    except GeoError as err:
        result.message = str(err)
        return result
    result.events_added, result.places_added = events_added, places_added
    result.status = "added" if changed else "unchanged"
    if not prepared.events:
        result.message = "no event sentences found; its places were stored"
    return result


def ingest_text(
    text: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    published: dt.date | str | None,
    title: str = "",
    url: str = "",
    outlet: str = "",
    geocoder: Geocoder | None = None,
) -> IngestReport:
    """Ingest one article given as text (the app's add-an-article page); never prints."""
    folder = Path(data_dir) if data_dir is not None else store.default_data_dir()
    report = IngestReport()
    if not isinstance(text, str) or not text.strip():
        report.results.append(ArticleResult("<text>", message="the article text is empty; paste the article"))
        return report
    if len(text.encode("utf-8", "surrogatepass")) > 5 * 1024 * 1024:
        report.results.append(ArticleResult("<text>", message="the article is larger than 5 MB; paste only the article"))
        return report
    article = parse_text(text)
    report.results.append(
        _ingest_one(article, data_dir=folder, name="<text>", published=published, title=title or None,
                    url=url, outlet=outlet, geocoder=geocoder)
    )
    return report


def ingest_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    data_dir: str | os.PathLike[str] | None = None,
    published: dt.date | str | None = None,
    title: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
    progress: bool = True,
    geocoder: Geocoder | None = None,
) -> IngestReport:
    """Ingest article files; metadata from a corpus header unless given here. A progress bar
    (tqdm, on stderr) shows for more than one file when *progress* is true."""
    folder = Path(data_dir) if data_dir is not None else store.default_data_dir()
    path_list = [Path(p) for p in paths]
    report = IngestReport()
    if published is not None:
        try:
            parse_published(published)
        except ArticleError as err:
            report.results.append(ArticleResult("--published", message=str(err)))
            return report
    iterator: Iterable[Path] = path_list
    if progress and len(path_list) > 1:
        from tqdm import tqdm

        iterator = tqdm(path_list, desc="ingest", unit="article", file=sys.stderr)
    for path in iterator:
        try:
            article = read_article(path)
        except GeoError as err:
            report.results.append(ArticleResult(str(path), message=str(err)))
            continue
        report.results.append(
            _ingest_one(article, data_dir=folder, name=str(path), published=published, title=title,
                        url=url, outlet=outlet, geocoder=geocoder)
        )
    return report


def stored_articles(data_dir: str | os.PathLike[str] | None = None) -> list[Mapping[str, Any]]:
    """Metadata of the stored articles, by publication date then id."""
    folder = (Path(data_dir) if data_dir is not None else store.default_data_dir()) / store.ARTICLES_DIR
    metas = []
    for path in sorted(folder.glob("*.json")):
        try:
            metas.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            continue
    return sorted(metas, key=lambda m: (m.get("published", ""), m.get("article_id", "")))


def _cmd_ingest(args: Any) -> int:
    from geo.places import cli_geocoder

    report = ingest_files(
        args.articles, data_dir=args.data_dir, published=args.published, title=args.title, url=args.url,
        outlet=args.outlet, progress=not args.no_progress, geocoder=cli_geocoder(args.online),
    )
    for line in report.summary().splitlines():
        print(line, file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def register_cli(parser: Any) -> None:
    """``python -m geo ingest ARTICLE... [--published YYYY-MM-DD] [--data-dir DIR]``."""
    parser.add_argument("articles", nargs="+", metavar="ARTICLE", help="article files (UTF-8, UTF-16 or cp1251)")
    parser.add_argument("--published", help="publication date YYYY-MM-DD (default: each file's PUBLISHED header)")
    parser.add_argument("--title", help="title (default: the article's headline line or file name)")
    parser.add_argument("--url", help="where the article was published (default: the SOURCE header)")
    parser.add_argument("--outlet", help="the news outlet")
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder (default: $GEO_DATA_DIR or data/)")
    parser.add_argument("--online", action="store_true", help="also ask the online geocoder for unknown names")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=_cmd_ingest)


__all__ = [
    "ArticleResult", "IngestReport", "ingest_files", "ingest_text", "prepare", "stored_articles",
]
