from django.urls import path

from . import views

URL_PREFIX = "review/"
app_name = "review"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/", views.my_cases, name="cases"),
    path("reports/", views.reports, name="reports"),
    path("<int:review_id>/", views.review_page, name="review"),
    path("<int:review_id>/<str:action>/", views.review_action, name="review_action"),
    path("case/<int:case_id>/", views.case_page, name="case"),
    path("case/<int:case_id>/<str:action>/", views.case_action, name="case_action"),
    path("meetings/<int:meeting_id>/", views.meeting_page, name="meeting"),
]
