"""Staff pages for imports (/imports/) and the export of search results."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.tabular import TabularError
from enterprises.permissions import is_staff_member
from enterprises.search.facets import Labeller
from enterprises.search.query import Search
from imports.columns import SECTIONS
from imports.exportlog import describe_filters, search_params
from imports.exports import CONTENT_TYPES, export_chunks
from imports.forms import ExportForm
from imports.jobs import import_job_create, import_job_refresh, import_job_request_apply
from imports.models import ExportRecord, ImportJob
from imports.plan import max_bytes
from imports.reports import change_values, report_chunks, skipped_chunks
from imports.template import template_chunks
from imports.undo import import_job_request_undo

EXPORTS_SHOWN = 25


def _staff(request: HttpRequest) -> None:
    """Staff pages: other signed-in users get a 404, like any forbidden object."""
    if not is_staff_member(request.user):
        raise Http404


def import_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    error = ""
    kind = request.POST.get("kind", "enterprises")
    sheet = request.POST.get("sheet", "").strip()[:31]
    if request.method == "POST":
        upload = request.FILES.get("file")
        if kind not in SECTIONS:
            error = _("Choose what the file contains.")
        elif upload is None:
            error = _("Choose a CSV, XLSX, XLS or ODS file to upload.")
        elif upload.size > max_bytes():
            error = _("The file is too large: the limit is %(mb)s MB.") % {
                "mb": f"{max_bytes() / 1_000_000:g}"
            }
        else:
            try:
                job = import_job_create(
                    actor=request.user,
                    kind=kind,
                    data=upload.read(),
                    file_name=upload.name or "upload",
                    language=request.LANGUAGE_CODE,
                    sheet=sheet,
                )
            except TabularError as exc:
                error = str(exc.message)
            else:
                return redirect("imports:import-detail", pk=job.pk)
    jobs = Paginator(ImportJob.objects.select_related("created_by"), 25).get_page(
        request.GET.get("page")
    )
    for job in jobs:
        import_job_refresh(job)
    labeller = Labeller()
    exports = [
        (record, describe_filters(record.filters, request.user, labeller))
        for record in ExportRecord.objects.select_related("created_by")[:EXPORTS_SHOWN]
    ]
    return render(
        request,
        "imports/import_list.html",
        {
            "jobs": jobs,
            "exports": exports,
            "kinds": ImportJob.Kind.choices,
            "kind": kind,
            "sheet": sheet,
            "error": error,
            "max_mb": f"{max_bytes() / 1_000_000:g}",
        },
        status=400 if error else 200,
    )


def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    job = import_job_refresh(get_object_or_404(ImportJob, pk=pk))
    labels = {c.field: c.label for c in SECTIONS[job.kind].columns}
    rows = []
    for entry in job.report:
        changes = [
            (labels.get(name, name), old, new)
            for name, (old, new) in change_values(job.kind, entry)
        ]
        rows.append({**entry, "change_list": changes})
    template = "imports/import_detail.html"
    if request.htmx and request.GET.get("fragment") == "progress":
        response = render(request, template + "#job-progress", {"job": job})
        if not job.is_running:
            response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        template,
        {
            "job": job,
            "rows": rows,
            "counts": job.counts,
            "can_apply": job.status == ImportJob.Status.CHECKED
            and job.counts.get("error", 0) < job.counts.get("rows", 0),
            "can_undo": job.status == ImportJob.Status.APPLIED,
            "skipped": len(job.result.get("skipped", [])),
        },
    )


@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    job = get_object_or_404(ImportJob, pk=pk)
    confirm = [int(r) for r in request.POST.getlist("confirm") if r.isdigit()]
    accept = [int(r) for r in request.POST.getlist("accept") if r.isdigit()]
    try:
        import_job_request_apply(
            actor=request.user,
            job=job,
            confirm_rows=confirm,
            accept_warnings=request.POST.get("accept_warnings") == "1",
            accept_rows=accept,
            skip_bad=request.POST.get("skip_bad") == "1",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:import-detail", pk=job.pk)


@require_GET
def import_report(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The dry-run report as XLSX: every row, its action, changes and messages."""
    _staff(request)
    job = get_object_or_404(ImportJob, pk=pk)
    response = StreamingHttpResponse(
        report_chunks(job), content_type=CONTENT_TYPES["xlsx"]
    )
    response["Content-Disposition"] = (
        f'attachment; filename="import-{job.pk}-report.xlsx"'
    )
    return response


@require_GET
def import_skipped(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The rows the apply skipped, as the file had them, with their messages."""
    _staff(request)
    job = get_object_or_404(ImportJob, pk=pk)
    if fmt not in CONTENT_TYPES or not job.file:
        raise Http404
    try:
        body = b"".join(skipped_chunks(job, fmt))
    except TabularError as exc:
        return HttpResponse(str(exc.message), status=400, content_type="text/plain")
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="import-{job.pk}-skipped.{fmt}"'
    )
    return response


def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm (a page that works without JavaScript); POST undoes."""
    _staff(request)
    job = get_object_or_404(ImportJob, pk=pk)
    if request.method != "POST":
        if job.status != ImportJob.Status.APPLIED:
            return redirect("imports:import-detail", pk=job.pk)
        return render(
            request,
            "imports/import_undo_confirm.html",
            {
                "job": job,
                "heading": _("Undo this import?"),
                "question": _(
                    "The entries this import created are deleted, and the values it "
                    "changed are put back. If an entry has changed since, nothing "
                    "is undone and you are told which."
                ),
                "action_url": request.path,
                "cancel_url": reverse("imports:import-detail", args=[job.pk]),
                "confirm_label": _("Undo the import"),
            },
        )
    try:
        import_job_request_undo(
            actor=request.user, job=job, language=request.LANGUAGE_CODE
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:import-detail", pk=job.pk)


@require_GET
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    _staff(request)
    if kind not in SECTIONS or fmt not in CONTENT_TYPES:
        raise Http404
    response = HttpResponse(
        b"".join(template_chunks(kind, fmt)), content_type=CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{fmt}"'
    return response


def _export_search(request: HttpRequest, kind: str) -> Search | None:
    """The search an enterprise export is of (None for the other kinds)."""
    if kind != "enterprises":
        return None
    return Search.from_params(request.GET, request.user)


def _hidden_params(request: HttpRequest) -> list[tuple[str, str]]:
    """The query string's search parameters, for the column form to carry."""
    return [
        (key, value)
        for key, values in request.GET.lists()
        if key not in ("format", "col", "page")
        for value in values
    ]


@require_GET
def export_columns(request: HttpRequest, kind: str) -> HttpResponse:
    """The export page of a search: the format and the columns to export."""
    _staff(request)
    if kind != "enterprises":
        raise Http404
    return _export_form(request, kind, ExportForm(user=request.user), status=200)


def _export_form(
    request: HttpRequest, kind: str, form: ExportForm, *, status: int
) -> HttpResponse:
    search = _export_search(request, kind)
    chosen = set(request.GET.getlist("col")) or {c.name for c in form.columns}
    return render(
        request,
        "imports/export_columns.html",
        {
            "kind": kind,
            "form": form,
            "columns": [(c, c.name in chosen) for c in form.columns],
            "format": request.GET.get("format") or "xlsx",
            "hidden": _hidden_params(request),
            "filters": describe_filters(search_params(search), request.user)
            if search
            else [],
        },
        status=status,
    )


@require_GET
def export(request: HttpRequest, kind: str) -> HttpResponse | StreamingHttpResponse:
    """Stream an export: for enterprises exactly the result set of the search in the
    query string, as the viewer may see it (a search with a filter it cannot read
    is refused), in the columns chosen (``col``, default all). Recorded."""
    _staff(request)
    if kind not in SECTIONS:
        raise Http404
    form = ExportForm(request.GET, user=request.user)
    if not form.is_valid():
        if kind != "enterprises":
            raise Http404
        return _export_form(request, kind, form, status=400)
    fmt = form.cleaned_data["format"]
    queryset, filters = None, {}
    search = _export_search(request, kind)
    if search is not None:
        if search.errors:
            # Without the filter it cannot read, the export would hold more rows
            # than the search shows: refuse, saying why.
            return render(
                request,
                "imports/export_refused.html",
                {"errors": list(dict.fromkeys(search.errors))},
                status=400,
            )
        queryset, filters = search.queryset(request.user), search_params(search)
    response = StreamingHttpResponse(
        export_chunks(
            kind,
            fmt,
            request.user,
            queryset,
            columns=form.chosen(),
            filters=filters,
        ),
        content_type=CONTENT_TYPES[fmt],
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
