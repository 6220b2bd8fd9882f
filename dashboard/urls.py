from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("charts/<slug:name>.csv", views.chart_csv, name="chart-csv"),
]
