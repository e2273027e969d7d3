from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

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
]
