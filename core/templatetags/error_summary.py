"""The error summary a failed form shows at its top: every error, each linking to
its field (``{% error_summary form formset %}``; ``core/_error_summary.html``)."""

from dataclasses import dataclass

from django import template
from django.forms import BaseForm, BoundField
from django.forms.formsets import BaseFormSet

register = template.Library()


@dataclass(frozen=True)
class SummaryItem:
    message: str
    label: str = ""
    anchor: str = ""  # the id of the element the link moves to ("": no link)


def field_anchor(field: BoundField) -> str:
    """The id the summary links to: the field's input (the first of a group of
    checkboxes or radio buttons, whose label has no ``for``). A hidden field's id
    is the element the page shows for it, if the page has one."""
    return field.id_for_label or (f"{field.auto_id}_0" if field.auto_id else "")


def _form_items(form: BaseForm, row: int | None = None) -> list[SummaryItem]:
    items = [SummaryItem(str(e)) for e in form.non_field_errors()]
    for field in form:
        label = str(field.label or field.name)
        if row is not None:
            label = f"{label} ({row})"
        anchor = field.auto_id if field.is_hidden else field_anchor(field)
        items += [SummaryItem(str(e), label, anchor or "") for e in field.errors]
    return items


def summary_items(
    form: BaseForm | None, *formsets: BaseFormSet | None
) -> list[SummaryItem]:
    """Every error of ``form`` and of each bound ``formset`` (rows numbered as the
    page numbers them, from 1), in the page's order."""
    items = _form_items(form) if form is not None and form.is_bound else []
    for formset in formsets:
        if formset is None or not formset.is_bound:
            continue
        items += [SummaryItem(str(e)) for e in formset.non_form_errors()]
        for number, row in enumerate(formset.forms, start=1):
            items += _form_items(row, number)
    return items


@register.inclusion_tag("core/_error_summary.html")
def error_summary(form=None, *formsets):
    return {"items": summary_items(form, *formsets)}
