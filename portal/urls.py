"""URL routes of the whole site; every page needs a login unless its view opts out."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import api, legal_views, views

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # allauth's throttled login
admin.site.site_header = "Good Hoster portal"

api_v1 = [
    path("", include("assessments.api_urls")),
    path("", include("scoring.measurement.api_urls")),
    path("", include("scoring.rating.api_urls")),
    path("", include("scoring.publication.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("health/", views.health, name="health"),
    path("privacy/", legal_views.privacy, name="privacy"),
    path("accessibility/", legal_views.accessibility, name="accessibility"),
    path("audit/", include("portal.audit_urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("portal.hoster_urls")),
    path("assessments/", include("assessments.urls")),
    path("", include("scoring.urls")),
    path("", include("scoring.rating.urls")),
    path("", include("scoring.certification.urls")),
    path("", include("scoring.publication.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    path("api/docs/", login_not_required(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
    # Last: any other API path gets a JSON 404 (paths without the slash are still redirected to it first).
    re_path(r"^api/[\s\S]*/$", api.not_found, name="api-not-found"),
]
