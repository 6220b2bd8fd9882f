from django.conf import settings
from django.contrib import admin
from django.urls import include, path

import enterprises.urls
import inquiries.urls
import moderation.urls
from accounts.views import set_language_view
from config.metrics import metrics
from core.views import about, healthz, privacy, readyz, terms
from dashboard.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("privacy/", privacy, name="privacy"),
    path("terms/", terms, name="terms"),
    path("about/", about, name="about"),
    path("i18n/setlang/", set_language_view, name="set_language"),
    path("", include("accounts.urls")),  # before Django's auth views
    path("", include("moderation.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("config.api", "api"))),
    path("clusters/", include("clusters.urls")),
    path(
        "enterprises/",
        include(
            (
                enterprises.urls.urlpatterns
                + moderation.urls.enterprise_urlpatterns
                + inquiries.urls.enterprise_urlpatterns,
                "enterprises",
            )
        ),
    ),
    path("colleges/", include("colleges.urls")),
    path("markets/", include("markets.urls")),
    path("", include("programmes.urls")),
    path("imports/", include("imports.urls")),
    path("inquiries/", include("inquiries.urls")),
    path("", include("surveys.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
