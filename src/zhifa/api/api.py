"""The one Ninja API object at /api/v1/. Each app keeps its own routers in `<app>/api.py`, listed
there as ROUTES = [(prefix, router), ...]; they are mounted here in app order.

Errors always have the shape {"code", "message", "rule", "fields"} (DESIGN.md "Bad input")."""

import json
from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.parser import Parser
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from zhifa.core.errors import DomainError

class NotUnicodeText(ValueError):
    """A JSON body whose strings are not Unicode text (a lone surrogate written as "\\ud800")."""


class JsonParser(Parser):
    """json.loads lets a lone surrogate escape through; nothing downstream can store or hash it as
    UTF-8, so such a body is refused here, before any service sees it."""

    def parse_body(self, request):
        data = super().parse_body(request)
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError as exc:
            raise NotUnicodeText(str(exc)) from exc
        return data


api = NinjaAPI(
    parser=JsonParser(),
    title="zhifa 执法平台 API",
    version="1",
    description="行政执法公示、全过程记录、法制审核与责任制平台的机器接口。错误响应统一为 "
    '{"code", "message", "rule", "fields"}。',
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_body(code: str, message: str, rule: str | None = None, fields: dict | None = None) -> dict:
    return {"code": code, "message": message, "rule": rule, "fields": fields or {}}


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def _django_validation_error(request, exc: ValidationError):
    err = DomainError.from_validation_error(exc)
    return api.create_response(request, err.as_dict(), status=400)


_LOC_NAMES = {"body", "query", "path", "form", "file", "header", "cookie"}


@api.exception_handler(NinjaValidationError)
def _request_validation_error(request, exc: NinjaValidationError):
    fields = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if str(p) not in _LOC_NAMES and str(p) != "payload"]
        name = ".".join(loc) or "request"
        fields[name] = f"字段“{name}”无效：{err.get('msg', '')}"
    message = "请求参数不正确：" + "；".join(fields.values())
    return api.create_response(request, error_body("invalid_request", message, None, fields), status=422)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(request, error_body("unauthenticated", "请先登录或提供有效的接口令牌。"), status=401)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, error_body("forbidden", str(exc) or "您无权执行此操作。"), status=403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, error_body("not_found", "未找到所请求的对象。"), status=404)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # Ninja wraps whatever the parser raised in a 400 with an English message.
    if isinstance(exc.__cause__, NotUnicodeText):
        return api.create_response(request, error_body(
            "invalid_body", "请求正文含有无效字符：字符串中有孤立的 Unicode 代理项（如 \\ud800），不是有效的 Unicode 文本。",
        ), status=400)
    if isinstance(exc.__cause__, ValueError):
        return api.create_response(request, error_body(
            "invalid_body", f"请求正文不是有效的 JSON：{exc.__cause__}",
        ), status=400)
    return api.create_response(request, error_body("http_error", str(exc)), status=exc.status_code)


def _mount_app_routers() -> None:
    for app in settings.INSTALLED_APPS:
        if not app.startswith("zhifa.") or app == "zhifa.api":
            continue
        if find_spec(f"{app}.api") is None:
            continue
        module = import_module(f"{app}.api")
        for prefix, router in getattr(module, "ROUTES", []):
            api.add_router(prefix, router)


_mount_app_routers()

from zhifa.api import calendar as _calendar  # noqa: E402  (core's routes: core cannot import org's auth)

for _prefix, _router in _calendar.ROUTES:
    api.add_router(_prefix, _router)
