import datetime as dt
from decimal import Decimal

from django.utils import timezone

from surveys.models import Survey


def open_survey(year=2025, **kwargs) -> Survey:
    today = timezone.localdate()
    values = {
        "year": year,
        "opens_on": today - dt.timedelta(days=10),
        "closes_on": today + dt.timedelta(days=20),
        "status": Survey.Status.OPEN,
    }
    values.update(kwargs)
    return Survey.objects.create(**values)


def figures(**overrides) -> dict:
    values = {
        "revenue": Decimal("1200.0"),
        "output": Decimal("1100.0"),
        "employees": 80,
        "exports": Decimal("600.0"),
        "export_split": {"jp": Decimal("400.0"), "us": Decimal("200.0")},
        "capacity": 30000,
        "products": "泳装",
    }
    values.update(overrides)
    return values
