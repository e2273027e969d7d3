from django.contrib.auth import views as auth_views
from django.urls import path

from . import cases_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("agencies/", views.agency_list, name="agencies"),
    path("officers/", views.officer_list, name="officers"),
    path("verify/<str:token>", views.verify, name="verify"),
    path("verify/<str:token>/qr.svg", views.verify_qr, name="verify_qr"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/", views.otp_verify, name="otp"),
    path("workbench/", views.workbench, name="workbench"),
    path("work/cases/", cases_views.case_list, name="cases"),
    path("work/cases/new/", cases_views.case_new, name="case_new"),
    path("work/cases/<int:case_id>/", cases_views.case_page, name="case"),
    path("work/cases/<int:case_id>/steps/<str:action>/", cases_views.case_step, name="case_step"),
    path("work/cases/<int:case_id>/parties/", cases_views.case_party_add, name="case_party_add"),
    path("work/cases/<int:case_id>/officers/", cases_views.case_officer_add_view, name="case_officer_add"),
    path("work/cases/<int:case_id>/device-notices/", cases_views.case_device_notice_add, name="case_device_notice"),
]
