"""A realistic mixed search log, generated from the directory's own data.

Draws a sample of published enterprises (a repeatable block sample) and builds from
their names, products, places and codes the kinds of query people type: a place, a
product, place+product with and without a space, a brand fragment, brand+product, a
full name, pinyin and initials (spaced too), one and two English words, a USCC,
three words, filler words, typos; a share of them with filters, another sort or page
3. Deterministic for a seed. ``queries(n)`` returns (kind, query string) pairs.
"""

from __future__ import annotations

import random
import re
from urllib.parse import urlencode

from django.db import connection

from core.regions import region_names
from core.textsearch.text import _pinyin

FILLERS_ZH = ["厂", "工厂", "公司", "有限公司", "出口", "外贸", "加工", "集团"]
FILLERS_EN = ["factory", "manufacturer", "export", "company", "co", "ltd"]
SORTS = ["name", "-updated", "-founded"]
PLACE_SUFFIXES = ("市", "县", "区")
SPLIT_RE = re.compile(r"[、,，;；/\s]+")


def _sample(seed: int, rows: int = 600) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class "
            "WHERE oid = 'enterprises_enterprise'::regclass"
        )
        total = max(float(cursor.fetchone()[0]), 1.0)
        percent = min(100.0, max(0.05, 100.0 * rows * 3 / total))
        sql = (
            "SELECT name, name_en, products, products_en, uscc, region_id, city_id, "
            "sectors FROM enterprises_enterprise TABLESAMPLE SYSTEM (%s) "
            "REPEATABLE (%s) WHERE published LIMIT %s"
        )
        cursor.execute(sql, [percent, seed, rows])
        return cursor.fetchall()


def _short_place(name: str) -> str:
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) > 2:
            return name[: -len(suffix)]
    return name


def _brand(name: str, place: str) -> str:
    """The two characters after the place at the start of a name (大连*大杨*...)."""
    rest = name[len(place) :] if place and name.startswith(place) else name[2:]
    return rest[:2]


def _typo(text: str, rng: random.Random) -> str:
    if text.isascii() and len(text) > 4:
        i = rng.randrange(1, len(text) - 1)
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:-1] if len(text) > 2 else text


def queries(n: int = 300, seed: int = 2026) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows = _sample(seed)
    places = region_names()
    out: list[tuple[str, str]] = []
    kinds = [
        "place",
        "product",
        "place product",
        "placeproduct",
        "brand",
        "brand product",
        "full name",
        "pinyin",
        "spaced pinyin",
        "initials",
        "english word",
        "english two words",
        "uscc",
        "three words",
        "filler words",
        "typo",
    ]
    while len(out) < n:
        name, name_en, products, products_en, uscc, region, city, sectors = rng.choice(
            rows
        )
        county = _short_place(str(places.get(region, "")))
        cityname = _short_place(str(places.get(city, "")))
        place = rng.choice([p for p in (county, cityname) if p] or [""])
        zh_products = [p for p in SPLIT_RE.split(products or "") if p]
        en_words = [w for w in re.findall(r"[A-Za-z]+", name_en or "") if len(w) > 2]
        en_products = [p for p in re.split(r",\s*", products_en or "") if p]
        product = rng.choice(zh_products) if zh_products else "服装"
        brand = _brand(name, county) or name[:2]
        kind = kinds[len(out) % len(kinds)]
        q = {
            "place": place,
            "product": product,
            "place product": f"{place} {product}",
            "placeproduct": f"{place}{product}",
            "brand": brand,
            "brand product": f"{brand} {product}",
            "full name": name,
            "pinyin": _pinyin(brand)[0],
            "spaced pinyin": " ".join(_pinyin(ch)[0] for ch in brand if _pinyin(ch)[0]),
            "initials": _pinyin(place + brand)[1],
            "english word": (rng.choice(en_products).split() or ["textile"])[-1]
            if en_products
            else "textile",
            "english two words": " ".join(en_words[:2]) or "knitting dalian",
            "uscc": uscc or name,
            "three words": f"{place} {brand} {product}",
            "filler words": rng.choice(
                [
                    f"{product}{rng.choice(FILLERS_ZH)}",
                    f"{product} {rng.choice(FILLERS_ZH)}",
                    f"{(en_products or ['swimwear'])[0]} {rng.choice(FILLERS_EN)}",
                ]
            ),
            "typo": _typo(rng.choice([name, *(en_words[:1] or [])]), rng),
        }[kind]
        if not q.strip():
            continue
        params: dict[str, str] = {"q": q}
        roll = rng.random()
        if roll < 0.15:
            params["city"] = city
        elif roll < 0.25 and sectors:
            params["sector"] = sectors[0]
        elif roll < 0.30:
            params["exporter"] = "yes"
        roll = rng.random()
        if roll < 0.10:
            params["sort"] = rng.choice(SORTS)
        elif roll < 0.20:
            params["page"] = "3"
        label = kind + (" +filter" if len(params) > 1 else "")
        out.append((label, urlencode(params)))
    # Browsing without a query, with filters only.
    out += [("no query", "sector=socks&exporter=yes"), ("no query", "")]
    return out


def typeahead_queries(n: int = 60, seed: int = 2027) -> list[str]:
    rng = random.Random(seed)
    rows = _sample(seed, 200)
    out = []
    for i in range(n):
        name = rng.choice(rows)[0]
        text = [name[:2], name[:4], _pinyin(name[:4])[0][:5], _pinyin(name[:4])[1]][
            i % 4
        ]
        out.append(urlencode({"q": text}))
    return out
