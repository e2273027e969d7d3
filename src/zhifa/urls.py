"""URLs. Each app with a `urls.py` that sets URL_PREFIX is mounted there (in app order), so apps
add pages without touching this file; the portal and workbench (web) come last at the root."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from zhifa.api.api import api

admin.site.site_header = "zhifa 执法平台 管理后台"
admin.site.site_title = "zhifa 管理后台"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
for _app in settings.INSTALLED_APPS:
    if _app.startswith("zhifa.") and _app != "zhifa.web" and find_spec(f"{_app}.urls") is not None:
        _module = import_module(f"{_app}.urls")
        urlpatterns.append(path(getattr(_module, "URL_PREFIX", ""), include(_module)))
urlpatterns.append(path("", include("zhifa.web.urls")))
