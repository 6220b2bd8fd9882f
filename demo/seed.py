"""Deterministic demo data, fast enough for a million enterprises.

Fixed rows (clusters, markets, colleges, programmes, events, users) are written with
the ORM; enterprises and their relations are generated in worker processes, each chunk
from its own seeded ``random.Random``, as PostgreSQL COPY text, and loaded with COPY.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.core.cache import cache as django_cache
from django.db import connection, transaction
from django.utils import timezone

from clusters.models import Cluster, Designation
from colleges.models import College, CollegeProgramme
from core.models import Region
from core.permissions import staff_group
from demo import catalog as cat
from demo import rows
from demo.models import DemoDataset
from demo.surveys import seed_survey_figures
from enterprises.models import Enterprise, EnterpriseMembership
from markets.models import Market
from programmes.models import Award, Event, Programme

BULK_THRESHOLD = 50_000  # rows above which indexes are dropped and rebuilt
DEMO_USERS = ("demo-staff", "demo-enterprise")


class AlreadySeeded(Exception):
    pass


# --- Organisation codes --------------------------------------------------------------


def _seed_fixed(today: dt.date) -> None:
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
    for slug, designations in cat.CLUSTER_DESIGNATIONS.items():
        for kind, title, title_en, body, body_en, awarded, review in designations:
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

    group = staff_group()  # staff capability comes from its permissions
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


# Indexes dropped during a large load and rebuilt after (much faster than upkeep).
BULK_INDEXES = [
    "enterprise_search_gin",
    "enterprise_facets_gin",
    "enterprise_name",
    "enterprise_name_prefix",
    "enterprise_name_en_prefix",
]


def _jobs(count: int) -> Iterator[tuple[int, int]]:
    for chunk_no in range((count + rows.CHUNK - 1) // rows.CHUNK):
        yield chunk_no, min(rows.CHUNK, count - chunk_no * rows.CHUNK)


def has_content() -> bool:
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
        ctx = rows.Context(
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
            copies = {key: raw.cursor() for key in rows.TABLES}
            done = 0
            results = _generate(ctx, enterprises, workers)
            # Enterprise rows must precede rows that reference them: buffer the
            # related tables per chunk and write them after their enterprises.
            for chunk in results:
                for key, (table, columns) in rows.TABLES.items():
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
            seed_survey_figures(seed=seed, today=today)
        DemoDataset.objects.create(seed=seed, enterprises=enterprises)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    django_cache.delete("directory:is_demo")
    return {"enterprises": enterprises}


def _generate(ctx: rows.Context, count: int, workers: int) -> Iterator[dict[str, str]]:
    jobs = list(_jobs(count))
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield rows.enterprise_rows(ctx, *job)
        return
    mp = multiprocessing.get_context("fork")
    with mp.Pool(workers, initializer=rows.init_worker, initargs=(ctx,)) as pool:
        yield from pool.imap(rows.generate_chunk, jobs, chunksize=1)


def _recreate_indexes(cursor) -> None:
    with connection.schema_editor(atomic=False) as editor:
        for index in Enterprise._meta.indexes:
            if index.name in BULK_INDEXES:
                editor.add_index(Enterprise, index)
