from django.urls import path

from markets import views

app_name = "markets"
urlpatterns = [
    path("", views.market_list, name="market-list"),
    path("<slug:slug>/", views.market_detail, name="market-detail"),
]
