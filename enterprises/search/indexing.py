"""What an enterprise contributes to search: its search document and facet keys.

Both are computed in Python from plain values (so the bulk seeder and importer can
use them without model instances) and stored on the row: ``search_vector`` (GIN) and
``facets`` (a text array, GIN). A facet key is ``<facet>:<value>``, e.g.
``se:swimwear`` or ``ci:211400``; filtering is array containment and all facet counts
of a result set come from one ``unnest(facets)`` aggregate.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

from enterprises.choices import (
    EXPORT_MARKETS,
    BusinessModel,
    Certification,
    Sector,
    profile_verified,
)
from enterprises.uscc import check_ok, is_well_formed, normalize_uscc

# facet code -> URL parameter
FACETS = {
    "cl": "cluster",
    "ci": "city",
    "co": "county",
    "se": "sector",
    "bm": "model",
    "mk": "market",
    "ce": "cert",
    "de": "designation",
    "eb": "employees",
    "rb": "revenue",
    "pr": "programme",
    "fy": "founded",
    "ex": "exporter",
    "rs": "status",  # registration status (active, deregistered 注销, revoked 吊销)
    "uw": "uscc_warning",  # data health: the USCC check character fails (not shown)
    "vf": "verified",  # verified by the association (enterprises.choices)
}


@dataclass
class IndexData:
    name: str
    name_en: str = ""
    short_name: str = ""
    former_names: list[str] = field(default_factory=list)
    uscc: str | None = None
    uscc_check_override: bool = False
    registration_status: str = "active"
    products: str = ""
    products_en: str = ""
    processes: str = ""
    sectors: list[str] = field(default_factory=list)
    business_models: list[str] = field(default_factory=list)
    export_markets: list[str] = field(default_factory=list)
    is_exporter: bool = False
    certifications: list[str] = field(default_factory=list)
    designation_kinds: list[str] = field(default_factory=list)
    designation_titles: list[str] = field(default_factory=list)
    employee_band: str = ""
    revenue_band: str = ""
    founded_year: int | None = None
    city_code: str = ""
    county_code: str = ""
    place_names: list[str] = field(default_factory=list)
    address: str = ""
    address_en: str = ""
    clusters: list[tuple[str, str, str]] = field(default_factory=list)  # slug, zh, en
    programmes: list[str] = field(default_factory=list)  # slugs
    source: str = ""
    field_sources: dict[str, str] = field(default_factory=dict)


# IndexData fields that are no enterprise field of the same name: they come from
# its region, city and relations.
_DERIVED = frozenset(
    {
        "certifications",
        "designation_kinds",
        "designation_titles",
        "city_code",
        "county_code",
        "place_names",
        "clusters",
        "programmes",
    }
)
# The enterprise fields search reads, by name.
INDEXED_FIELDS = tuple(f.name for f in fields(IndexData) if f.name not in _DERIVED)
Place = tuple[str, str, str]  # code, Chinese name, English name


def index_data(
    values: Mapping[str, Any],
    *,
    county: Place,
    city: Place | None = None,
    clusters: Iterable[tuple[str, str, str]] = (),
    certifications: Iterable[str] = (),
    designations: Iterable[tuple[str, str, str]] = (),
    programmes: Iterable[str] = (),
) -> IndexData:
    """What search needs of an enterprise: the values of its INDEXED_FIELDS (by
    field name, every one of them), its county and city, its clusters (slug, name,
    English name), certification schemes, designations (kind, title, English
    title) and programme slugs. The one place it is made, for an entry saved by
    `enterprises.services` as for a row written in bulk by an import."""
    city = city or county
    places = [county[1], county[2]]
    if city[0] != county[0]:
        places += [city[1], city[2]]
    designations = list(designations)
    return IndexData(
        **{name: values[name] for name in INDEXED_FIELDS},
        certifications=list(certifications),
        designation_kinds=[kind for kind, _title, _title_en in designations],
        designation_titles=[t for _kind, *titles in designations for t in titles],
        city_code=city[0],
        county_code=county[0],
        place_names=places,
        clusters=sorted(clusters),
        programmes=sorted(set(programmes)),
    )


def index(data: IndexData) -> tuple[str, list[str]]:
    """The search document and facet keys stored on an enterprise's row."""
    return search_document(data), facet_keys(data)


@cache
def _label_words(kind: str) -> dict[str, tuple[str, str]]:
    """Code -> (English label, Chinese label) for a choice list, computed once."""
    from django.utils import translation

    labels: dict[str, Any] = {  # type: ignore[assignment]
        "sector": dict(Sector.choices),
        "model": dict(BusinessModel.choices),
        "cert": dict(Certification.choices),
        "market": EXPORT_MARKETS,
    }[kind]
    out = {}
    for code, label in labels.items():
        with translation.override("en"):
            en = str(label)
        with translation.override("zh-hans"):
            zh = str(label)
        out[code] = (en, zh)
    return out


def _labels_both(kind: str, codes: list[str]) -> list[str]:
    words = _label_words(kind)
    return [w for code in codes if code in words for w in words[code]]


def uscc_check_fails(uscc: str) -> bool:
    """A well-formed code whose check character does not match (a warning)."""
    code = normalize_uscc(uscc)
    return is_well_formed(code) and not check_ok(code)


def facet_keys(data: IndexData) -> list[str]:
    keys = [f"cl:{slug}" for slug, _zh, _en in data.clusters]
    if data.city_code:
        keys.append(f"ci:{data.city_code}")
    if data.county_code and data.county_code != data.city_code:
        keys.append(f"co:{data.county_code}")
    keys += [f"se:{s}" for s in data.sectors]
    keys += [f"bm:{m}" for m in data.business_models]
    keys += [f"mk:{m}" for m in data.export_markets]
    keys += [f"ce:{c}" for c in data.certifications]
    keys += [f"de:{k}" for k in sorted(set(data.designation_kinds))]
    if data.employee_band:
        keys.append(f"eb:{data.employee_band}")
    if data.revenue_band:
        keys.append(f"rb:{data.revenue_band}")
    keys += [f"pr:{p}" for p in data.programmes]
    if data.founded_year:
        keys.append(f"fy:{data.founded_year // 10 * 10}")
    keys.append("ex:yes" if data.is_exporter else "ex:no")
    if data.registration_status:
        keys.append(f"rs:{data.registration_status}")
    if data.uscc and not data.uscc_check_override and uscc_check_fails(data.uscc):
        keys.append("uw:yes")
    if profile_verified(data.source, data.field_sources):
        keys.append("vf:yes")
    return list(dict.fromkeys(keys))


# Weights whose Chinese words are indexed with their pinyin and initials too: names
# and products (dayang, dy; yongzhuang). Places have their English names in the
# document already (Xingcheng); the pinyin of addresses, processes and labels
# served no query and was a third of the document's lexemes.
PINYIN_WEIGHTS = "AB"


def search_document(data: IndexData, *, pinyin_weights: str = PINYIN_WEIGHTS) -> str:
    """The tsvector literal of an enterprise (see core.textsearch.text)."""
    from core.textsearch.text import document

    weighted = {
        "A": [data.name, data.name_en, data.short_name, *data.former_names],
        "B": [
            data.products,
            data.products_en,
            *_labels_both("sector", data.sectors),
            *data.designation_titles,
        ],
        # A cluster's name says where a firm is, not what it makes: a search for
        # 泳装 lists swimwear makers before the members of 兴城泳装产业集群 making
        # socks.
        "C": [
            *[zh for _slug, zh, _en in data.clusters],
            *[en for _slug, _zh, en in data.clusters],
            *data.place_names,
            data.address,
            data.address_en,
            data.processes,
            *_labels_both("model", data.business_models),
            *_labels_both("cert", data.certifications),
            *_labels_both("market", data.export_markets),
        ],
        "D": [data.uscc or ""],
    }
    return document(weighted, pinyin_weights=pinyin_weights)
