"""``urlpatterns`` under /inquiries/; ``enterprise_urlpatterns`` are mounted by
``config.urls`` under /enterprises/ in the ``enterprises`` namespace."""

from django.urls import path

from inquiries import views

app_name = "inquiries"
urlpatterns = [
    path("", views.inquiry_list, name="inquiry-list"),
    path("<int:pk>/", views.inquiry_detail, name="inquiry-detail"),
]

enterprise_urlpatterns = [
    path("<int:pk>/inquire/", views.enterprise_inquire, name="enterprise-inquire"),
]
