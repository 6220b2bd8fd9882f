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


def _term_alternatives(term: _Term) -> list[list[_Atom]]:
    """A term's ways to match, each a list of atoms to AND: a CJK word by its
    bigrams (one character by prefix), a Latin word as :func:`_atom` says, a
    compound (``t-shirt``) joined or as its parts."""
    if term.cjk:
        run = term.key
        if len(run) == 1:
            return [[(run, True)]]
        bigrams = dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1))
        return [[(bigram, False) for bigram in bigrams]]
    if len(term.parts) == 1:
        return [[_atom(term.key)]]
    return [[_atom(term.key)], [_atom(part) for part in term.parts]]


def _render_ways(ways) -> str:
    """The OR of ways to match, each the AND of its atoms."""
    rendered = [_and([_render(atom) for atom in way]) for way in ways]
    return rendered[0] if len(rendered) == 1 else "(" + " | ".join(rendered) + ")"


def _term_form(term: _Term) -> list[_Atom] | str:
    """A term's atoms to AND, or an already rendered expression."""
    ways = _term_alternatives(term)
    return ways[0] if len(ways) == 1 else _render_ways(ways)


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


# A document holding a member of a synonym group also holds the group's lexeme
# (GROUP_MARK and the group's first member; no word typed can spell it), and a
# query word in a group matches that one lexeme: one GIN entry instead of the OR
# of every member's (泳装 is '泳衣' | '泳装' | '泳裤' | 'swimwear':* | ...; at
# 1,000,000 entries the OR's bitmap scan took 44 ms of a count's 68, the one
# lexeme's 6). The same fold is done by migrations for documents already stored
# (enterprises.search.storage.fold_synonym_groups).
GROUP_MARK = "≡"


def group_lexeme(number: int) -> str:
    """The lexeme of synonym group ``number`` (unquoted)."""
    return GROUP_MARK + normalize(lexicon.SYNONYM_GROUPS[number][0])


@functools.cache
def _group_expression(number: int) -> str:
    return quote_lexeme(group_lexeme(number))


@functools.cache
def _member_alternatives(number: int) -> tuple[tuple[_Atom, ...], ...]:
    """Every way a document matches a member of group ``number`` (an OR of ANDs)."""
    out: list[tuple[_Atom, ...]] = []
    for member in lexicon.SYNONYM_GROUPS[number]:
        terms = _query_terms(normalize(member), segment=False)
        if not terms:
            continue
        ways: list[list[_Atom]] = [[]]
        for term in terms:
            ways = [way + alt for way in ways for alt in _term_alternatives(term)]
        out.extend(tuple(dict.fromkeys(way)) for way in ways)
    return tuple(dict.fromkeys(out))


@functools.cache
def members_expression(number: int) -> str:
    """The tsquery of group ``number``'s members: what its lexeme stands for."""
    return _render_ways(_member_alternatives(number))


class _FoldTable(NamedTuple):
    exact: dict[str, int]  # quoted lexeme -> atom
    # the first two or three characters of a quoted prefix (the quote and one or
    # two more) -> (the quoted prefix without its closing quote, its atom)
    prefixes: dict[str, tuple[tuple[str, int], ...]]
    # atom -> (a group's lexeme quoted, the atoms of one way to match one of its
    # members that needs this atom)
    ways: dict[int, tuple[tuple[str, frozenset[int]], ...]]


@functools.cache
def _fold_table() -> _FoldTable:
    atoms: dict[_Atom, int] = {}
    ways: dict[int, list[tuple[str, frozenset[int]]]] = {}
    for number in range(len(lexicon.SYNONYM_GROUPS)):
        quoted = quote_lexeme(group_lexeme(number))
        for way in _member_alternatives(number):
            ids = frozenset(atoms.setdefault(atom, len(atoms)) for atom in way)
            for atom in ids:
                ways.setdefault(atom, []).append((quoted, ids))
    exact = {quote_lexeme(lex): i for (lex, prefix), i in atoms.items() if not prefix}
    prefixes: dict[str, list[tuple[str, int]]] = {}
    for (lexeme, prefix), atom in atoms.items():
        if prefix:
            start = quote_lexeme(lexeme)[:-1]
            prefixes.setdefault(start[:3], []).append((start, atom))
    return _FoldTable(
        exact,
        {k: tuple(v) for k, v in prefixes.items()},
        {k: tuple(v) for k, v in ways.items()},
    )


_NO_ATOMS: frozenset[int] = frozenset()


@functools.lru_cache(maxsize=1 << 18)
def _lexeme_atoms(lexeme: str) -> frozenset[int]:
    table = _fold_table()
    found = set()
    atom = table.exact.get(lexeme)
    if atom is not None:
        found.add(atom)
    for key in (lexeme[:2], lexeme[:3]):
        for start, atom in table.prefixes.get(key, ()):
            if lexeme.startswith(start):
                found.add(atom)
    return frozenset(found) if found else _NO_ATOMS


def member_atoms(lexemes) -> frozenset[int]:
    """The atoms of synonym-group members that quoted ``lexemes`` satisfy (each
    lexeme's atoms cached: most lexemes are in many documents and hold none)."""
    return _NO_ATOMS.union(*map(_lexeme_atoms, lexemes))


def group_lexemes(atoms: frozenset[int] | set[int]) -> list[str]:
    """The quoted lexemes of the groups a member of which ``atoms`` match."""
    ways = _fold_table().ways
    found: dict[str, None] = {}
    for atom in atoms:
        for quoted, way in ways[atom]:
            if quoted not in found and way <= atoms:
                found[quoted] = None
    return list(found)


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
