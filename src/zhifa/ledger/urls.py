from django.urls import path

from . import views

URL_PREFIX = "ledger/"
app_name = "ledger"

urlpatterns = [path("", views.transparency, name="transparency")]
