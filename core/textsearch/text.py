"""Text side of search: normalisation, tsvector documents and tsquery literals.

PostgreSQL has no Chinese parser here, so the search document is built in Python and
cast with ``%s::tsvector``; a query is cast with ``%s::tsquery``. Both are literals in
PostgreSQL's input syntax: every lexeme single-quoted, ``'`` and ``\\`` escaped.

Document lexemes, per text after :func:`normalize`:

* CJK runs: jieba search-mode words (with textile and Liaoning place-name words), every
  CJK bigram, the run's last character (so a one-character prefix query finds every
  text containing that character), pinyin and initials of each word and bigram, and
  pinyin and initials of the run from each of its first few word boundaries
  (大连大杨集团 -> ``daliandayangjituan``, ``dldyjt``, ``dayangjituan``, ``dyjt`` ...).
* Other text: lowercase alphanumeric words; a word joined by ``-'./&+_`` also gives its
  parts (``t-shirt`` -> ``t``, ``shirt``, ``tshirt``). A USCC stays one lexeme.

Query terms are ANDed: CJK by exact bigrams (one character by prefix), everything else
by prefix, a USCC exactly; a term in a synonym group matches any member of the group.
"""

import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from itertools import chain
from operator import add
from pathlib import Path
from typing import TYPE_CHECKING

from core.textsearch import lexicon

if TYPE_CHECKING:
    import rjieba
    from opencc import OpenCC

__all__ = [
    "USCC_RE",
    "document",
    "is_uscc",
    "normalize",
    "query",
    "quote_lexeme",
    "sort_key",
    "warm_up",
]

logger = logging.getLogger(__name__)

WEIGHTS = "ABCD"
MAX_POSITION = 16383
MAX_LEXEME_CHARS = 64
MAX_TEXT_CHARS = 10_000  # of one text; the rest is not indexed
# Sum of lexeme lengths in one document; at <= 4 bytes a character this keeps a
# tsvector well under PostgreSQL's 1 MB limit.
MAX_DOCUMENT_CHARS = 200_000
MAX_PINYIN_SUFFIXES = 6
_CACHED_TEXT_CHARS = 80
_PRECOMPUTED_POSITIONS = 1024

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003ffff"
_CJK_SPLIT_RE = re.compile(f"([{_CJK}]+)")
_CJK_ONLY_RE = re.compile(f"[{_CJK}]+")
_COMPOUND_RE = re.compile(r"[^\W_]+(?:[-'’./&+_][^\W_]+)*")
_WORD_RE = re.compile(r"[^\W_]+")
_PINYIN_LETTERS_RE = re.compile(r"[^a-z]")

#: Unified Social Credit Code: 18 characters, no I, O, S, V or Z.
USCC_RE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def is_uscc(term: str) -> bool:
    """Whether ``term`` (any case) has the shape of a USCC."""
    return term.isascii() and USCC_RE.fullmatch(term.upper()) is not None


# --- normalisation -----------------------------------------------------------------

_T2S_LOCK = threading.Lock()
_T2S: "OpenCC | None" = None


@functools.cache
def _traditional_chars() -> frozenset[str]:
    """Characters OpenCC's t2s changes; texts without any skip the slow converter."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    try:
        with path.open(encoding="utf-8") as lines:
            return frozenset(line.split("\t", 1)[0] for line in lines if "\t" in line)
    except OSError:  # unexpected package layout: convert every CJK text
        return frozenset()


def _t2s() -> "OpenCC":
    global _T2S
    if _T2S is None:
        with _T2S_LOCK:
            if _T2S is None:
                from opencc import OpenCC

                _T2S = OpenCC("t2s")
    return _T2S


def _needs_t2s(text: str) -> bool:
    chars = _traditional_chars()
    if chars:
        return not chars.isdisjoint(text)
    return _CJK_ONLY_RE.search(text) is not None


def normalize(text: str) -> str:
    """NFKC, Traditional -> Simplified Chinese, lowercase, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    if _needs_t2s(text):
        text = _t2s().convert(text)
    return " ".join(text.lower().split())


def quote_lexeme(lexeme: str) -> str:
    """A lexeme quoted for tsvector/tsquery input: 'it''s', backslash doubled."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


# --- jieba and pypinyin ------------------------------------------------------------

_INIT_LOCK = threading.Lock()
_SEGMENTER: "rjieba.Jieba | None" = None


def warm_up() -> None:
    """Load jieba, pypinyin and the dictionaries now rather than on first use."""
    _segmenter()
    _traditional_chars()
    _t2s()


def _segmenter() -> "rjieba.Jieba":
    global _SEGMENTER
    if _SEGMENTER is None:
        with _INIT_LOCK:
            if _SEGMENTER is None:
                _SEGMENTER = _build_segmenter()
    return _SEGMENTER


def _place_pinyin() -> dict[str, str]:
    """Short place name -> pinyin: the built-in few, then core.regions_data."""
    places = dict(lexicon.PLACE_PINYIN_FALLBACK)
    try:
        from core.regions_data import PLACE_PINYIN
    except ImportError:
        return places
    places.update(
        (name, reading)
        for name, reading in PLACE_PINYIN.items()
        if isinstance(name, str) and isinstance(reading, str)
    )
    return places


def _split_syllables(word: str, reading: str) -> list[str] | None:
    """Split ``reading`` ("changhai") into one syllable per character of ``word``."""
    from pypinyin import Style, pinyin

    target = _PINYIN_LETTERS_RE.sub("", reading.lower().replace("ü", "v"))
    options = [
        set(pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")[0])
        if char
        else set()
        for char in word
    ]

    def walk(index: int, rest: str) -> list[str] | None:
        if index == len(word):
            return [] if not rest else None
        for option in sorted(options[index], key=len, reverse=True):
            # "lv" may be written "lu" (旅顺 lushun); keep the spelling given
            for syllable in dict.fromkeys((option, option.replace("v", "u"))):
                if syllable and rest.startswith(syllable):
                    tail = walk(index + 1, rest[len(syllable) :])
                    if tail is not None:
                        return [syllable, *tail]
        return None

    return walk(0, target)


def _build_segmenter() -> "rjieba.Jieba":
    # rjieba: jieba's dictionary and cuts in Rust, ~30x faster than jieba in Python
    # (the search document of every enterprise is built here).
    import rjieba
    from pypinyin.constants import PHRASES_DICT
    from pypinyin.seg import mmseg

    segmenter = rjieba.Jieba()

    places = {normalize(name): reading for name, reading in _place_pinyin().items()}
    for word in (*lexicon.textile_words(), *places):
        word = normalize(word)
        if _CJK_ONLY_RE.fullmatch(word):
            segmenter.add_word(word, None, None)
    phrases = {}
    for name, reading in places.items():
        if not _CJK_ONLY_RE.fullmatch(name):
            continue
        syllables = _split_syllables(name, reading)
        if syllables is None:
            logger.warning(
                "cannot read %s as %s; pypinyin keeps its own", name, reading
            )
            continue
        phrases[name] = [[syllable] for syllable in syllables]
    # pypinyin.load_phrases_dict(phrases) would retrain its segmenter on the
    # whole phrase dictionary again (about a third of this function's time, paid by
    # the first search document of every process); training it on the new
    # phrases gives the same prefix set (mmseg's own incremental ``train``).
    PHRASES_DICT.update(phrases)
    mmseg.seg.train(iter(phrases))
    return segmenter


# --- document lexemes ----------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 17)
def _pinyin(word: str) -> tuple[str, str]:
    """(full pinyin, initials) of a CJK word, e.g. ("dayang", "dy")."""
    from pypinyin import lazy_pinyin

    _segmenter()  # phrases for place names must be loaded first
    syllables = [s for s in lazy_pinyin(word, errors="ignore") if s.isascii()]
    full = "".join(syllables)[:MAX_LEXEME_CHARS]
    initials = "".join(s[0] for s in syllables if s)[:MAX_LEXEME_CHARS]
    return full, initials


def sort_key(text: str, limit: int = 300) -> str:
    """A key that orders texts by pinyin, character by character (``"大连大杨"`` ->
    ``"da lian da yang"``): Chinese characters as their toneless syllables (read
    in context by pypinyin, place names as the directory's dictionary reads
    them), other text lowercased; syllables and words separated by a space, which
    sorts before any letter (``da an`` < ``dan``)."""
    from pypinyin.seg.simpleseg import seg

    _segmenter()  # phrases for place names must be loaded first
    parts: list[str] = []
    for index, piece in enumerate(_CJK_SPLIT_RE.split(normalize(text or ""))):
        if index % 2:
            # What lazy_pinyin(piece) reads: it cuts the piece into words by its
            # phrase dictionary, then reads each word on its own, so a word's
            # reading is kept (有限公司, 服装 are in nearly every name).
            for word in seg(piece):
                parts.extend(_word_syllables(word))
        else:
            parts.extend(_WORD_RE.findall(piece))
    return " ".join(p for p in parts if p)[:limit]


@functools.lru_cache(maxsize=1 << 16)
def _word_syllables(word: str) -> tuple[str, ...]:
    """The toneless syllables of one word as pypinyin cut it (see `sort_key`)."""
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(word, errors="ignore"))


def _quoted_with_pinyin(words: Iterable[str]) -> tuple[str, ...]:
    lexemes: list[str] = []
    for word in words:
        lexemes.append(word[:MAX_LEXEME_CHARS])
        lexemes.extend(_pinyin(word))
    return tuple(quote_lexeme(lexeme) for lexeme in dict.fromkeys(lexemes) if lexeme)


@functools.lru_cache(maxsize=1 << 16)
def _segment_words(segment: str) -> tuple[str, ...]:
    """A jieba segment's search-mode words: its dictionary 2- and 3-grams, itself."""
    segmenter = _segmenter()
    words: list[str] = []
    for size in (2, 3):
        if len(segment) > size:
            grams = (segment[i : i + size] for i in range(len(segment) - size + 1))
            words.extend(gram for gram in grams if segmenter.has_word(gram))
    words.append(segment)
    return tuple(words)


@functools.lru_cache(maxsize=1 << 16)
def _segment_lexemes(segment: str) -> tuple[str, ...]:
    """A jieba segment's search-mode words, each with its pinyin and initials."""
    return _quoted_with_pinyin(_segment_words(segment))


@functools.lru_cache(maxsize=1 << 17)
def _bigram_lexemes(bigram: str) -> tuple[str, ...]:
    return _quoted_with_pinyin([bigram])


@functools.lru_cache(maxsize=1 << 14)
def _char_lexemes(char: str) -> tuple[str, ...]:
    return (quote_lexeme(char),)


def _run_pinyin(segments: list[str]) -> tuple[str, ...]:
    """Pinyin and initials of a run from each of its first word boundaries."""
    readings = [_pinyin(segment) for segment in segments]
    lexemes: list[str] = []
    for start in range(min(len(segments) - 1, MAX_PINYIN_SUFFIXES)):
        tail = readings[start:]
        lexemes.append("".join(full for full, _ in tail)[:MAX_LEXEME_CHARS])
        lexemes.append("".join(initials for _, initials in tail)[:MAX_LEXEME_CHARS])
    return tuple(quote_lexeme(lexeme) for lexeme in lexemes if lexeme)


def _scan_cjk(run: str, pinyin: bool = True) -> tuple[str, ...]:
    """Lexemes of a run of CJK characters: its jieba words, bigrams and last
    character, and (with ``pinyin``) their pinyin and initials."""
    # HMM off: unknown words are covered by the bigrams anyway.
    segments = _segmenter().cut(run, False)
    if not pinyin:
        words = [w for segment in segments for w in _segment_words(segment)]
        words += [run[i : i + 2] for i in range(len(run) - 1)]
        words.append(run[-1])
        return tuple(dict.fromkeys(quote_lexeme(w[:MAX_LEXEME_CHARS]) for w in words))
    chunks = [_segment_lexemes(segment) for segment in segments]
    chunks.extend(_bigram_lexemes(run[i : i + 2]) for i in range(len(run) - 1))
    chunks.append(_char_lexemes(run[-1]))
    if len(segments) > 1:
        chunks.append(_run_pinyin(segments))
    return tuple(dict.fromkeys(chain.from_iterable(chunks)))


_scan_cjk_cached = functools.lru_cache(maxsize=1 << 15)(_scan_cjk)


@functools.lru_cache(maxsize=1 << 16)
def _latin_lexemes(compound: str) -> tuple[str, ...]:
    parts = [part[:MAX_LEXEME_CHARS] for part in _WORD_RE.findall(compound)]
    if len(parts) > 1:
        parts.append("".join(parts)[:MAX_LEXEME_CHARS])
    return tuple(quote_lexeme(lexeme) for lexeme in dict.fromkeys(parts))


def _scan_text(text: str, pinyin: bool = True) -> tuple[str, ...]:
    """Quoted lexemes of one raw text, each once, in order of appearance; without
    ``pinyin``, no pinyin or initials of its CJK words."""
    chunks: list[tuple[str, ...]] = []
    pieces = _CJK_SPLIT_RE.split(normalize(text[:MAX_TEXT_CHARS]))
    for index, piece in enumerate(pieces):
        if not piece:
            continue
        if index % 2:
            scan = _scan_cjk_cached if len(piece) <= _CACHED_TEXT_CHARS else _scan_cjk
            chunks.append(scan(piece, pinyin))
        else:
            chunks.extend(map(_latin_lexemes, _COMPOUND_RE.findall(piece)))
    return tuple(dict.fromkeys(chain.from_iterable(chunks)))


_scan_text_cached = functools.lru_cache(maxsize=1 << 15)(_scan_text)


@functools.cache
def _position_suffixes(weight: str) -> list[str]:
    """Position suffixes (":1A", ":2A", ...) for the positions most documents use."""
    return [f":{position}{weight}" for position in range(1, _PRECOMPUTED_POSITIONS + 1)]


def _suffixes(weight: str, first: int, count: int) -> list[str]:
    if first + count - 1 <= _PRECOMPUTED_POSITIONS:
        return _position_suffixes(weight)[first - 1 : first - 1 + count]
    return [
        f":{min(position, MAX_POSITION)}{weight}"
        for position in range(first, first + count)
    ]


def document(
    weighted: Mapping[str, Iterable[str | None]], *, pinyin_weights: str = WEIGHTS
) -> str:
    """The tsvector literal for texts grouped by weight "A" (highest) to "D".

    Each lexeme appears once, with the highest weight it occurs with; positions
    count up from 1 (capped at 16383). Empty or None texts are skipped. The CJK
    words of texts of ``pinyin_weights`` also give their pinyin and initials.
    """
    unknown = set(weighted) - set(WEIGHTS)
    if unknown:
        raise ValueError(f"unknown tsvector weights: {sorted(unknown)}")
    seen: dict[str, None] = {}
    entries: list[str] = []
    size = 0
    atoms: set[int] = set()  # of synonym-group members, in this weight or above
    for weight in WEIGHTS:
        texts = weighted.get(weight) or ()
        if isinstance(texts, str):
            texts = (texts,)
        pinyin = weight in pinyin_weights
        scanned = [
            _scan_text_cached(text, pinyin)
            if len(text) <= _CACHED_TEXT_CHARS
            else _scan_text(text, pinyin)
            for text in texts
            if text
        ]
        block = dict.fromkeys(chain.from_iterable(scanned))
        # A group's lexeme takes the highest weight at which the texts of that
        # weight and above hold a member: a query restricted to weights "AB"
        # matches it as it matched the member's lexemes (tests/core).
        held = len(atoms)
        for lexemes in scanned:
            atoms.update(member_atoms(lexemes))
        if len(atoms) > held:
            block.update(dict.fromkeys(group_lexemes(atoms)))
        new = (
            [lexeme for lexeme in block if lexeme not in seen] if seen else list(block)
        )
        seen.update(block)
        new_size = sum(map(len, new))
        full = size + new_size > MAX_DOCUMENT_CHARS
        if full:
            new = _within(new, MAX_DOCUMENT_CHARS - size)
        size += new_size
        entries.extend(map(add, new, _suffixes(weight, len(entries) + 1, len(new))))
        if full:
            break
    return " ".join(entries)


def _within(lexemes: list[str], budget: int) -> list[str]:
    """The leading lexemes whose lengths fit in ``budget``."""
    kept: list[str] = []
    for lexeme in lexemes:
        budget -= len(lexeme)
        if budget < 0:
            break
        kept.append(lexeme)
    return kept


# Queries: core.textsearch.queries (re-exported here).
from core.textsearch.queries import (  # noqa: E402
    GROUP_MARK,
    MAX_QUERY_TERMS,
    Parsed,
    group_lexeme,
    group_lexemes,
    member_atoms,
    members_expression,
    parse,
    query,
    restricted,
)


def stored_groups(vector: str) -> tuple[dict[str, str], dict[str, str]]:
    """Of a stored document (PostgreSQL's text form of a tsvector, which quotes
    a lexeme as :func:`quote_lexeme` does): the group lexemes it holds, and
    those it should hold, each at the highest weight at which it holds a member
    (as :func:`document` gives them); both quoted lexeme -> weight. (The
    lexemes :func:`document` makes hold no space or colon.)"""
    by_weight: dict[str, list[str]] = {weight: [] for weight in WEIGHTS}
    held: dict[str, str] = {}
    mark = "'" + GROUP_MARK
    for entry in vector.split(" ") if vector else ():
        quoted, _colon, positions = entry.rpartition(":")
        if not quoted:  # no positions
            quoted, positions = positions, ""
        weight = next((w for w in "ABC" if w in positions), "D")
        if quoted.startswith(mark):
            held[quoted] = weight
        else:
            by_weight[weight].append(quoted)
    atoms: set[int] = set()
    wanted: dict[str, str] = {}
    for weight in WEIGHTS:
        atoms.update(member_atoms(by_weight[weight]))
        for lexeme in group_lexemes(atoms):
            wanted.setdefault(lexeme, weight)
    return held, wanted


__all__ += [
    "GROUP_MARK",
    "MAX_QUERY_TERMS",
    "Parsed",
    "group_lexeme",
    "members_expression",
    "parse",
    "restricted",
    "stored_groups",
]
