from django.contrib import admin
from django.urls import include, path

from zhifa.api.api import api

admin.site.site_header = "zhifa 执法平台 管理后台"
admin.site.site_title = "zhifa 管理后台"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("zhifa.web.urls")),
]
