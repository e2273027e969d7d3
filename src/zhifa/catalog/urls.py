"""Portal pages of the power list and the three lists (事前公开, PUB-01)."""

from django.urls import path

from . import views

URL_PREFIX = "catalog/"
app_name = "catalog"

urlpatterns = [
    path("", views.matter_list, name="matters"),
    path("matters/<str:code>/", views.matter_detail, name="matter"),
    path("major-decisions/", views.major_list, name="major"),
    path("av-recording/", views.av_list, name="av"),
    path("random-inspections/", views.inspection_list, name="inspection"),
]
