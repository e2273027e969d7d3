"""Officer pages of whole-process records (R1–R7). The case page links to
/records/cases/<case_id>/evidence/."""

from django.urls import path

from . import views

URL_PREFIX = "records/"
app_name = "records"

urlpatterns = [
    path("cases/<int:case_id>/evidence/", views.evidence_list, name="evidence"),
    path("cases/<int:case_id>/evidence/upload/", views.evidence_upload, name="evidence_upload"),
    path("cases/<int:case_id>/evidence/<int:number>/", views.evidence_detail, name="evidence_detail"),
    path("cases/<int:case_id>/evidence/<int:number>/file", views.evidence_file, name="evidence_file"),
    path("cases/<int:case_id>/evidence/<int:number>/annotate/", views.evidence_annotate, name="evidence_annotate"),
    path("cases/<int:case_id>/evidence/<int:number>/withdraw/", views.evidence_withdraw, name="evidence_withdraw"),
    path("cases/<int:case_id>/evidence/<int:number>/device-review/", views.evidence_device_review,
         name="evidence_device_review"),
    path("cases/<int:case_id>/access/", views.access_page, name="access"),
    path("cases/<int:case_id>/access/request/", views.access_request, name="access_request"),
    path("access-requests/", views.access_inbox, name="access_inbox"),
    path("access-requests/<int:request_id>/decide/", views.access_decide, name="access_decide"),
    path("cases/<int:case_id>/archive/", views.archive_page, name="archive"),
    path("cases/<int:case_id>/archive/build/", views.archive_rebuild, name="archive_build"),
    path("cases/<int:case_id>/archive/<int:package_id>/download", views.archive_download, name="archive_download"),
    path("equipment/", views.equipment, name="equipment"),
    path("monitoring-devices/", views.monitoring_devices_public, name="monitoring_devices_public"),
    path("device-notice/", views.device_notice_public, name="device_notice_public"),
    path("device-notice/statement/", views.device_notice_statement, name="device_notice_statement"),
]
