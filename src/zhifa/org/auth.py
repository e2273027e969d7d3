"""API authentication, reusable by every app's router.

Two ways in: a Bearer token (`org.ApiToken`, only its SHA-256 stored, with scopes such as
"org:read" / "org:write") for machine clients, and the Django session (with CSRF) for staff in the
browser. `api_auth("org:write")` gives the list to pass as `auth=` to a ninja route or router.

A token without the scope, or a session user without the right, gets 403; no credentials, 401.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie

from .models import ApiToken
from .roles import ADMIN as ADMIN_GROUP
from .roles import agency_ids_visible_to, user_roles
from .services import token_digest


def token_lookup(plaintext: str) -> ApiToken | None:
    if not plaintext:
        return None
    token = ApiToken.objects.select_related("agency").filter(token_hash=token_digest(plaintext)).first()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return None
    return token


def scope_allows(scopes: list[str], required: str) -> bool:
    """`app:write` implies `app:read`."""
    if required in scopes:
        return True
    app, _, action = required.partition(":")
    return action == "read" and f"{app}:write" in scopes


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token>."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def authenticate(self, request, token: str):
        api_token = token_lookup(token)
        if api_token is None:
            return None
        if not scope_allows(list(api_token.scopes or []), self.scope):
            raise PermissionDenied(f"接口令牌没有“{self.scope}”权限范围。")
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.api_token = api_token
        return api_token


# What each role may do through the API with its session, besides what staff status gives
# (DESIGN.md "Who uses it"). Data scope (which agencies) is checked by each router.
ROLE_SCOPES: dict[str, set[str]] = {
    "执法人员": {"cases:read", "cases:write", "records:read", "records:write", "documents:read", "review:read"},
    "法制审核人员": {"cases:read", "review:read", "review:write", "records:read", "documents:read"},
    "机关负责人": {"cases:read", "cases:write", "review:read", "review:write", "records:read", "records:write",
              "documents:read", "publicity:read"},
    "公示管理员": {"cases:read", "publicity:read", "publicity:write", "documents:read"},
    "档案管理员": {"cases:read", "records:read", "records:write", "documents:read"},
    "监督人员": {"cases:read", "records:read", "review:read", "documents:read", "publicity:read"},
}


def user_may(user, scope: str) -> bool:
    """Session users: staff may read; roles grant the scopes in ROLE_SCOPES; anything else needs
    a superuser or the 系统管理员 group."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    roles = user_roles(user)
    if any(scope in ROLE_SCOPES.get(role, ()) for role in roles):
        return True
    if not user.is_staff:
        return False
    if scope.endswith(":read"):
        return True
    return ADMIN_GROUP in roles


class StaffSessionAuth(APIKeyCookie):
    """Django session + CSRF (as ninja's `django_auth`), restricted to staff with the scope's right.
    CSRF is only checked when a session cookie is present, so a request with no credentials at
    all gets 401, not a CSRF 403."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(csrf=True)

    def _get_key(self, request):
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        if key is None or not request.user.is_authenticated:
            return None
        if not user_may(request.user, self.scope):
            raise PermissionDenied(f"您没有“{self.scope}”权限。")
        if (getattr(settings, "ZHIFA_REQUIRE_2FA", False) and self.scope.endswith(":write")
                and not (hasattr(request.user, "is_verified") and request.user.is_verified())):
            # Admins must have passed TOTP in this session before changing registers (issue 2, item 5).
            raise PermissionDenied("请先完成双因素认证（TOTP）后再执行写操作。")
        return request.user


def request_actor(request):
    """The person answerable for an API call: the session user, or the user who created the token."""
    token = getattr(request, "api_token", None)
    if token is not None:
        return token.created_by
    return request.user


def api_auth(scope: str) -> list:
    """Token first, so a machine client never trips the session's CSRF check."""
    return [TokenAuth(scope), StaffSessionAuth(scope)]


def visible_agency_ids(request) -> set[int] | None:
    """None: every agency. An agency's token sees that agency; a session user sees the agencies
    `roles.agencies_visible_to` gives (own agency and below; a supervisor's region; admins all)."""
    token = getattr(request, "api_token", None)
    if token is not None:
        return None if not token.agency_id else {token.agency_id}
    return agency_ids_visible_to(request.user)
