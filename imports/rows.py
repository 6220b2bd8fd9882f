"""What a dry run says of each row (`RowPlan`), the decisions staff take before
the apply (`Options`: warnings accepted row by row, duplicates confirmed, bad
rows skipped) and the tally of a run (`Summary`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core.messages import StoredMessageError, coded, render_message

REPORT_LIMIT = 2000  # rows kept in a job's stored report (all problems come first)
ACTIONS = ("create", "update", "unchanged", "error", "skip")
FLAGGED_SHOWN = 10  # row numbers named in a message


class ImportRefused(StoredMessageError):
    """The file or the plan cannot be applied. ``stored`` says why (`core.messages`)."""


@dataclass
class RowPlan:
    row: int
    action: str
    label: str = ""
    target: int | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)
    # Messages as stored (`core.messages`): rendered when shown.
    errors: list[Any] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)
    duplicate: dict[str, Any] | None = None
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    # (search document, facet keys) of the cleaned values, when built ahead (by
    # worker processes, or read from the dry run's prepared rows).
    index: tuple[str, list[str]] | None = field(default=None, repr=False)
    # What planning needs that depends on the row alone, worked out ahead by the
    # worker processes: the non-empty values as JSON ("json"), the name's key
    # ("key") and the USCC check-character warning ("check").
    ahead: dict[str, Any] | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "action": self.action}
        for key in ("label", "target", "changes", "errors", "warnings", "duplicate"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out

    @property
    def is_problem(self) -> bool:
        return bool(self.errors or self.warnings or self.duplicate)


def row_messages(entry: RowPlan | dict[str, Any] | str) -> str:
    """A row's errors, warnings and likely duplicate as one text in the reader's
    language (for the downloads); a text stored before messages had codes as it
    is."""
    if isinstance(entry, str):
        return entry
    data = entry.as_json() if isinstance(entry, RowPlan) else entry
    parts = [
        render_message(m) for m in [*data.get("errors", []), *data.get("warnings", [])]
    ]
    duplicate = data.get("duplicate")
    if duplicate and duplicate.get("kind") == "name":
        if duplicate.get("id"):
            parts.append(
                _("Likely duplicate of entry %(id)s “%(name)s”.")
                % {"id": duplicate["id"], "name": duplicate.get("name", "")}
            )
        else:
            parts.append(
                _("Likely duplicate of row %(row)s “%(name)s”.")
                % {"row": duplicate.get("row"), "name": duplicate.get("name", "")}
            )
    return " ".join(parts)


@dataclass
class Options:
    confirm_rows: frozenset[int] = frozenset()  # flagged duplicates to create anyway
    create_all_duplicates: bool = False
    accept_warnings: bool = False  # every row's warnings
    accept_rows: frozenset[int] = frozenset()  # rows whose warnings are accepted
    # Rows with errors or unaccepted warnings are left out (and listed) instead
    # of refusing the whole file.
    skip_bad: bool = False
    sheet: str = ""  # the sheet of a workbook to read (else the first that fits)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Options:
        return cls(
            confirm_rows=frozenset(int(r) for r in data.get("confirm_rows", [])),
            create_all_duplicates=bool(data.get("create_all_duplicates")),
            accept_warnings=bool(data.get("accept_warnings")),
            accept_rows=frozenset(int(r) for r in data.get("accept_rows", [])),
            skip_bad=bool(data.get("skip_bad")),
            sheet=str(data.get("sheet") or ""),
        )

    def accepts(self, row: int) -> bool:
        """Whether the warnings of this row are accepted."""
        return self.accept_warnings or row in self.accept_rows

    def refuses(self, plan: RowPlan) -> bool:
        """Whether this row may not be applied as planned: an error, or a warning
        not accepted."""
        return bool(plan.errors) or bool(plan.warnings and not self.accepts(plan.row))


def _rows_shown(rows: list[int]) -> list[int | str]:
    """The row numbers a message names (a list: rendered in the reader's style)."""
    shown: list[int | str] = list(rows[:FLAGGED_SHOWN])
    return shown + ["…"] if len(rows) > FLAGGED_SHOWN else shown


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIONS, 0))
    problems: list[dict[str, Any]] = field(default_factory=list)
    others: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0
    # The numbers of the rows with errors and with warnings.
    flagged: dict[str, list[int]] = field(
        default_factory=lambda: {"error": [], "warning": []}
    )
    # [row, {"errors", "warnings", "duplicate"}]: rendered by `row_messages`.
    skipped: list[list[Any]] = field(default_factory=list)

    def add(self, plan: RowPlan) -> None:
        self.rows += 1
        self.counts[plan.action] = self.counts.get(plan.action, 0) + 1
        for key, present in (
            ("warning", plan.warnings),
            ("duplicate", plan.duplicate),
        ):
            if present:
                self.counts[key] = self.counts.get(key, 0) + 1
        if plan.errors:
            self.flagged["error"].append(plan.row)
        elif plan.warnings:
            self.flagged["warning"].append(plan.row)
        if plan.action == "skip":
            problems = plan.as_json()
            self.skipped.append(
                [
                    plan.row,
                    {
                        k: problems[k]
                        for k in ("errors", "warnings", "duplicate")
                        if k in problems
                    },
                ]
            )
        if plan.is_problem:
            if len(self.problems) < REPORT_LIMIT:
                self.problems.append(plan.as_json())
        elif len(self.problems) + len(self.others) < REPORT_LIMIT:
            self.others.append(plan.as_json())

    @property
    def report(self) -> list[dict[str, Any]]:
        return sorted(self.problems + self.others, key=lambda r: r["row"])[
            :REPORT_LIMIT
        ]

    def blocking(self, options: Options) -> dict[str, Any] | str:
        """Why the plan cannot be applied with these decisions (a message to store,
        `core.messages`), or ''."""
        if options.skip_bad:
            return ""
        errors = self.flagged.get("error", [])
        if self.counts.get("error"):
            return coded(
                "rows_with_errors", n=self.counts["error"], rows=_rows_shown(errors)
            )
        warned = [
            row for row in self.flagged.get("warning", []) if not options.accepts(row)
        ]
        if not self.flagged.get("warning") and not options.accept_warnings:
            warned = [0] * self.counts.get("warning", 0)  # rows not recorded
        if warned:
            return coded(
                "rows_with_warnings",
                n=len(warned),
                rows=_rows_shown(warned) if all(warned) else "?",
            )
        return ""
