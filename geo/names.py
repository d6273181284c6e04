"""Folding of place names across scripts, diacritics and romanisations.

A name as a news article writes it (``Laçın``, ``Lachyn``, ``LACHIN``, ``Лачин``) is folded to
one key (``fold``) so that the gazetteer finds it whatever the spelling. The key is not meant
to be read; it is a comparison key, stable across:

- case, diacritics, hyphens, apostrophes and spaces (``Nagorno-Karabakh`` = ``nagorno karabakh``);
- Cyrillic and Armenian script (transliterated with the tables below, Russian and Eastern
  Armenian values);
- the usual Azerbaijani / Russian / Armenian / Turkish romanisations: the velars
  ``k g q x kh gh ğ`` are one sound class, ``ch ç tch`` one, ``sh ş`` one, ``j c dj dz dzh zh``
  one (``c`` only in Azerbaijani-looking words; elsewhere ``c`` is ``k``: ``Calbajar``), vowels
  fold to four classes (``a e ə ä``, ``i ı y î``, ``o ö``, ``u ü û``), a ``y`` glide before a vowel
  is dropped (``Gyanja`` = ``Ganja``, ``Yerevan`` = ``Erevan``) and doubled letters collapse
  (``Kkarabakh`` = ``Karabakh``).

So ``Girkhgyz``, ``Gyrkhgyz``, ``Girkhgiz``, ``Kirkhkyz`` and ``Qırxqız`` share one key, and so do
``Lachin``, ``Lachyn`` and ``Laçın``.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["fold", "fold_word", "tokens", "is_capitalized", "word_count"]

# Russian and Azerbaijani Cyrillic, lower case, to Latin (values chosen to fold like the
# English romanisations the news uses).
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "gh", "д": "d", "е": "e", "ё": "yo", "ә": "ə",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "ј": "y", "к": "k", "ҝ": "g", "қ": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ү": "ü", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ҹ": "j", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi",
    "є": "ye", "ґ": "g", "ў": "u", "ҳ": "h",
}
# Eastern Armenian, lower case, to Latin (BGN/PCGN-like; ejectives lose their apostrophe).
_ARMENIAN = {
    "ա": "a", "բ": "b", "գ": "g", "դ": "d", "ե": "e", "զ": "z", "է": "e", "ը": "y", "թ": "t",
    "ժ": "zh", "ի": "i", "լ": "l", "խ": "kh", "ծ": "ts", "կ": "k", "հ": "h", "ձ": "dz", "ղ": "gh",
    "ճ": "ch", "մ": "m", "յ": "y", "ն": "n", "շ": "sh", "ո": "o", "չ": "ch", "պ": "p", "ջ": "j",
    "ռ": "r", "ս": "s", "վ": "v", "տ": "t", "ր": "r", "ց": "ts", "ւ": "v", "փ": "p", "ք": "k",
    "օ": "o", "ֆ": "f", "և": "ev",
}
_SCRIPT = {**_CYRILLIC, **_ARMENIAN}

# Letters whose presence marks a word as Azerbaijani / Turkish spelling, where ``c`` is /dʒ/.
_AZ_LETTERS = frozenset("əıöüğşçqx")
_LATIN_BEFORE_STRIP = {
    "ə": "a", "ä": "a", "ı": "i", "ş": "sh", "ç": "ch", "ğ": "gh", "ö": "o", "ü": "u",
    "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d", "þ": "th",
}
# Ordered rewrites on the ASCII word; single-character classes use capitals so that a
# digraph's output is never re-read as its input.
_DIGRAPHS = (
    ("dzh", "J"), ("tch", "C"), ("tsh", "C"), ("dj", "J"), ("dz", "J"), ("zh", "J"),
    ("kh", "K"), ("gh", "K"), ("ch", "C"), ("sh", "S"),
)
_SINGLE = {"k": "K", "g": "K", "q": "K", "x": "K", "j": "J", "w": "v", "e": "a"}
_VOWELS = frozenset("aeiouy")
_WORD_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|['’ʻʼ`´](?=[^\W\d_]))*", re.UNICODE)
_C_RE = re.compile(r"c(?!h)")
_POSSESSIVE_RE = re.compile(r"['’]s$", re.IGNORECASE)


def _strip_marks(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


_SCRIPT_TABLE = str.maketrans(_SCRIPT)
_LATIN_TABLE = str.maketrans({**_LATIN_BEFORE_STRIP, **dict.fromkeys("ʻʼʽˈ'’`´", "")})


@functools.lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """Fold one word (no spaces) to its comparison key; ``""`` if nothing foldable is left."""
    w = unicodedata.normalize("NFC", word).casefold().replace("ու", "u").translate(_SCRIPT_TABLE)
    az = not _AZ_LETTERS.isdisjoint(w)
    w = w.translate(_LATIN_TABLE)
    if not w.isascii():
        w = _strip_marks(w)
    w = "".join(ch for ch in w if ch.isalnum())
    if not w.isascii():
        return ""  # a script we do not transliterate (Georgian, Arabic, ...)
    if "c" in w:
        w = _C_RE.sub("j" if az else "k", w)
    for src, dst in _DIGRAPHS:
        w = w.replace(src, dst)
    # y: a glide before a vowel is dropped (Gyanja, Yerevan, Jabrayil); elsewhere it is the
    # vowel i (Lachyn, Gyrkhgyz, Goygol).
    out: list[str] = []
    for i, ch in enumerate(w):
        if ch == "y":
            nxt = w[i + 1] if i + 1 < len(w) else ""
            if nxt in _VOWELS and nxt != "y":
                continue
            out.append("i")
            continue
        out.append(_SINGLE.get(ch, ch))
    folded: list[str] = []
    for ch in out:
        if not folded or folded[-1] != ch:
            folded.append(ch)
    return "".join(folded).lower()


def fold(name: str) -> str:
    """One comparison key for *name*: words folded by :func:`fold_word`, separators dropped."""
    return "".join(fold_word(m.group(0)) for m in _WORD_RE.finditer(name))


def tokens(text: str) -> list[tuple[int, int, str]]:
    """Words of *text* as ``(start, end, folded)``, offsets into the original *text*.

    A possessive ``'s`` is left out of the token (``Lachin's`` -> ``Lachin``); words that fold
    to nothing (an untransliterated script) are skipped.
    """
    out: list[tuple[int, int, str]] = []
    for m in _WORD_RE.finditer(text):
        start, end = m.span()
        word = m.group(0)
        poss = _POSSESSIVE_RE.search(word)
        if poss and len(word) > 2:
            end -= 2
            word = word[:-2]
        key = fold_word(word)
        if key:
            out.append((start, end, key))
    return out


def is_capitalized(word: str) -> bool:
    """True if *word* starts with an upper-case letter or is in a script without case."""
    first = word[:1]
    return bool(first) and (first.isupper() or (first.isalpha() and first.lower() == first.upper()))


def word_count(name: str) -> int:
    """The number of words :func:`tokens` would find in *name*."""
    return sum(1 for _ in _WORD_RE.finditer(name))
