"""Articles: reading and decoding files, corpus headers, ids and sentences.

A file is decoded as UTF-8 (with or without BOM), UTF-16 (with BOM) or, failing those,
cp1251 (Russian and Azerbaijani outlets often send it). Empty, binary and oversized files
raise :class:`~geo.errors.ArticleError` with the file name and what to do.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from geo.errors import ArticleError

MAX_BYTES = 5 * 1024 * 1024
_HEADER_RE = re.compile(r"^\s*SOURCE:\s*(?P<url>\S+)\s*\|\s*PUBLISHED:\s*(?P<published>\S+)\s*$")
_EXTRA_HEADER_RE = re.compile(r"^(?P<key>[A-Z]{3,12}):\s*(?P<value>.*)$")
# Abbreviations that end with a dot but not a sentence.
_ABBREV = re.compile(
    r"(?:\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mr|Mrs|Ms|Dr|Prof|Gen|Lt|Col|Maj|Capt|"
    r"Sgt|St|No|vs|etc|approx|Gov|Sen|Rep|Jr|Sr|Inc|Ltd|Co|a\.m|p\.m|U\.S|U\.N|U\.K|E\.U)|\b[A-Z])\.$"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SENT_END = re.compile(r"[.!?][\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[A-Z0-9А-ЯԱ-Ֆ])|\n\s*")


@dataclass(frozen=True)
class Article:
    """An article's text (the body, headers removed) and what is known about it."""

    text: str
    published: str | None = None
    url: str = ""
    title: str = ""
    outlet: str = ""
    encoding: str = "utf-8"
    path: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def normalise_text(text: str) -> str:
    """NFC, ``\\n`` line ends, no trailing spaces at the end of the text; a lone surrogate
    (not Unicode: it cannot be stored as UTF-8) becomes U+FFFD."""
    text = scrub(text)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip() + "\n" if text.strip() else ""


def scrub(text: str) -> str:
    """*text* with each lone surrogate (not Unicode: it cannot be stored as UTF-8) made U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def article_id(text: str) -> str:
    """First 16 hex digits of the SHA-256 of the normalised text (see docs/architecture.md)."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:16]


def decode_bytes(data: bytes, *, name: str = "<article>") -> tuple[str, str]:
    """Decode article bytes; return ``(text, encoding)`` or raise :class:`ArticleError`."""
    if len(data) > MAX_BYTES:
        raise ArticleError(
            f"{name}: {len(data) / 1e6:.1f} MB is larger than the {MAX_BYTES // (1024 * 1024)} MB limit "
            "for one article; split it or pass only the article text"
        )
    if not data.strip():
        raise ArticleError(f"{name}: the file is empty; pass a text file with the article")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as err:
            raise ArticleError(f"{name}: starts like UTF-16 but does not decode ({err})") from err
    if b"\x00" in data[:4096]:
        raise ArticleError(f"{name}: looks binary (NUL bytes); pass a plain-text article (UTF-8 or cp1251)")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1251", errors="replace")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if "\ufffd" in text or controls > max(2, len(text) // 100):
        raise ArticleError(
            f"{name}: not UTF-8, UTF-16 or cp1251 text (binary?); save the article as UTF-8 and try again"
        )
    return text, "cp1251"


def parse_text(raw: str, *, path: str = "", encoding: str = "utf-8") -> Article:
    """Split a corpus-style header (``SOURCE: <url> | PUBLISHED: <date>``) from the body."""
    lines = raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta: dict[str, str] = {}
    m = _HEADER_RE.match(lines[0]) if lines else None
    if m:
        meta = {"url": m.group("url"), "published": m.group("published")}
        rest = lines[1:]
        while rest and _EXTRA_HEADER_RE.match(rest[0]):
            key = _EXTRA_HEADER_RE.match(rest[0])
            assert key is not None
            meta[key.group("key").lower()] = key.group("value").strip()
            rest = rest[1:]
        body = "\n".join(rest)
    else:
        body = "\n".join(lines)
    body = normalise_text(body)
    return Article(
        text=body,
        published=meta.get("published"),
        url=meta.get("url", ""),
        encoding=encoding,
        path=path,
        meta=meta,
    )


def read_article(path: str | Path) -> Article:
    """Read, decode and split one article file; :class:`ArticleError` on unusable input."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ArticleError(
                f"{path}: {size / 1e6:.1f} MB is larger than the 5 MB limit for one article; "
                "split it or pass only the article text"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArticleError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise ArticleError(f"{path}: is a folder; pass article files (for example {path}/*.txt)") from None
    except OSError as err:
        raise ArticleError(f"{path}: cannot read ({err.strerror})") from err
    text, encoding = decode_bytes(data, name=str(path))
    article = parse_text(text, path=str(path), encoding=encoding)
    if not article.text.strip():
        raise ArticleError(f"{path}: has a header but no article text")
    return article


def sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the sentences (and headline lines) of *text*."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end() if m.group().strip() else m.start()
        if m.group().strip() and _ABBREV.search(text[max(0, m.start() - 6):m.start() + 1]):
            continue
        if m.group()[:1] in ".!?" and m.start() > 0 and text[m.start() - 1].isdigit() and m.start() + 1 < len(text):
            # "10.11.2020" never reaches here (no space); "Oct. 12." does: keep going
            pass
        seg = text[start:end]
        if seg.strip():
            lead = len(seg) - len(seg.lstrip())
            trail = len(seg) - len(seg.rstrip())
            spans.append((start + lead, end - trail))
        start = m.end()
    seg = text[start:]
    if seg.strip():
        lead = len(seg) - len(seg.lstrip())
        spans.append((start + lead, start + len(seg.rstrip())))
    return spans
