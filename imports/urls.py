from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="import-list"),
    path("<int:pk>/", views.import_detail, name="import-detail"),
    path("<int:pk>/apply/", views.import_apply, name="import-apply"),
    path("<int:pk>/undo/", views.import_undo, name="import-undo"),
    path("<int:pk>/report.xlsx", views.import_report, name="import-report"),
    path("<int:pk>/skipped.<slug:fmt>", views.import_skipped, name="import-skipped"),
    path(
        "template/<slug:kind>.<slug:fmt>", views.import_template, name="import-template"
    ),
    path("export/<slug:kind>/", views.export, name="export"),
    path("export/<slug:kind>/columns/", views.export_columns, name="export-columns"),
]
