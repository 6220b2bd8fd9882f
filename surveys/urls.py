from django.urls import path

from surveys import stats_views, views

app_name = "surveys"
urlpatterns = [
    path("surveys/", views.survey_list, name="survey-list"),
    path("surveys/<int:year>/", views.survey_detail, name="survey-detail"),
    path("surveys/<int:year>/edit/", views.survey_edit, name="survey-edit"),
    path(
        "surveys/<int:year>/answers/<int:pk>/",
        views.submission_review,
        name="submission-review",
    ),
    path("surveys/figures/", views.figures_find, name="figures-find"),
    path(
        "surveys/figures/<int:enterprise_id>/",
        views.figures_entry,
        name="figures-entry",
    ),
    path(
        "me/surveys/<int:year>/<int:enterprise_id>/",
        views.survey_fill,
        name="survey-fill",
    ),
    path("statistics/", stats_views.statistics_index, name="statistics"),
    path(
        "statistics/clusters/<slug:slug>/",
        stats_views.statistics_cluster,
        name="statistics-cluster",
    ),
    path(
        "statistics/areas/<str:code>/",
        stats_views.statistics_area,
        name="statistics-area",
    ),
    path(
        "statistics/csv/<slug:kind>/",
        stats_views.statistics_csv,
        name="statistics-csv",
    ),
    path("statistics/report/<int:year>/", stats_views.report, name="report"),
    path(
        "statistics/report/<int:year>.xlsx", stats_views.report_xlsx, name="report-xlsx"
    ),
]
