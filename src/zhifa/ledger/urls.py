from django.urls import path

from . import views

URL_PREFIX = "ledger/"
app_name = "ledger"

urlpatterns = [
    path("", views.transparency, name="transparency"),
    path("verify_proof.py", views.verifier_download, name="verifier"),
]
