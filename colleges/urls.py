from django.urls import path

from colleges import views

app_name = "colleges"
urlpatterns = [
    path("", views.college_list, name="college-list"),
    path("<slug:slug>/", views.college_detail, name="college-detail"),
]
