"""Survey pages: staff open and manage surveys, review answers, import and enter
figures; enterprise users fill in the survey for their enterprises."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.tabular import TabularError
from enterprises.permissions import access_enterprise_by_id
from imports.jobs import import_job_create
from imports.models import ImportJob
from imports.plan import max_bytes
from surveys.forms import FiguresForm, StaffFiguresForm, SurveyForm
from surveys.models import EnterpriseFigures, Submission, Survey
from surveys.permissions import access_survey, require_staff, visible_submissions
from surveys.rules import flag_messages
from surveys.services import (
    current_figures,
    figures_enter,
    last_year_values,
    submission_accept,
    submission_return,
    submission_save,
)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def survey_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        survey = form.save()
        messages.success(request, _("The survey was saved."))
        return redirect("surveys:survey-detail", year=survey.year)
    surveys = Survey.objects.annotate(
        submitted=Count("submissions", filter=Q(submissions__status="submitted")),
        accepted=Count("submissions", filter=Q(submissions__status="accepted")),
    )
    return render(
        request,
        "surveys/survey_list.html",
        {"surveys": surveys, "form": form},
        status=400 if form.errors else 200,
    )


def survey_edit(request: HttpRequest, year: int) -> HttpResponse:
    survey = access_survey(request.user, year, staff=True)
    form = SurveyForm(request.POST or None, instance=survey)
    if request.method == "POST" and form.is_valid():
        survey = form.save()
        messages.success(request, _("The survey was saved."))
        return redirect("surveys:survey-detail", year=survey.year)
    return render(
        request,
        "surveys/survey_edit.html",
        {"survey": survey, "form": form},
        status=400 if form.errors else 200,
    )


def survey_detail(request: HttpRequest, year: int) -> HttpResponse:
    survey = access_survey(request.user, year, staff=True)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a CSV, XLSX, XLS or ODS file to upload.")
        elif upload.size is not None and upload.size > max_bytes():
            error = _("The file is too large: the limit is %(mb)s MB.") % {
                "mb": f"{max_bytes() / 1_000_000:g}"
            }
        else:
            try:
                job = import_job_create(
                    actor=request.user,
                    kind="survey",
                    data=upload.read(),
                    file_name=upload.name or "upload",
                    language=request.LANGUAGE_CODE,
                )
            except TabularError as exc:
                error = str(exc.message)
            else:
                return redirect("imports:import-detail", pk=job.pk)
    submissions = (
        Submission.objects.filter(survey=survey)
        .exclude(status=Submission.Status.DRAFT)
        .select_related("enterprise")
        .order_by("status", "submitted_at")
    )
    flagged = (
        EnterpriseFigures.objects.filter(year=survey.year, current=True)
        .exclude(flags=[])
        .select_related("enterprise")[:100]
    )
    counts = dict(
        Submission.objects.filter(survey=survey)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return render(
        request,
        "surveys/survey_detail.html",
        {
            "survey": survey,
            "submissions": submissions,
            "counts": counts,
            "flagged": [(f, flag_messages(f.flags)) for f in flagged],
            "figures_count": EnterpriseFigures.objects.filter(
                year=survey.year, current=True
            ).count(),
            "jobs": ImportJob.objects.filter(kind="survey")[:10],
            "error": error,
        },
        status=400 if error else 200,
    )


def submission_review(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    survey = access_survey(request.user, year, staff=True)
    submission = get_object_or_404(
        visible_submissions(request.user).select_related("enterprise", "survey"),
        survey=survey,
        pk=pk,
    )
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                submission_accept(actor=request.user, submission=submission)
                messages.success(request, _("The answer was accepted."))
            elif action == "return":
                submission_return(
                    actor=request.user,
                    submission=submission,
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("The answer was returned."))
            else:
                raise ValidationError(_("Choose to accept or return the answer."))
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            return redirect("surveys:survey-detail", year=survey.year)
    current = current_figures(submission.enterprise_id, survey.year)
    return render(
        request,
        "surveys/submission_review.html",
        {
            "survey": survey,
            "submission": submission,
            "flags": flag_messages(submission.flags),
            "current": current,
            "last_year": last_year_values(submission.enterprise_id, survey.year),
            "rows": _compare_rows(submission.values(), current, survey),
            "error": error,
        },
        status=400 if error else 200,
    )


def _compare_rows(values, current, survey):
    from surveys.figures import FIGURES, MARKETS

    before = current.values() if current else {}
    rows = [(f.label, f.unit, values.get(f.name), before.get(f.name)) for f in FIGURES]
    split, old_split = values.get("export_split", {}), before.get("export_split", {})
    rows += [
        (m.label, "", split.get(m.code), old_split.get(m.code) if before else None)
        for m in MARKETS
    ]
    return rows


def survey_fill(request: HttpRequest, year: int, enterprise_id: int) -> HttpResponse:
    """An enterprise user's answer: save a draft or submit it."""
    survey = access_survey(request.user, year)
    enterprise = access_enterprise_by_id(request.user, enterprise_id, edit=True)
    submission = Submission.objects.filter(survey=survey, enterprise=enterprise).first()
    initial = FiguresForm.initial_from(submission.values()) if submission else {}
    form = FiguresForm(request.POST or None, survey=survey, initial=initial)
    editable = survey.accepting() and (
        submission is None
        or submission.status in (Submission.Status.DRAFT, Submission.Status.RETURNED)
    )
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            submission = submission_save(
                actor=request.user,
                survey=survey,
                enterprise=enterprise,
                values=form.values(),
                submit=submit,
            )
        except PermissionDenied:
            raise
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request,
                _("Your answer was submitted for review.")
                if submit
                else _("Your draft was saved."),
            )
            return redirect(
                "surveys:survey-fill", year=survey.year, enterprise_id=enterprise.pk
            )
    return render(
        request,
        "surveys/survey_fill.html",
        {
            "survey": survey,
            "enterprise": enterprise,
            "submission": submission,
            "form": form,
            "editable": editable,
        },
        status=400 if form.errors else 200,
    )


def figures_entry(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """Staff: an enterprise's figures per year (with replaced ones) and a form to
    enter them by hand."""
    require_staff(request.user)
    enterprise = access_enterprise_by_id(request.user, enterprise_id)
    form = StaffFiguresForm(
        request.POST or None, initial={"year": request.GET.get("year")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            figures_enter(
                actor=request.user,
                enterprise=enterprise,
                year=form.cleaned_data["year"],
                values=form.values(),
                note=form.cleaned_data["note"],
                replace=form.cleaned_data["replace"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The figures were saved."))
            return redirect("surveys:figures-entry", enterprise_id=enterprise.pk)
    history = EnterpriseFigures.objects.filter(enterprise=enterprise).select_related(
        "entered_by"
    )
    return render(
        request,
        "surveys/figures_entry.html",
        {
            "enterprise": enterprise,
            "form": form,
            "history": [(f, flag_messages(f.flags)) for f in history],
        },
        status=400 if form.errors else 200,
    )


def figures_find(request: HttpRequest) -> HttpResponse:
    """Staff: go to an enterprise's figures by its ID."""
    require_staff(request.user)
    if not request.GET.get("enterprise"):
        return redirect("surveys:survey-list")
    enterprise = access_enterprise_by_id(request.user, request.GET.get("enterprise"))
    return redirect("surveys:figures-entry", enterprise_id=enterprise.pk)
