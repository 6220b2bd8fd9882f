"""Survey figures as a kind of import (``survey``): its columns and row form, and
the planner, writer and undo that `imports` runs for it (registered in
`SurveysConfig.ready`), so the figures get the import's dry run, atomic apply
and undo. A row names an enterprise by its id or USCC and a year; a row for an
enterprise that has figures for the year replaces them (the dry run shows it as an
update with its changes; the replaced figures are kept and undo restores them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.messages import coded
from enterprises.models import Enterprise
from enterprises.services import jsonable
from enterprises.uscc import normalize_uscc
from imports.cleaning import RowCleaner
from imports.columns import Column, RowForm, Section
from imports.plan import Options, RowPlan
from surveys.figures import FIGURES, MARKETS
from surveys.models import EnterpriseFigures
from surveys.rules import check_values, plausibility_flags
from surveys.services import split_json

SURVEY_COLUMNS = [
    Column("year", "年份", "Year", required=True),
    Column("id", "企业编号", "Enterprise ID"),
    Column("uscc", "统一社会信用代码", "USCC"),
    Column("name", "企业名称", "Name"),
    *[Column(f.name, f.zh, f.en) for f in FIGURES],
    *[
        Column(f"export_{m.code}", f"出口额（{m.zh}）", f"Exports: {m.en}")
        for m in MARKETS
    ],
]  # fmt: skip
VALUE_NAMES = [f.name for f in FIGURES]
MARKET_FIELDS = [f"export_{m.code}" for m in MARKETS]


class SurveyRowForm(RowForm):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    id = forms.IntegerField(required=False, min_value=1)
    uscc = forms.CharField(required=False, max_length=30)
    name = forms.CharField(required=False, max_length=200)

    class Meta:
        model = EnterpriseFigures
        fields = VALUE_NAMES

    def clean(self) -> dict[str, Any]:
        data = self.cleaned_data
        if not data.get("id") and not normalize_uscc(data.get("uscc") or ""):
            raise ValidationError(_("Give the enterprise's ID or its USCC."))
        split = {
            name.removeprefix("export_"): data[name]
            for name in MARKET_FIELDS
            if data.get(name) is not None
        }
        check_values({**data, "export_split": split})
        data["export_split"] = split
        return data


# The export value by market: a column per market group.
for _name in MARKET_FIELDS:
    SurveyRowForm.base_fields[_name] = forms.DecimalField(
        required=False,
        max_digits=14,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0))],
    )


def _values(data: dict[str, Any]) -> dict[str, Any]:
    """The figures of a cleaned row, as stored."""
    out = {name: data.get(name) for name in VALUE_NAMES}
    out["products"] = out["products"] or ""
    out["export_split"] = split_json(data.get("export_split", {}))
    return out


def _tenth(value: Any) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.1")))


def _columns_of(values: dict[str, Any]) -> dict[str, Any]:
    """Figures by column name (the split as its market columns), JSON-safe."""
    out = {name: jsonable(values.get(name)) for name in VALUE_NAMES}
    split = values.get("export_split") or {}
    for m in MARKETS:
        value = split.get(m.code)
        out[f"export_{m.code}"] = None if value is None else _tenth(value)
    for name in ("revenue", "output", "exports"):
        if out[name] is not None:
            out[name] = _tenth(out[name])
    if out["products"] is None:
        out["products"] = ""
    return out


class SurveyPlanner:
    """Rows matched to enterprises (id, else USCC) and to their current figures of
    the year."""

    def __init__(self, section: Section, fields: list[str], options: Options) -> None:
        self.section = section
        self.fields = fields
        self.cleaner = RowCleaner(section, fields)
        self.seen: dict[tuple[int, int], int] = {}

    def prefetch(self, cleaned: list[tuple[RowPlan, dict]]) -> Any:
        return None

    def plan(
        self, cleaned: list[tuple[RowPlan, dict]], prefetched: Any = None
    ) -> list[RowPlan]:
        rows = [(p, v) for p, v in cleaned if not p.errors]
        ids = {v["id"] for _p, v in rows if v.get("id")}
        codes = {normalize_uscc(v.get("uscc") or "") for _p, v in rows} - {""}
        by_id = dict(Enterprise.objects.filter(pk__in=ids).values_list("pk", "name"))
        by_uscc = {
            code: (pk, name)
            for pk, name, code in Enterprise.objects.filter(uscc__in=codes).values_list(
                "pk", "name", "uscc"
            )
        }
        found: dict[int, tuple[int, str]] = {}
        for plan, values in rows:
            code = normalize_uscc(values.get("uscc") or "")
            if values.get("id"):
                if values["id"] in by_id:
                    found[plan.row] = (values["id"], by_id[values["id"]])
                else:
                    plan.errors.append(coded("no_such_id", id=values["id"]))
            elif code in by_uscc:
                found[plan.row] = by_uscc[code]
            else:
                plan.errors.append(coded("no_such_uscc", uscc=code))
        current = {
            (f.enterprise_id, f.year): f
            for f in EnterpriseFigures.objects.filter(
                current=True,
                enterprise_id__in=[pk for pk, _n in found.values()],
                year__in={v["year"] for _p, v in rows},
            )
        }
        out = []
        for plan, values in cleaned:
            out.append(plan)
            if plan.errors:
                plan.action = "error"
                continue
            pk, name = found[plan.row]
            plan.label = plan.label or name
            plan.target = pk
            key = (pk, values["year"])
            if key in self.seen:
                plan.action = "error"
                plan.errors.append(coded("figures_twice", row=self.seen[key]))
                continue
            self.seen[key] = plan.row
            new = _values(values)
            previous = current.get(key)
            plan.values = {
                **new,
                "enterprise_id": pk,
                "year": values["year"],
                "previous_id": previous.pk if previous else None,
            }
            after = _columns_of(new)
            if previous is None:
                plan.action = "create"
                plan.changes = {
                    k: [None, v] for k, v in after.items() if v not in (None, "")
                }
                continue
            before = _columns_of(previous.values())
            plan.changes = {
                k: [before[k], v] for k, v in after.items() if before[k] != v
            }
            plan.action = "update" if plan.changes else "unchanged"
        return out


class SurveyWriter:
    """New current figures for the planned rows; the ones they replace are kept
    (not current) and listed for the undo."""

    def __init__(self, job: Any, actor: Any) -> None:
        self.job = job
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.result: dict[str, Any] = {"created": [], "superseded": []}

    def reserve(self, count: int) -> None:
        pass

    def submit(self) -> None:
        pass

    def close(self) -> None:
        pass

    def write(self, plans: list[RowPlan]) -> None:
        plans = [p for p in plans if p.action in ("create", "update")]
        if not plans:
            return
        last = {
            (f.enterprise_id, f.year): f.values()
            for f in EnterpriseFigures.objects.filter(
                current=True,
                enterprise_id__in={p.values["enterprise_id"] for p in plans},
                year__in={p.values["year"] - 1 for p in plans},
            )
        }
        previous = [p.values["previous_id"] for p in plans if p.values["previous_id"]]
        now = timezone.now()
        EnterpriseFigures.objects.filter(pk__in=previous, current=True).update(
            current=False, superseded_at=now
        )
        rows = []
        for plan in plans:
            values = {
                k: v
                for k, v in plan.values.items()
                if k not in ("enterprise_id", "year", "previous_id")
            }
            figures = EnterpriseFigures(
                enterprise_id=plan.values["enterprise_id"],
                year=plan.values["year"],
                source=EnterpriseFigures.Source.IMPORT,
                import_job_id=self.job.pk,
                entered_by=self.actor,
                created_at=now,
                **values,
            )
            figures.flags = plausibility_flags(
                figures.values(),
                last.get((figures.enterprise_id, figures.year - 1)),
            )
            rows.append(figures)
        created = EnterpriseFigures.objects.bulk_create(rows)
        self.result["created"] += [f.pk for f in created]
        self.result["superseded"] += previous

    def flush(self) -> None:
        from surveys.tasks import refresh_statistics

        transaction.on_commit(lambda: refresh_statistics.enqueue())


def survey_import_undo(*, job: Any, actor: Any, progress: Any) -> None:
    """Delete the figures an import recorded and make the ones they replaced
    current again; refused when a figure was replaced since."""
    from surveys.tasks import refresh_statistics

    created = [int(pk) for pk in job.result.get("created", [])]
    superseded = [int(pk) for pk in job.result.get("superseded", [])]
    replaced = (
        EnterpriseFigures.objects.filter(pk__in=created, current=False)
        .values_list("enterprise_id", flat=True)
        .first()
    )
    if replaced is not None:
        raise ValidationError(
            _(
                "The figures of enterprise %(id)s from this import have been "
                "replaced since; undo refused."
            )
            % {"id": replaced}
        )
    EnterpriseFigures.objects.filter(pk__in=created).delete()
    EnterpriseFigures.objects.filter(pk__in=superseded).update(
        current=True, superseded_at=None
    )
    progress.update(len(created))
    transaction.on_commit(lambda: refresh_statistics.enqueue())


SURVEY_SECTION = Section(
    "survey",
    SURVEY_COLUMNS,
    SurveyRowForm,
    EnterpriseFigures,
    planner=SurveyPlanner,
    writer=SurveyWriter,
    undo=survey_import_undo,
)
