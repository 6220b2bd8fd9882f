from django.urls import path

from clusters import views

app_name = "clusters"
urlpatterns = [
    path("", views.cluster_list, name="cluster-list"),
    path("compare/", views.cluster_compare, name="cluster-compare"),
    path("<slug:slug>/", views.cluster_detail, name="cluster-detail"),
    path(
        "<slug:slug>/charts/<slug:name>.csv",
        views.cluster_chart_csv,
        name="cluster-chart-csv",
    ),
]
