"""Content-Security-Policy and Permissions-Policy on every response: the site loads only its own vendored assets."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Style attributes stay allowed (progress bars and charts size themselves with them; an attribute cannot load a
# script), while <style> and <script> elements must come from the site itself.
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-elem": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}

# The Swagger page of drf-spectacular boots with an inline script and style; it shows public documentation only.
RELAXED_PATHS = {"/api/docs/": {"script-src": "'self' 'unsafe-inline'", "style-src-elem": "'self' 'unsafe-inline'"}}

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


def policy_for(path: str, x_frame_options: str) -> str:
    """The policy of one response; who may frame it follows its X-Frame-Options (DENY, or SAMEORIGIN for viewers)."""
    directives = {**POLICY, **RELAXED_PATHS.get(path, {})}
    directives["frame-ancestors"] = "'self'" if x_frame_options.upper() == "SAMEORIGIN" else "'none'"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityPolicyMiddleware:
    """Adds both headers unless a view set its own; must sit above XFrameOptionsMiddleware to see its header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy_for(request.path_info, response.get("X-Frame-Options", "DENY"))
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
