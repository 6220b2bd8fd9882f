"""What a user typed, as tsquery literals (see :mod:`core.textsearch.text`).

A query is split into words: alphanumeric words, and CJK runs segmented with the same
jieba dictionary (textile and Liaoning place words) as the documents, so that words
typed without a space match in any field (``西柳棉服`` -> 西柳 / 棉服, the place in the
address, the product in the products). A CJK word matches by its exact bigrams; a
one-character word joins its neighbour (大/杨家/纺 -> 大杨, 杨家, 家纺); a lone
character matches by prefix. Latin words match by prefix, a USCC exactly. A word
(or run of words) in a synonym group matches any member of the group.

Filler words (``lexicon.FILLER_WORDS``: 厂, 公司, 出口, factory, export ...) never
restrict a result: the match is the AND of the other words, and fillers only count
in the ranking (:meth:`Parsed.rank_query`). A query of filler words only is matched
by all of them.

Pinyin typed with spaces (``da yang``) is one word, as typed without (``dayang``;
``DaYang`` is the same once lowercased): a run of Latin words that are each a
pinyin syllable is joined. :meth:`Parsed.homophone_query` is the form of a query
whose Chinese words may also match by their pinyin in a name (大阳 for 大杨, as an
input method gives a wrong character of the same sound).
"""

import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

from core.textsearch import lexicon
from core.textsearch.text import (
    _CJK_ONLY_RE,
    _CJK_SPLIT_RE,
    _COMPOUND_RE,
    _WORD_RE,
    MAX_LEXEME_CHARS,
    _pinyin,
    _segmenter,
    is_uscc,
    normalize,
    quote_lexeme,
)

MAX_QUERY_CHARS = 256
MAX_QUERY_TERMS = 8
MAX_CJK_TERM_CHARS = 16
MAX_TERM_PARTS = 4


class _Term(NamedTuple):
    cjk: bool
    key: str  # the CJK word, or the Latin parts joined
    parts: tuple[str, ...]


# (lexeme, is_prefix)
_Atom = tuple[str, bool]


@functools.cache
def _fillers() -> frozenset[str]:
    return frozenset(normalize(word) for word in lexicon.FILLER_WORDS)


@functools.cache
def _whole_runs() -> frozenset[str]:
    """CJK synonym members: a run equal to one is kept whole, not segmented."""
    return frozenset(
        run
        for group in lexicon.SYNONYM_GROUPS
        for member in group
        for run in [normalize(member)]
        if _CJK_ONLY_RE.fullmatch(run)
    )


@functools.lru_cache(maxsize=1 << 12)
def _segment(run: str) -> tuple[str, ...]:
    """A CJK run as the words to match, each of two or more characters unless it is
    a filler word or the whole run."""
    if len(run) <= 2 or run in _whole_runs():
        return (run,)
    words = _segmenter().cut(run, False)
    fillers = _fillers()
    out: list[str] = []
    start = 0
    for index, word in enumerate(words):
        end = start + len(word)
        if len(word) > 1 or word in fillers:
            out.append(word)
        elif index + 1 < len(words):
            out.append(run[start : end + 1])  # with the next word's first character
        else:
            out.append(run[start - 1 : end])  # with the previous word's last one
        start = end
    return tuple(dict.fromkeys(out))


@functools.cache
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (from pypinyin's dictionary; ü as u and v)."""
    import unicodedata

    from pypinyin.pinyin_dict import pinyin_dict

    out: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            # ü (with or without a tone mark) is typed v, or u
            plain = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
            plain = "".join(c for c in plain if not unicodedata.combining(c))
            out.update({plain, plain.replace("v", "u")})
    return frozenset(s for s in out if s.isascii() and s.isalpha())


def _join_pinyin(terms: list[_Term]) -> list[_Term]:
    """Runs of two or more Latin words that are each a pinyin syllable as one word
    (``da yang`` -> ``dayang``)."""
    syllables = _syllables()
    out: list[_Term] = []
    run: list[_Term] = []

    def flush() -> None:
        if len(run) > 1:
            key = "".join(term.key for term in run)[:MAX_LEXEME_CHARS]
            out.append(_Term(False, key, (key,)))
        else:
            out.extend(run)
        run.clear()

    for term in terms:
        if not term.cjk and len(term.parts) == 1 and term.key in syllables:
            run.append(term)
        else:
            flush()
            out.append(term)
    flush()
    return out


def _query_terms(text: str, *, segment: bool = True) -> list[_Term]:
    """Terms of normalised text: CJK words and alphanumeric words, both capped."""
    terms: list[_Term] = []
    for index, piece in enumerate(_CJK_SPLIT_RE.split(text)):
        if len(terms) >= 2 * MAX_QUERY_TERMS:
            break
        if not piece:
            continue
        if index % 2:
            run = piece[:MAX_CJK_TERM_CHARS]
            for word in _segment(run) if segment else (run,):
                terms.append(_Term(True, word, (word,)))
            continue
        for match in _COMPOUND_RE.finditer(piece):
            words = _WORD_RE.findall(match.group())[:MAX_TERM_PARTS]
            parts = tuple(word[:MAX_LEXEME_CHARS] for word in words)
            terms.append(_Term(False, "".join(parts)[:MAX_LEXEME_CHARS], parts))
    return terms


def _atom(lexeme: str) -> _Atom:
    """A Latin word: by prefix, except an exact USCC and a single letter (the T of
    T恤: as a prefix it matches most documents' lexemes, every pinyin syllable
    and name initial starting with t; at 1,000,000 entries a search for T恤 read
    the whole table through the index, 6.3 s, for 17 % more matches, all of them
    spurious)."""
    return lexeme, len(lexeme) > 1 and not is_uscc(lexeme)


def _render(atom: _Atom) -> str:
    lexeme, prefix = atom
    return quote_lexeme(lexeme) + (":*" if prefix else "")


def _term_form(term: _Term) -> list[_Atom] | str:
    """A term's atoms to AND, or an already rendered expression."""
    if term.cjk:
        run = term.key
        if len(run) == 1:
            return [(run, True)]
        bigrams = dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1))
        return [(bigram, False) for bigram in bigrams]
    if len(term.parts) == 1:
        return [_atom(term.key)]
    each = " & ".join(_render(_atom(part)) for part in term.parts)
    return f"({_render(_atom(term.key))} | ({each}))"


def _implies(atom: _Atom, other: _Atom) -> bool:
    """Whether every lexeme matching ``atom`` also matches ``other``."""
    (lexeme, prefix), (other_lexeme, other_prefix) = atom, other
    if other_prefix:
        return lexeme.startswith(other_lexeme)
    return not prefix and lexeme == other_lexeme


def _covers(wide: list[_Atom], narrow: list[_Atom]) -> bool:
    """Whether the AND of ``wide`` matches whatever the AND of ``narrow`` does."""
    return all(any(_implies(atom, need) for atom in narrow) for need in wide)


@functools.cache
def _synonym_index() -> tuple[dict[tuple[str, ...], int], int]:
    """Member term keys -> group number, and the most terms in one member."""
    index: dict[tuple[str, ...], int] = {}
    for number, group in enumerate(lexicon.SYNONYM_GROUPS):
        for member in group:
            key = tuple(
                term.key for term in _query_terms(normalize(member), segment=False)
            )
            if key:
                index.setdefault(key, number)
    return index, max(map(len, index), default=1)


@functools.cache
def _group_expression(number: int) -> str:
    """The OR of every member's query form, dropping members another one covers."""
    forms: list[list[_Atom] | str] = []
    for member in lexicon.SYNONYM_GROUPS[number]:
        parts = [
            _term_form(term) for term in _query_terms(normalize(member), segment=False)
        ]
        if not parts:
            continue
        if all(isinstance(part, list) for part in parts):
            atoms = [atom for part in parts if isinstance(part, list) for atom in part]
            forms.append(list(dict.fromkeys(atoms)))
        else:
            rendered = [
                part if isinstance(part, str) else " & ".join(map(_render, part))
                for part in parts
            ]
            forms.append(rendered[0] if len(rendered) == 1 else _and(rendered))
    alternatives: list[str] = []
    for i, form in enumerate(forms):
        if isinstance(form, str):
            alternatives.append(form)
            continue
        redundant = any(
            j != i
            and isinstance(other, list)
            and _covers(other, form)
            and (j < i or not _covers(form, other))
            for j, other in enumerate(forms)
        )
        if not redundant:
            alternatives.append(_and([_render(atom) for atom in form]))
    alternatives = list(dict.fromkeys(alternatives))
    if len(alternatives) == 1:
        return alternatives[0]
    return "(" + " | ".join(alternatives) + ")"


def _and(pieces: list[str]) -> str:
    return pieces[0] if len(pieces) == 1 else "(" + " & ".join(pieces) + ")"


@dataclass(frozen=True)
class Word:
    """One word of a query (or a run of words that form a synonym-group member)."""

    text: str
    pieces: tuple[str, ...]  # tsquery expressions, ANDed
    filler: bool
    # Of a Chinese word: its pieces, each also matching by pinyin in a name.
    homophones: tuple[str, ...] = ()

    @property
    def expression(self) -> str:
        return _and(list(self.pieces))


@dataclass(frozen=True)
class Parsed:
    words: tuple[Word, ...]

    @property
    def fillers(self) -> tuple[Word, ...]:
        return tuple(w for w in self.words if w.filler)

    @property
    def required(self) -> tuple[Word, ...]:
        """The words that must match: all but the fillers (or all, if all are)."""
        kept = tuple(w for w in self.words if not w.filler)
        return kept or self.words

    def tsquery(self, words: tuple[Word, ...] | None = None) -> str | None:
        """The AND of ``words`` (by default the required ones)."""
        chosen = self.required if words is None else words
        pieces = [piece for w in chosen for piece in w.pieces]
        return " & ".join(dict.fromkeys(pieces)) if pieces else None

    def homophone_query(self, words: tuple[Word, ...] | None = None) -> str | None:
        """The query of ``words`` (by default the required ones) in which each
        bigram of a Chinese word matches as typed or by its pinyin in a name
        (大阳 -> ``'大阳' | 'dayang':A``: 大杨, 大洋 ...); None if the query has no
        Chinese word of two or more characters."""
        chosen = self.required if words is None else words
        pieces: list[str] = []
        changed = False
        for word in chosen:
            if word.homophones:
                pieces.extend(word.homophones)
                changed = True
            else:
                pieces.extend(word.pieces)
        return " & ".join(dict.fromkeys(pieces)) if changed else None

    def rank_query(self) -> str | None:
        """The OR of every word, fillers included: a document scores by how many
        of them (and where) it contains."""
        pieces = list(dict.fromkeys(w.expression for w in self.words))
        return " | ".join(pieces) if pieces else None


def _homophones(term: _Term, form: list[_Atom] | str) -> tuple[str, ...]:
    """A Chinese word's bigrams, each as typed or by its pinyin in a name."""
    if not term.cjk or isinstance(form, str) or len(term.key) < 2:
        return ()
    out = []
    for lexeme, _prefix in form:
        full, _initials = _pinyin(lexeme)
        if not full:
            return ()
        out.append(f"({_render((lexeme, False))} | {quote_lexeme(full)}:A)")
    return tuple(out)


def parse(q: str) -> Parsed:
    """The words of what a user typed."""
    if not isinstance(q, str):
        return Parsed(())
    terms = _join_pinyin(_query_terms(normalize(q[:MAX_QUERY_CHARS])))
    index, longest = _synonym_index()
    fillers = _fillers()
    words: list[Word] = []
    position = 0
    while position < len(terms) and len(words) < MAX_QUERY_TERMS:
        for size in range(min(longest, len(terms) - position), 0, -1):
            chunk = terms[position : position + size]
            group = index.get(tuple(term.key for term in chunk))
            if group is not None:
                text = " ".join(term.key for term in chunk)
                words.append(Word(text, (_group_expression(group),), False))
                position += size
                break
        else:
            term = terms[position]
            form = _term_form(term)
            pieces = (form,) if isinstance(form, str) else tuple(map(_render, form))
            words.append(
                Word(term.key, pieces, term.key in fillers, _homophones(term, form))
            )
            position += 1
    return Parsed(tuple(words))


def query(q: str) -> str | None:
    """The tsquery literal for what a user typed, or None if nothing is searchable."""
    return parse(q).tsquery()


_LEXEME_RE = re.compile(r"('(?:[^'\\]|''|\\.)*')(?::([*A-Da-d]*))?")


def restricted(tsquery: str, weights: str) -> str:
    """``tsquery`` matching only lexemes of the given weights (e.g. ``"AB"``): the
    same as matching it against ``ts_filter(document, '{a,b}')``, without copying
    each document's lexemes to match it."""

    def one(match: re.Match) -> str:
        star = "*" if "*" in (match.group(2) or "") else ""
        return f"{match.group(1)}:{star}{weights}"

    return _LEXEME_RE.sub(one, tsquery)
