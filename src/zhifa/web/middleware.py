"""Two-factor gate: with settings.ZHIFA_REQUIRE_2FA on, reviewers, heads, administrators and
superusers must pass a TOTP check in this session before any staff page (issue 2, item 5).

Public pages, the login/OTP pages and the API (which checks verification itself for writes,
org.auth) stay reachable; everything else is staff and redirects to /accounts/otp/."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect

from zhifa.org.roles import needs_two_factor

PUBLIC_PREFIXES = ("/agencies/", "/officers/", "/verify/", "/accounts/", "/static/", "/media/", "/api/")


def is_public_path(path: str) -> bool:
    return path == "/" or path.startswith(PUBLIC_PREFIXES)


class RequireTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (getattr(settings, "ZHIFA_REQUIRE_2FA", False) and not is_public_path(request.path)
                and user is not None and user.is_authenticated and not user.is_verified()
                and needs_two_factor(user)):
            return redirect(f"/accounts/otp/?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
