"""Portal pages of published decisions (事后公开, P6), feeds (P10), post signs (P4) and the
publicity clerk's pages (P9)."""

from django.urls import path

from . import views

URL_PREFIX = "publicity/"
app_name = "publicity"

urlpatterns = [
    path("", views.portal, name="portal"),
    path("count/", views.portal_count, name="count"),
    path("d/<int:pk>/", views.decision, name="decision"),
    path("feed.atom", views.feed_atom, name="feed"),
    path("export.csv", views.export_csv, name="csv"),
    path("signs/", views.signs, name="signs"),
    path("signs/<int:agency_id>/", views.sign, name="sign"),
    path("clerk/", views.clerk, name="clerk"),
    path("clerk/<int:pk>/", views.clerk_detail, name="clerk_detail"),
    path("clerk/<int:pk>/<str:action>/", views.clerk_action, name="clerk_action"),
]
