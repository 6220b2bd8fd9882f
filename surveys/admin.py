from django.contrib import admin

from surveys.models import EnterpriseFigures, Submission, Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["year", "status", "opens_on", "closes_on"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["survey", "enterprise", "status", "submitted_at"]
    list_filter = ["status", "survey"]
    raw_id_fields = ["enterprise"]
    readonly_fields = ["updated_by", "decided_by"]


@admin.register(EnterpriseFigures)
class EnterpriseFiguresAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "year", "source", "current", "created_at"]
    list_filter = ["year", "source", "current"]
    raw_id_fields = ["enterprise", "submission", "import_job"]
    readonly_fields = ["entered_by"]
