"""The annual report (P11, PUB-13): the staff page and its downloads, and the published files."""

from django.urls import path

from . import views

URL_PREFIX = "reports/"
app_name = "supervision"

urlpatterns = [
    path("annual/", views.annual, name="annual"),
    path("annual/publish/", views.annual_publish, name="annual_publish"),
    path("annual/<int:year>.<str:kind>", views.annual_download, name="annual_download"),
    path("published/<int:pk>.<str:kind>", views.published_download, name="published"),
]
