from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from directory import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.login_not_required(set_language), name="set_language"),
    path("", include("enterprises.account_urls")),  # before Django's auth views
    path("accounts/", include("django.contrib.auth.urls")),
    path("me/", views.me, name="me"),
    path("dashboard/", include("directory.dashboard.urls")),
    path("me/tokens/", include("directory.token_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("directory.api", "api"))),
    path("clusters/", include("clusters.urls")),
    path("enterprises/", include("enterprises.urls")),
    path("colleges/", include("colleges.urls")),
    path("markets/", include("markets.urls")),
    path("", include("programmes.urls")),
    path("imports/", include("enterprises.import_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
