"""Synonym groups folded into one lexeme a document (core.textsearch.queries):
a group word matches the group's lexeme exactly where it matched the OR of the
members' lexemes, in every weight restriction the ranking uses, in PostgreSQL;
documents stored before are folded by the migration; a change of the groups
without a folding migration fails here."""

import importlib
import pkgutil
import random

import pytest
from django.db import connection

import enterprises.migrations
from core.textsearch import lexicon, text
from core.textsearch.text import (
    document,
    group_lexeme,
    members_expression,
    quote_lexeme,
    restricted,
)
from enterprises.search.storage import fold_synonym_groups, folding_fingerprint
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

GROUPS = range(len(lexicon.SYNONYM_GROUPS))
RESTRICTIONS = ("A", "AB", "ABCD")
# Near misses: prefixes, pinyin that starts like an English member (福瑞: furui,
# 'fur'), a member's words apart, traditional characters, case.
NOISE = [
    "大连大杨集团有限责任公司",
    "福瑞服装厂",
    "芙蓉针织",
    "Haiyun Beachwear Co.",
    "Down",
    "jacket",
    "children's wear",
    "T恤衫",
    "t-shirt",
    "丝袜厂",
    "泳裝",
    "SWIMWEAR",
    "suitcase",
    "downtown",
    "兴城市",
    "旗袍定制",
    "home",
    "textiles",
    "家用",
    "毛",
]


def _corpus(count: int) -> list[dict[str, list[str]]]:
    rng = random.Random(2026)
    words = [m for group in lexicon.SYNONYM_GROUPS for m in group] + NOISE
    docs = []
    for _ in range(count):
        weighted: dict[str, list[str]] = {}
        for weight in rng.sample("ABCD", rng.randint(1, 3)):
            weighted[weight] = [
                rng.choice(["", "某", "兴城海韵", "Dalian "])
                + rng.choice(words)
                + rng.choice(["", "有限公司", " Co.", "、袜子"])
                for _ in range(rng.randint(1, 2))
            ]
        docs.append(weighted)
    # a member's words in two weights: matched in the lower one only
    docs += [
        {"A": ["Down Co."], "B": ["jacket"]},
        {"A": ["home"], "C": ["textiles"]},
        {"B": ["children's"], "D": ["wear"]},
    ]
    return docs


def _pairs(vectors: list[str], queries: list[str]) -> set[tuple[int, int]]:
    """(document, query) pairs that match, by PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.i, q.i FROM unnest(%s::tsvector[]) WITH ORDINALITY AS d(v, i), "
            "unnest(%s::tsquery[]) WITH ORDINALITY AS q(t, i) WHERE d.v @@ q.t",
            [vectors, queries],
        )
        return set(cursor.fetchall())


def test_a_group_word_matches_its_lexeme_where_it_matched_the_members(monkeypatch):
    docs = _corpus(400)
    folded = [document(weighted) for weighted in docs]
    monkeypatch.setattr(text, "group_lexemes", lambda atoms: [])
    unfolded = [document(weighted) for weighted in docs]
    members, lexemes = [], []
    for number in GROUPS:
        for weights in RESTRICTIONS:
            members.append(restricted(members_expression(number), weights))
            lexemes.append(restricted(quote_lexeme(group_lexeme(number)), weights))
    expected = _pairs(unfolded, members)
    assert _pairs(folded, lexemes) == expected
    # every group and restriction met, so the comparison is not empty
    assert {q for _d, q in expected} == set(range(1, len(members) + 1))


def _lexemes(pk: int) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme, array_to_string(weights, '') FROM "
            "enterprises_enterprise, unnest(search_vector) WHERE id = %s",
            [pk],
        )
        return dict(cursor.fetchall())


def test_the_migration_folds_documents_stored_before():
    entries = [
        EnterpriseFactory(name="兴城海韵泳装有限公司", products="袜子、Swimwear"),
        EnterpriseFactory(name="Down Co.", products="jacket", address="兴城市"),
        EnterpriseFactory(name="大连大杨集团", products="西装"),
        EnterpriseFactory(name="某商贸公司", products="五金"),
    ]
    built = {e.pk: _lexemes(e.pk) for e in entries}
    assert built[entries[0].pk]["≡泳衣"] == "A"
    with connection.cursor() as cursor:  # documents as stored before the fold
        cursor.execute(
            "UPDATE enterprises_enterprise SET search_vector = ts_delete("
            "search_vector, ARRAY(SELECT l FROM unnest(tsvector_to_array("
            "search_vector)) AS l WHERE starts_with(l, '≡')))"
        )
    assert "≡泳衣" not in _lexemes(entries[0].pk)
    fold_synonym_groups(connection)
    assert {e.pk: _lexemes(e.pk) for e in entries} == built
    # folding again changes nothing
    assert fold_synonym_groups(connection) == 0
    # a group lexeme at the wrong weight, or of a group that changed, is put right
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enterprises_enterprise SET search_vector = "
            "ts_delete(search_vector, %s) || %s::tsvector WHERE id = %s",
            ["≡泳衣", "'≡泳衣':1D '≡旧组':2A", entries[0].pk],
        )
    assert _lexemes(entries[0].pk)["≡泳衣"] == "D"
    assert fold_synonym_groups(connection) == 1
    assert {e.pk: _lexemes(e.pk) for e in entries} == built


def test_the_last_folding_migration_folded_the_current_groups():
    """Editing SYNONYM_GROUPS (or how a member matches) leaves the stored
    documents with the old groups' lexemes: add a migration that calls
    enterprises.search.storage.fold_synonym_groups and records the new
    folding_fingerprint() as FOLDS."""
    folds = []
    for info in pkgutil.iter_modules(enterprises.migrations.__path__):
        module = importlib.import_module(f"enterprises.migrations.{info.name}")
        if hasattr(module, "FOLDS"):
            folds.append((info.name, module.FOLDS))
    assert folds, "no migration folds the synonym groups"
    assert max(folds)[1] == folding_fingerprint()
