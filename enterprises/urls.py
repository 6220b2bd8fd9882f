from django.urls import path

from enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="enterprise-list"),
    path("typeahead/", views.typeahead, name="typeahead"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
]
