from django.urls import path

from . import views

URL_PREFIX = "documents/"
app_name = "documents"

urlpatterns = [
    path("cases/<int:case_id>/", views.case_documents, name="case"),
    path("cases/<int:case_id>/generate/", views.document_request, name="generate"),
    path("<int:document_id>/correct/", views.document_correct, name="correct"),
    path("<int:document_id>.<str:kind>", views.document_download, name="download"),
]
