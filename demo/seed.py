"""Deterministic demo data, fast enough for a million enterprises.

Fixed rows (clusters, markets, colleges, programmes, events, users) are written with
the ORM; enterprises and their relations are generated in worker processes, each chunk
from its own seeded ``random.Random``, as PostgreSQL COPY text, and loaded with COPY.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache as django_cache
from django.db import connection, transaction
from django.utils import timezone

from core.models import Region
from core.pgcopy import copy_row
from demo import catalog as cat
from demo.models import DemoDataset
from enterprises.names import name_key
from enterprises.search.indexing import IndexData, facet_keys, search_document
from enterprises.uscc import ALPHABET, check_character

CHUNK = 5_000
BULK_THRESHOLD = 50_000  # rows above which indexes are dropped and rebuilt
DEMO_USERS = ("demo-staff", "demo-enterprise")
STAFF_GROUP = "Staff"
STAFF_APPS = (
    "core",
    "accounts",
    "moderation",
    "imports",
    "clusters",
    "enterprises",
    "colleges",
    "markets",
    "programmes",
)

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
]


class AlreadySeeded(Exception):
    pass


# --- Organisation codes --------------------------------------------------------------


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


def _enterprise_rows(ctx: Context, chunk_no: int, count: int) -> dict[str, str]:
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
        data = IndexData(
            name=name,
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
            "active" if rng.random() < 0.97 else "deregistered",
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


def _init_worker(ctx: Context) -> None:
    global _CTX
    _CTX = ctx


def _work(job: tuple[int, int]) -> dict[str, str]:
    assert _CTX is not None  # noqa: S101
    return _enterprise_rows(_CTX, *job)


# --- Fixed rows -------------------------------------------------------------------


def _seed_fixed(today: dt.date) -> None:
    from clusters.models import Cluster, Designation
    from colleges.models import College, CollegeProgramme
    from markets.models import Market
    from programmes.models import Award, Event, Programme

    for slug, name, name_en, region, spec, spec_en, sectors, synthetic in cat.CLUSTERS:
        Cluster.objects.create(
            slug=slug,
            name=name,
            name_en=name_en,
            region_id=region,
            specialty=spec,
            specialty_en=spec_en,
            sectors=sectors,
            is_synthetic=synthetic,
            description=f"{name}：{spec}。" + ("（演示数据）" if synthetic else ""),
            description_en=f"{name_en}: {spec_en}."
            + (" (demo data)" if synthetic else ""),
        )
    clusters = {c.slug: c for c in Cluster.objects.all()}
    for slug, rows in cat.CLUSTER_DESIGNATIONS.items():
        for kind, title, title_en, body, body_en, awarded, review in rows:
            Designation.objects.create(
                cluster=clusters[slug],
                kind=kind,
                title=title,
                title_en=title_en,
                awarding_body=body,
                awarding_body_en=body_en,
                awarded_on=dt.date.fromisoformat(awarded) if awarded else None,
                next_review_on=dt.date.fromisoformat(review) if review else None,
            )
    for slug, name, name_en, region, cluster, spec, spec_en in cat.MARKETS:
        Market.objects.create(
            slug=slug,
            name=name,
            name_en=name_en,
            region_id=region,
            cluster=clusters.get(cluster) if cluster else None,
            specialty=spec,
            specialty_en=spec_en,
        )
    for slug, name, name_en, kind, school, school_en, region, synthetic in cat.COLLEGES:
        college = College.objects.create(
            slug=slug,
            name=name,
            name_en=name_en,
            kind=kind,
            school=school,
            school_en=school_en,
            region_id=region,
            is_synthetic=synthetic,
        )
        for p_name, p_en, level in cat.COLLEGE_PROGRAMMES[: 2 + len(slug) % 3]:
            CollegeProgramme.objects.create(
                college=college, name=p_name, name_en=p_en, level=level
            )
    for slug, kind, name, name_en in cat.PROGRAMMES:
        Programme.objects.create(
            slug=slug,
            kind=kind,
            name=name,
            name_en=name_en,
            description=f"{name}（演示说明）",
            description_en=f"{name_en} (demo text)",
        )
    programmes = {p.slug: p for p in Programme.objects.all()}
    for slug, pslug, kind, name, name_en, start, end, region in cat.EVENTS:
        event = Event.objects.create(
            slug=slug,
            programme=programmes[pslug],
            kind=kind,
            name=name,
            name_en=name_en,
            starts_on=dt.date.fromisoformat(start),
            ends_on=dt.date.fromisoformat(end),
            region_id=region,
        )
        if kind == "competition":
            for rank, (zh, en) in enumerate(
                [("金奖", "Gold award"), ("银奖", "Silver award")]
            ):
                Award.objects.create(
                    event=event,
                    title=zh,
                    title_en=en,
                    winner_name=f"演示选手{rank + 1}号",
                )


def _seed_users(first_enterprise_id: int) -> None:
    from django.conf import settings

    from enterprises.models import EnterpriseMembership

    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label__in=STAFF_APPS)
    )
    User = get_user_model()
    staff = User.objects.create_user(
        "demo-staff",
        email="demo-staff@demo.example",
        password=settings.DEMO_PASSWORD,
        is_staff=True,
        first_name="演示",
        last_name="职员",
    )
    staff.groups.add(group)
    member = User.objects.create_user(
        "demo-enterprise",
        email="demo-enterprise@demo.example",
        password=settings.DEMO_PASSWORD,
    )
    EnterpriseMembership.objects.create(
        user=member, enterprise_id=first_enterprise_id, role="owner"
    )


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
# Indexes dropped during a large load and rebuilt after (much faster than upkeep).
BULK_INDEXES = [
    "enterprise_search_gin",
    "enterprise_facets_gin",
    "enterprise_name",
    "enterprise_name_prefix",
    "enterprise_name_en_prefix",
]


def _jobs(count: int) -> Iterator[tuple[int, int]]:
    for chunk_no in range((count + CHUNK - 1) // CHUNK):
        yield chunk_no, min(CHUNK, count - chunk_no * CHUNK)


def has_content() -> bool:
    from clusters.models import Cluster
    from enterprises.models import Enterprise

    return Cluster.objects.exists() or Enterprise.objects.exists()


def seed(
    *,
    enterprises: int,
    seed: int,
    workers: int = 2,
    progress=None,
    bulk: bool | None = None,
) -> dict:
    """Load the demo data into an empty directory. Returns counts."""
    from clusters.models import Cluster
    from enterprises.models import Enterprise
    from markets.models import Market
    from programmes.models import Event, Programme

    if has_content():
        raise AlreadySeeded
    today = timezone.localdate()
    with transaction.atomic():
        _seed_fixed(today)
        regions = {
            r.code: (r.name, r.name_en, r.parent_id) for r in Region.objects.all()
        }
        counties: dict[str, list[str]] = {}
        for code, (_n, _e, parent) in regions.items():
            if parent and parent != "210000":
                counties.setdefault(parent, []).append(code)
        start_id = (
            Enterprise.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ) + 1
        events: dict[int, list[int]] = {}
        for event_id, programme_id in Event.objects.values_list("id", "programme_id"):
            events.setdefault(programme_id, []).append(event_id)
        ctx = Context(
            seed=seed,
            start_id=start_id,
            regions=regions,
            counties_by_city=counties,
            clusters=[
                (c.id, c.slug, c.name, c.name_en, c.region_id, c.sectors)
                for c in Cluster.objects.order_by("slug")
            ],
            programmes=list(
                Programme.objects.order_by("slug").values_list("id", "slug")
            ),
            events_by_programme=events,
            markets=[
                (m.id, m.region_id, m.cluster.slug if m.cluster else None)
                for m in Market.objects.select_related("cluster").order_by("slug")
            ],
            today=today,
        )
        if bulk is None:
            bulk = enterprises >= BULK_THRESHOLD
        with connection.cursor() as cursor:
            # Check foreign keys row by row as COPY goes instead of queueing a
            # deferred trigger event per row (memory), which would also forbid
            # building the indexes below in the same transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if bulk:
                for index in BULK_INDEXES:
                    cursor.execute(f'DROP INDEX IF EXISTS "{index}"')
            raw = cursor.connection
            copies = {key: raw.cursor() for key in TABLES}
            done = 0
            results = _generate(ctx, enterprises, workers)
            # Enterprise rows must precede rows that reference them: buffer the
            # related tables per chunk and write them after their enterprises.
            for chunk in results:
                for key, (table, columns) in TABLES.items():
                    if chunk[key]:
                        with copies[key].copy(
                            f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                        ) as copy:
                            copy.write(chunk[key])
                done += chunk["enterprise"].count("\n")
                if progress:
                    progress(done, enterprises)
            if bulk:
                # Fire the deferred foreign-key checks of the COPYs first: an index
                # cannot be built on a table with pending trigger events.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                _recreate_indexes(cursor)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('enterprises_enterprise', 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM enterprises_enterprise))"
            )
        if enterprises:
            _seed_users(start_id)
        DemoDataset.objects.create(seed=seed, enterprises=enterprises)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    django_cache.delete("directory:is_demo")
    return {"enterprises": enterprises}


def _generate(ctx: Context, count: int, workers: int) -> Iterator[dict[str, str]]:
    jobs = list(_jobs(count))
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _enterprise_rows(ctx, *job)
        return
    mp = multiprocessing.get_context("fork")
    with mp.Pool(workers, initializer=_init_worker, initargs=(ctx,)) as pool:
        yield from pool.imap(_work, jobs, chunksize=1)


def _recreate_indexes(cursor) -> None:
    from enterprises.models import Enterprise

    with connection.schema_editor(atomic=False) as editor:
        for index in Enterprise._meta.indexes:
            if index.name in BULK_INDEXES:
                editor.add_index(Enterprise, index)
