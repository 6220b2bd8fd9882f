"""The generated part of the demo data: enterprises and their relations, as
PostgreSQL COPY text, from a seeded ``random.Random`` per chunk (so any chunk can be
made in any worker process and the result is the same)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import cache

from core.pgcopy import copy_row
from demo import catalog as cat
from enterprises.names import name_key, sort_keys
from enterprises.search.indexing import IndexData, facet_keys, search_document
from enterprises.uscc import ALPHABET, check_character

CHUNK = 5_000  # enterprises per generated chunk

# The columns of the enterprise table, in the order the generator writes a row for
# COPY (table columns, not the field registry's: they include the city, the search
# document, the facet keys and the timestamps; tests/demo checks them against the
# model).
ENTERPRISE_TABLE_COLUMNS = [
    "id",
    "name",
    "name_en",
    "short_name",
    "former_names",
    "uscc",
    "uscc_check_override",
    "registration_status",
    "founded_year",
    "region_id",
    "city_id",
    "address",
    "address_en",
    "latitude",
    "longitude",
    "datum",
    "business_models",
    "sectors",
    "products",
    "products_en",
    "processes",
    "monthly_capacity",
    "moq",
    "lead_time_days",
    "description",
    "description_en",
    "is_exporter",
    "export_markets",
    "export_share",
    "employee_band",
    "revenue_band",
    "contact_person",
    "contact_phone",
    "contact_email",
    "wechat",
    "contact_visibility",
    "website",
    "logo",
    "published",
    "source",
    "field_sources",
    "survey_year",
    "last_confirmed_on",
    "created_at",
    "updated_at",
    "search_vector",
    "facets",
    "name_key",
    "name_sort",
    "name_sort_en",
    "merged_into_id",
]


def org_code(number: int) -> str:
    """A GB 11714 organisation code (8 digits + check character) for a number."""
    body = f"{number % 100_000_000:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(county_code: str, number: int) -> str:
    """A valid USCC for a company registered in a county (unique per number)."""
    first17 = "91" + county_code + org_code(number)
    assert all(c in ALPHABET for c in first17)  # noqa: S101 - internal invariant
    return first17 + check_character(first17)


# --- Generation context (shared by workers) ----------------------------------------


@dataclass(frozen=True)
class Context:
    seed: int
    start_id: int
    regions: dict[str, tuple[str, str, str]]  # code -> (name, name_en, parent)
    counties_by_city: dict[str, list[str]]
    clusters: list[
        tuple[int, str, str, str, str, list[str]]
    ]  # id, slug, zh, en, region, sectors
    programmes: list[tuple[int, str]]  # id, slug
    events_by_programme: dict[int, list[int]]
    markets: list[tuple[int, str, str | None]]  # id, region, cluster slug
    today: dt.date


@cache
def _pinyin_title(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).capitalize()


def _short_place(name: str) -> str:
    for suffix in ("满族自治县", "蒙古族自治县", "自治县", "新区", "市", "县", "区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _english_place(name_en: str) -> str:
    for suffix in (" District", " County", " City"):
        name_en = name_en.replace(suffix, "")
    return name_en.split(" Manchu")[0].split(" Mongol")[0]


def _weighted_choice(rng: random.Random, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


EMPLOYEE_BANDS = ["1-19", "20-99", "100-299", "300-999", "1000+"]
REVENUE_BANDS = ["lt5m", "5m-20m", "20m-100m", "100m-500m", "gt500m"]
MARKETS = [
    "JP",
    "KR",
    "US",
    "DE",
    "GB",
    "FR",
    "IT",
    "RU",
    "CA",
    "AU",
    "NL",
    "ES",
    "AE",
    "SG",
    "VN",
    "MN",
]
MARKET_WEIGHTS = [30, 25, 15, 6, 5, 4, 3, 6, 3, 2, 2, 2, 2, 1, 1, 2]
CERTS = [
    ("iso9001", 30),
    ("iso14001", 12),
    ("oeko_tex_100", 10),
    ("bsci", 8),
    ("wrap", 3),
    ("gots", 2),
    ("grs", 2),
    ("sa8000", 2),
    ("iso45001", 5),
]
OTHER_SECTORS = list(cat.SECTOR_VOCAB)


def enterprise_rows(ctx: Context, chunk_no: int, count: int) -> dict[str, str]:
    """Generate one chunk of enterprises and their relations as COPY text."""
    rng = random.Random(ctx.seed * 1_000_003 + chunk_no)
    out: dict[str, list[str]] = {
        "enterprise": [],
        "clusters": [],
        "certs": [],
        "designations": [],
        "participations": [],
        "tenancies": [],
    }
    cities = list(ctx.counties_by_city)
    now = dt.datetime.combine(ctx.today, dt.time(12), tzinfo=dt.UTC)
    for offset in range(count):
        index = chunk_no * CHUNK + offset
        eid = ctx.start_id + index
        # Where and what: 65% in a cluster.
        cluster = None
        if rng.random() < 0.65:
            cluster = ctx.clusters[rng.randrange(len(ctx.clusters))]
            region_code = cluster[4]
            if region_code.endswith("00"):
                region_code = rng.choice(ctx.counties_by_city[region_code])
            sectors = [rng.choice(cluster[5])]
        else:
            city = rng.choice(cities)
            region_code = rng.choice(ctx.counties_by_city[city])
            sectors = [rng.choice(OTHER_SECTORS)]
        if rng.random() < 0.25:
            extra = rng.choice(OTHER_SECTORS)
            if extra not in sectors:
                sectors.append(extra)
        city_code = region_code[:4] + "00"
        county_name, county_en, _ = ctx.regions[region_code]
        city_name, city_en, _ = ctx.regions[city_code]
        place = _short_place(county_name if rng.random() < 0.5 else city_name)
        place_en = _english_place(
            county_en if place == _short_place(county_name) else city_en
        )
        word, word_en, products = cat.SECTOR_VOCAB[sectors[0]]
        if rng.random() < 0.002:
            brand = rng.choice(cat.EXTRA_BRANDS)
        else:
            brand = rng.choice(cat.BRAND_CHARS) + rng.choice(cat.BRAND_CHARS)
        suffix, suffix_en = _weighted_choice(rng, cat.SUFFIXES, [50, 25, 8, 7, 10])
        name = f"{place}{brand}{word}{suffix}"
        name_en = f"{place_en} {_pinyin_title(brand)} {word_en} {suffix_en}"
        chosen = rng.sample(products, k=min(len(products), rng.randint(1, 3)))
        for extra_sector in sectors[1:]:
            chosen.append(rng.choice(cat.SECTOR_VOCAB[extra_sector][2]))
        products_zh = "、".join(p[0] for p in chosen)
        products_en = ", ".join(p[1] for p in chosen)
        models = ["processing"] if rng.random() < 0.7 else []
        for model, p in (
            ("odm", 0.2),
            ("own_brand", 0.2),
            ("trading", 0.1),
            ("ecommerce", 0.12),
            ("service", 0.03),
        ):
            if rng.random() < p:
                models.append(model)
        if not models:
            models = ["own_brand"]
        is_exporter = rng.random() < 0.42
        markets = []
        if is_exporter:
            markets = sorted(
                set(rng.choices(MARKETS, MARKET_WEIGHTS, k=rng.randint(1, 4)))
            )
        employees = _weighted_choice(rng, EMPLOYEE_BANDS, [30, 40, 18, 9, 3])
        revenue = REVENUE_BANDS[
            min(4, EMPLOYEE_BANDS.index(employees) + rng.randint(-1, 1))
            if employees != "1-19"
            else 0
        ]
        founded = rng.randint(1980, 2024)
        certs = [c for c, w in CERTS if rng.random() < w / 100]
        designation_kinds = []
        designation_titles = []
        if rng.random() < 0.012:
            designation_kinds.append("high_quality")
            designation_titles += [
                "辽宁省高质量制造企业",
                "Liaoning high-quality manufacturer",
            ]
        if rng.random() < 0.02:
            designation_kinds.append("brand")
            designation_titles += ["辽宁省知名品牌", "Liaoning well-known brand"]
        programme_slugs = []
        participation = None
        if rng.random() < 0.05:
            pid, pslug = rng.choice(ctx.programmes)
            events = ctx.events_by_programme.get(pid, [])
            event_id = rng.choice(events) if events and rng.random() < 0.5 else None
            participation = (pid, event_id, rng.choice([2024, 2025]))
            programme_slugs.append(pslug)
        uscc = make_uscc(region_code, eid * 7919 + ctx.seed)
        centre = cat.CITY_CENTROIDS[city_code]
        lat = round(centre[0] + rng.uniform(-0.25, 0.25), 6)
        lng = round(centre[1] + rng.uniform(-0.3, 0.3), 6)
        road = rng.choice(cat.ROADS)
        number = rng.randint(1, 999)
        county_part = county_name if county_name != city_name else ""
        address = f"{city_name}{county_part}{road}路{number}号"
        address_en = f"No. {number} {_pinyin_title(road)} Road, {county_en}, {city_en}"
        person = (
            rng.choice(cat.SURNAMES)
            + rng.choice(cat.GIVEN)
            + (rng.choice(cat.GIVEN) if rng.random() < 0.6 else "")
        )
        updated = now - dt.timedelta(
            days=rng.randint(0, 1000), minutes=rng.randint(0, 1440)
        )
        confirmed = (updated - dt.timedelta(days=rng.randint(0, 200))).date()
        published = index == 0 or rng.random() < 0.95
        status = "active" if rng.random() < 0.97 else "deregistered"
        data = IndexData(
            name=name,
            registration_status=status,
            name_en=name_en,
            short_name=f"{place}{brand}",
            uscc=uscc,
            products=products_zh,
            products_en=products_en,
            sectors=sectors,
            business_models=models,
            export_markets=markets,
            is_exporter=is_exporter,
            certifications=certs,
            designation_kinds=designation_kinds,
            designation_titles=designation_titles,
            employee_band=employees,
            revenue_band=revenue,
            founded_year=founded,
            city_code=city_code,
            county_code=region_code,
            place_names=[county_name, county_en, city_name, city_en]
            if region_code != city_code
            else [city_name, city_en],
            address=address,
            address_en=address_en,
            clusters=[(cluster[1], cluster[2], cluster[3])] if cluster else [],
            programmes=programme_slugs,
        )
        row = [
            eid,
            name,
            name_en,
            f"{place}{brand}",
            [],
            uscc,
            False,
            status,
            founded,
            region_code,
            city_code,
            address,
            address_en,
            lat,
            lng,
            "gcj02",
            models,
            sectors,
            products_zh,
            products_en,
            "",
            f"{rng.randint(1, 50) * 10000} 件",
            f"{rng.choice([100, 300, 500, 1000])} 件",
            rng.choice([15, 20, 30, 45, 60]),
            f"{name}是一家位于{city_name}的演示企业，主营{products_zh}。",
            f"{name_en} is a demo enterprise in {city_en} making {products_en}.",
            is_exporter,
            markets,
            rng.randint(10, 90) if is_exporter else None,
            employees,
            revenue,
            person,
            f"1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}",
            f"contact{eid}@demo.example",
            f"wx{eid}",
            "public" if rng.random() < 0.15 else "staff",
            f"https://e{eid}.demo.example" if rng.random() < 0.3 else "",
            "",
            published,
            "demo",
            "{}",
            2025,
            confirmed,
            updated - dt.timedelta(days=30),
            updated,
            search_document(data),
            facet_keys(data),
            name_key(name),
            *sort_keys(name, name_en),
            None,  # merged_into
        ]
        out["enterprise"].append(copy_row(row))
        if cluster:
            out["clusters"].append(copy_row([eid, cluster[0]]))
        for scheme in certs:
            start = dt.date(rng.randint(2020, 2025), rng.randint(1, 12), 1)
            out["certs"].append(
                copy_row(
                    [
                        eid,
                        scheme,
                        f"DEMO-{scheme.upper()}-{eid}",
                        start,
                        start.replace(year=start.year + 3),
                    ]
                )
            )
        if "high_quality" in designation_kinds:
            out["designations"].append(
                copy_row(
                    [
                        "high_quality",
                        "辽宁省高质量制造企业",
                        "Liaoning high-quality manufacturer",
                        "辽宁省纺织服装协会（演示记录）",
                        "Liaoning textile association (demo record)",
                        dt.date(2024, 6, 1),
                        dt.date(2027, 6, 1),
                        None,
                        eid,
                    ]
                )
            )
        if "brand" in designation_kinds:
            out["designations"].append(
                copy_row(
                    [
                        "brand",
                        "辽宁省知名品牌",
                        "Liaoning well-known brand",
                        "辽宁省纺织服装协会（演示记录）",
                        "Liaoning textile association (demo record)",
                        dt.date(2023, 3, 1),
                        None,
                        None,
                        eid,
                    ]
                )
            )
        if participation:
            out["participations"].append(
                copy_row([participation[0], eid, participation[1], participation[2]])
            )
        for market_id, market_region, market_cluster in ctx.markets:
            if (
                market_region == region_code
                or (cluster and cluster[1] == market_cluster)
            ) and rng.random() < 0.3:
                out["tenancies"].append(
                    copy_row(
                        [
                            market_id,
                            eid,
                            f"{rng.choice('ABCDEF')}-{eid}",
                            rng.randint(2005, 2025),
                        ]
                    )
                )
    return {key: "".join(rows) for key, rows in out.items()}


_CTX: Context | None = None


def init_worker(ctx: Context) -> None:
    global _CTX
    _CTX = ctx


def generate_chunk(job: tuple[int, int]) -> dict[str, str]:
    assert _CTX is not None  # noqa: S101
    return enterprise_rows(_CTX, *job)


# --- Fixed rows -------------------------------------------------------------------


TABLES = {
    "enterprise": ("enterprises_enterprise", ENTERPRISE_TABLE_COLUMNS),
    "clusters": ("enterprises_enterprise_clusters", ["enterprise_id", "cluster_id"]),
    "certs": (
        "enterprises_enterprisecertification",
        ["enterprise_id", "scheme", "certificate_no", "valid_from", "valid_until"],
    ),
    "designations": (
        "clusters_designation",
        [
            "kind",
            "title",
            "title_en",
            "awarding_body",
            "awarding_body_en",
            "awarded_on",
            "next_review_on",
            "cluster_id",
            "enterprise_id",
        ],
    ),
    "participations": (
        "programmes_participation",
        ["programme_id", "enterprise_id", "event_id", "year"],
    ),
    "tenancies": (
        "markets_tenancy",
        ["market_id", "enterprise_id", "stall", "since_year"],
    ),
}
