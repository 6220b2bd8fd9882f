"""Demo survey figures: three years of plainly synthetic figures for about 70% of
the demo enterprises (one set-based INSERT, deterministic for a seed), the
surveys of those years published, and the current year's survey open, so the
statistics, the report and the survey in /me/ show something on `make run`."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from enterprises.models import Enterprise
from surveys.models import EnterpriseFigures, Survey
from surveys.statistics import statistics_refresh

YEARS = 3
NOTE = "演示数据 / demo data"


def seed_survey_figures(*, seed: int, today: dt.date) -> int:
    """Record the figures and compute the statistics; returns the figure rows."""
    first, last = today.year - YEARS, today.year - 1
    for year in range(first, last + 1):
        Survey.objects.update_or_create(
            year=year,
            defaults={
                "opens_on": dt.date(year + 1, 1, 10),
                "closes_on": dt.date(year + 1, 3, 31),
                "status": Survey.Status.PUBLISHED,
            },
        )
    Survey.objects.update_or_create(
        year=today.year,
        defaults={
            "opens_on": today - dt.timedelta(days=7),
            "closes_on": today + dt.timedelta(days=21),
            "status": Survey.Status.OPEN,
        },
    )
    figures = EnterpriseFigures._meta.db_table
    enterprise = Enterprise._meta.db_table
    # h1, h2: two 31-bit hashes of the enterprise and seed. Employees grow by
    # -3 %..+3 % a year from a base of 20..499; revenue per employee 25..64
    # (10,000 yuan); exporters export 10..69 % of it, split JP/US/other.
    # The table names come from model metadata.
    sql = f"""
    INSERT INTO "{figures}" (enterprise_id, year, source, current, flags, note,
        created_at, revenue, output, employees, exports, export_split, capacity,
        products)
    SELECT e.id, y.year, 'staff', true, '[]'::jsonb, %(note)s, now(),
        v.revenue, round(v.revenue * 0.93, 1), v.employees, v.exports,
        CASE WHEN v.exports > 0 THEN jsonb_build_object(
            'jp', round(v.exports * 0.4, 1)::text,
            'us', round(v.exports * 0.35, 1)::text,
            'other', (v.exports - round(v.exports * 0.4, 1)
                      - round(v.exports * 0.35, 1))::text)
        ELSE '{{}}'::jsonb END,
        v.employees * 250, left(e.products, 500)
    FROM "{enterprise}" e
    CROSS JOIN LATERAL (
        SELECT md5(coalesce(e.uscc, e.name) || ':' || %(seed)s) AS digest
    ) d
    CROSS JOIN LATERAL (SELECT
        ('x' || substr(d.digest, 1, 7))::bit(28)::int AS h1,
        ('x' || substr(d.digest, 8, 7))::bit(28)::int AS h2
    ) h
    CROSS JOIN generate_series(%(first)s, %(last)s) AS y(year)
    CROSS JOIN LATERAL (SELECT
        round((20 + h.h1 %% 480)
              * power(1 + ((h.h2 %% 7) - 3) / 100.0, y.year - %(first)s))::int
          AS employees
    ) n
    CROSS JOIN LATERAL (SELECT n.employees,
        round(n.employees * (25 + h.h2 %% 40), 1) AS revenue,
        CASE WHEN e.is_exporter
             THEN round(n.employees * (25 + h.h2 %% 40)
                        * (10 + h.h1 %% 60) / 100.0, 1)
             ELSE 0 END AS exports
    ) v
    WHERE h.h1 %% 10 < 7
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {"note": NOTE, "seed": str(seed), "first": first, "last": last}
        )
        count = cursor.rowcount
    statistics_refresh()
    return count
