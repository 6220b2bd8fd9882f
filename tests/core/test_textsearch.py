"""Search text processing: normalisation, tsvector documents, tsquery literals.

Pure Python. Matching is simulated here by a small tsvector/tsquery reader that
understands what core.textsearch.text produces (quoted lexemes, ``:*``, ``&``,
``|``, ``!``, parentheses); it also rejects malformed literals.
"""

import random
import re

import pytest

from core.textsearch import lexicon
from core.textsearch.text import (
    MAX_POSITION,
    MAX_QUERY_TERMS,
    document,
    is_uscc,
    members_expression,
    normalize,
    query,
    quote_lexeme,
    sort_key,
)

USCC = "91210200MA0QXY812K"

# --- a small reader for the literals -------------------------------------------------

_ENTRY_RE = re.compile(r"'((?:[^'\\]|''|\\.)+)':(\d+)([ABCD])")


def parse_vector(literal: str) -> dict[str, tuple[int, str]]:
    """Lexeme -> (position, weight); fails on anything but "'lex':posW" entries."""
    lexemes: dict[str, tuple[int, str]] = {}
    if not literal:
        return lexemes
    for entry in literal.split(" "):
        match = _ENTRY_RE.fullmatch(entry)
        assert match, f"bad tsvector entry {entry!r}"
        raw, position, weight = match.groups()
        lexeme = re.sub(r"''|\\(.)", lambda m: m.group(1) or "'", raw)
        assert lexeme not in lexemes, f"duplicate lexeme {lexeme!r}"
        lexemes[lexeme] = (int(position), weight)
    return lexemes


def lexemes_of(weighted: dict[str, list[str]]) -> set[str]:
    return set(parse_vector(document(weighted)))


def _tokens(literal: str) -> list[tuple[str, str, bool]]:
    """('op', '&', _) or ('lex', text, is_prefix)."""
    tokens = []
    i = 0
    while i < len(literal):
        char = literal[i]
        if char == " ":
            i += 1
        elif char in "&|!()":
            tokens.append(("op", char, False))
            i += 1
        elif char == "'":
            i += 1
            text = []
            while True:
                assert i < len(literal), "unterminated lexeme"
                if literal[i] == "\\":
                    text.append(literal[i + 1])
                    i += 2
                elif literal.startswith("''", i):
                    text.append("'")
                    i += 2
                elif literal[i] == "'":
                    i += 1
                    break
                else:
                    text.append(literal[i])
                    i += 1
            assert text, "empty lexeme"
            prefix = literal.startswith(":*", i)
            i += 2 if prefix else 0
            tokens.append(("lex", "".join(text), prefix))
        else:
            raise AssertionError(f"unexpected {char!r} in {literal!r}")
    return tokens


def matches(tsquery: str, lexemes: set[str]) -> bool:
    """Evaluate a tsquery literal against a document's lexemes."""
    tokens = _tokens(tsquery)
    position = 0

    def peek() -> tuple[str, str, bool] | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> tuple[str, str, bool]:
        nonlocal position
        token = peek()
        assert token is not None, "unexpected end of query"
        position += 1
        return token

    def either() -> bool:
        result = both()
        while peek() == ("op", "|", False):
            take()
            result = both() or result
        return result

    def both() -> bool:
        result = single()
        while peek() == ("op", "&", False):
            take()
            result = single() and result
        return result

    def single() -> bool:
        kind, text, prefix = take()
        if kind == "lex":
            if prefix:
                return any(lexeme.startswith(text) for lexeme in lexemes)
            return text in lexemes
        if text == "!":
            return not single()
        assert text == "(", f"unexpected {text!r}"
        result = either()
        assert take() == ("op", ")", False), "unbalanced parentheses"
        return result

    result = either()
    assert position == len(tokens), "trailing tokens"
    return result


def finds(q: str, weighted: dict[str, list[str]]) -> bool:
    tsquery = query(q)
    assert tsquery is not None
    return matches(tsquery, lexemes_of(weighted))


# --- normalize -----------------------------------------------------------------------


def test_normalize_full_width_case_and_spaces():
    assert (
        normalize("  ＤＡＹＡＮＧ\u3000Ｔ－ｓｈｉｒｔ\n１２３  ")
        == "dayang t-shirt 123"
    )


def test_normalize_traditional_to_simplified():
    assert normalize("大連大楊紡織") == "大连大杨纺织"
    assert normalize("瀋陽") == "沈阳"


def test_normalize_leaves_simplified_and_latin_alone():
    assert normalize("沈阳市 Shenyang") == "沈阳市 shenyang"


# --- documents -----------------------------------------------------------------------


def test_document_has_bigram_jieba_cuts_across():
    lexemes = lexemes_of({"A": ["大连大杨家纺有限公司"]})
    assert "大杨" in lexemes
    assert "家纺" in lexemes
    assert "dayang" in lexemes


def test_document_has_every_bigram_of_a_run():
    lexemes = lexemes_of({"B": ["柞蚕丝绸"]})
    assert {"柞蚕", "蚕丝", "丝绸"} <= lexemes


def test_document_pinyin_and_initials():
    lexemes = lexemes_of({"A": ["大连大杨集团有限责任公司"]})
    assert {"dayang", "dy", "dalian", "dl", "jituan", "jt"} <= lexemes
    assert any(lexeme.startswith("dldy") for lexeme in lexemes)
    assert any(lexeme.startswith("daliandayang") for lexeme in lexemes)
    assert any(lexeme.startswith("dyjt") for lexeme in lexemes)


def test_document_place_pinyin():
    lexemes = lexemes_of({"C": ["长海县"], "D": ["朝阳市"]})
    assert "changhai" in lexemes
    assert "zhanghai" not in lexemes
    assert "chaoyang" in lexemes


def test_document_segments_textile_and_place_words():
    for word in ("泳装", "柞蚕丝", "针织", "西柳", "佟二堡", "兴城"):
        assert word in lexemes_of({"B": [word + "有限公司"]}), word


def test_document_traditional_text_is_normalised():
    lexemes = lexemes_of({"A": ["大連大楊紡織有限公司"]})
    assert {"大杨", "纺织", "dayang"} <= lexemes
    assert "紡織" not in lexemes


def test_document_latin_words():
    lexemes = lexemes_of({"A": ["Dalian DAYANG Trands Co., Ltd."], "B": ["T-shirt"]})
    assert {
        "dalian",
        "dayang",
        "trands",
        "co",
        "ltd",
        "t",
        "shirt",
        "tshirt",
    } <= lexemes
    assert "Dalian" not in lexemes


def test_document_mixed_text_and_digits():
    lexemes = lexemes_of({"C": ["中山路88号B座"]})
    assert {"中山", "88", "号", "b", "座"} <= lexemes


def test_document_uscc_is_one_lowercase_lexeme():
    lexemes = lexemes_of({"D": [USCC]})
    assert lexemes == {USCC.lower()}


def test_document_weights_and_positions():
    vector = parse_vector(
        document(
            {"C": ["大杨"], "A": ["大杨集团"], "B": ["suits", "大杨"], "D": ["x9"]}
        )
    )
    assert vector["大杨"][1] == "A"
    assert vector["suits"][1] == "B"
    assert vector["x9"][1] == "D"
    positions = [position for position, _ in vector.values()]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    assert positions[0] == 1


def test_document_positions_are_capped():
    words = [f"w{i}" for i in range(MAX_POSITION + 50)]
    vector = parse_vector(document({"D": words}))
    assert len(vector) == len(words)
    assert max(position for position, _ in vector.values()) == MAX_POSITION


def test_document_skips_empty_texts_and_rejects_unknown_weights():
    assert document({"A": ["", None], "B": []}) == ""
    assert document({}) == ""
    with pytest.raises(ValueError):
        document({"E": ["x"]})


def test_quote_lexeme_escapes():
    assert quote_lexeme("it's") == "'it''s'"
    assert quote_lexeme("a\\b") == "'a\\\\b'"


def test_document_of_quotes_and_backslashes_parses():
    vector = parse_vector(document({"A": ["O'Neil \\ 'quoted' \\'"]}))
    assert set(vector) == {"o", "neil", "oneil", "quoted"}


# --- queries -------------------------------------------------------------------------


def test_query_cjk_shapes():
    assert query("大杨") == "'大杨'"
    # A run is segmented into words, each matched by its bigrams (with synonyms)
    assert query("柞蚕丝绸") == query("柞蚕 丝绸")
    assert query("柞蚕茧") == "'柞蚕' & '蚕茧'"
    assert query("杨") == "'杨':*"


def test_query_latin_shapes():
    assert query("dayang") == "'dayang':*"
    assert query("DLDY") == "'dldy':*"
    assert query("12") == "'12':*"
    assert query(USCC) == f"'{USCC.lower()}'"
    assert query(USCC.lower()) == f"'{USCC.lower()}'"
    # one letter is a word of its own (the T of T恤), not the prefix of every
    # lexeme that starts with it
    assert query("t") == "'t'"
    assert "'t':*" not in query("T恤")


def test_query_terms_are_anded_and_mixed_text_split():
    assert query("大杨 dayang") == "'大杨' & 'dayang':*"
    assert query("大杨trands") == "'大杨' & 'trands':*"


def test_query_traditional_equals_simplified():
    assert query("紡織") == query("纺织")
    assert query("大楊") == "'大杨'"


def test_query_synonyms():
    # A word of a synonym group is its group's one lexeme (which documents with
    # any member hold), not the OR of the members' lexemes.
    swim = query("泳衣")
    assert swim == "'≡泳衣'"
    assert query("swimwear") == query("SWIMWEAR") == query("泳裝") == swim
    members = members_expression(0)
    assert "'泳装'" in members and "'swimwear':*" in members


def test_query_synonym_multi_word_member():
    down = query("down jacket")
    assert down == query("羽绒服") == "'≡羽绒服'"
    assert "'down':* & 'jacket':*" in members_expression(5)


def test_documents_hold_the_group_of_a_member_at_its_highest_weight():
    vector = parse_vector(
        document({"A": ["兴城海韵泳装有限公司"], "B": ["Swimwear, socks"], "C": ["袜"]})
    )
    assert vector["≡泳衣"][1] == "A"
    assert vector["≡袜子"][1] == "B"
    assert not any(lexeme.startswith("≡") for lexeme in lexemes_of({"A": ["大杨"]}))
    # a member of several words whose words are in two weights: the lower one
    vector = parse_vector(document({"A": ["Down Co."], "B": ["jacket"]}))
    assert vector["≡羽绒服"][1] == "B"


def test_no_text_spells_a_group_lexeme():
    # the mark is not a word character: typed or in a document it is dropped
    for typed in ("≡abc", "'≡abc'", "≡ abc", "\\≡abc"):
        assert "≡" not in (query(typed) or ""), typed
        assert not any("≡" in lexeme for lexeme in lexemes_of({"A": [typed]}))


def test_query_none_without_searchable_token():
    for q in ("", "   ", "!!!", "''", "\\", "&|!():*<>", "。，、", "-_-"):
        assert query(q) is None, q


def test_query_caps_terms_and_length():
    q = query(" ".join(f"word{i}" for i in range(100)))
    assert q is not None
    assert q.count("&") == MAX_QUERY_TERMS - 1
    long = query("长" * 1000)
    assert long is not None
    assert len(long) < 100
    assert len(query("x" * 10000) or "") < 100


def test_query_fuzz_gives_none_or_valid_syntax():
    rng = random.Random(20260101)
    alphabet = (
        "'\"\\&|!():*<>-_ .,;。，、 \t\n\u3000\x00\ud800ａＡ"
        "abcxyzDAYANG0123456789大连杨紡織泳衣装丝绸长海é😀"
    )
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        tsquery = query(text)
        if tsquery is not None:
            matches(tsquery, set())  # raises on malformed syntax
            assert "\x00" not in tsquery


def test_query_and_document_fuzz_random_unicode():
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(chr(rng.randint(1, 0x2FFFF)) for _ in range(rng.randint(0, 30)))
        tsquery = query(text)
        if tsquery is not None:
            matches(tsquery, set())
        parse_vector(document({"A": [text], "D": [text[::-1]]}))


def test_query_rejects_non_text():
    assert query(None) is None  # type: ignore[arg-type]


# --- simulated matching --------------------------------------------------------------

DAYANG = {
    "A": ["大连大杨集团有限责任公司", "Dalian Dayang Trands Co., Ltd."],
    "B": ["西装", "衬衫"],
    "C": ["大连市", "普兰店区"],
    "D": [USCC],
}
SWIM = {"A": ["兴城市海韵泳装有限公司"], "B": ["泳装"], "C": ["葫芦岛市", "兴城市"]}
SWIM_EN = {"A": ["Haiyun Beachwear Co."], "B": ["Swimwear"]}
HOME = {"A": ["大连大杨家纺有限公司"], "B": ["柞蚕丝绸", "家纺"]}


@pytest.mark.parametrize(
    "q",
    [
        "大杨",
        "大連大楊",
        "dayang",
        "DaYang",
        "dy",
        "dldy",
        "daliandayang",
        "dyjt",
        "trands",
        "Trands Dalian",
        "suits",
        "西服",
        "普兰店",
        "pulandian",
        "杨",
        "大杨集团有限",
        USCC,
        USCC.lower(),
    ],
)
def test_simulated_finds_dayang(q):
    assert finds(q, DAYANG)


@pytest.mark.parametrize(
    "q", ["大杨家纺", "长海", "泳装", "zhanghai", "91210200MA0QXY812J"]
)
def test_simulated_does_not_find_dayang(q):
    assert not finds(q, DAYANG)


def test_simulated_cross_language_synonyms():
    assert finds("swimwear", SWIM)
    assert finds("泳衣", SWIM)
    assert finds("泳衣", SWIM_EN)
    assert finds("泳裝", SWIM_EN)
    assert finds("兴城 泳衣", SWIM)
    assert finds("xingcheng", SWIM)
    assert not finds("swimwear", DAYANG)


def test_simulated_word_inside_longer_word():
    assert finds("蚕丝", HOME)
    assert finds("大杨", HOME)
    assert finds("纺织", {"A": ["辽宁紡織品进出口公司"]})
    assert not finds("蚕丝", DAYANG)


def test_simulated_place_pinyin():
    assert finds("changhai", {"C": ["长海县"]})
    assert not finds("zhanghai", {"C": ["长海县"]})


# --- data ----------------------------------------------------------------------------


def test_synonym_members_belong_to_one_group():
    seen: dict[str, int] = {}
    for number, group in enumerate(lexicon.SYNONYM_GROUPS):
        for member in group:
            key = normalize(member)
            assert seen.setdefault(key, number) == number, member


def test_is_uscc():
    assert is_uscc(USCC)
    assert is_uscc(USCC.lower())
    assert not is_uscc(USCC[:-1])
    assert not is_uscc("91210200MA0QXY812I")  # I is not used
    assert not is_uscc("dayang")


def test_query_segments_runs_typed_without_a_space():
    # place + product typed as one word: the words of each, not the bigram across
    assert query("西柳棉服") == query("西柳 棉服")
    assert query("兴城泳装") == query("兴城 泳装")
    assert "'城泳'" not in (query("兴城泳装") or "")
    # a one-character word joins its neighbour: 大/杨家/纺
    assert query("大杨家纺").startswith("'大杨' & '杨家'")


def test_filler_words_only_rank():
    from core.textsearch.text import parse

    parsed = parse("泳装厂")
    assert [w.text for w in parsed.words] == ["泳装", "厂"]
    assert [w.text for w in parsed.required] == ["泳装"]
    assert query("泳装厂") == query("泳装") == query("swimwear export")
    assert "'厂'" in (parsed.rank_query() or "")
    # a query of filler words only still searches for them
    assert query("公司") == "'公司'"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("长春银行股份有限公司", "chang chun yin hang gu fen you xian gong si"),
        ("银行行长", "yin hang hang zhang"),  # one character, two readings
        ("重庆长安汽车", "chong qing chang an qi che"),
        ("乐亭县音乐服饰", "lao ting xian yin yue fu shi"),  # the place's own reading
        ("Bench 长春 2号", "bench chang chun 2 hao"),
    ],
)
def test_sort_key_reads_each_word_in_its_context(name, key):
    # Read twice: a word's reading, once kept, is the reading in this name too.
    assert sort_key(name) == key
    assert sort_key("银行" + name) == "yin hang " + key
