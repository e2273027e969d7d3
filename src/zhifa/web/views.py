from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from zhifa.org.models import Agency, Officer


def home(request):
    return render(request, "web/home.html", {
        "agency_count": Agency.objects.filter(active=True).count(),
        "officer_count": Officer.objects.filter(active=True).count(),
    })


def agency_list(request):
    agencies = Agency.objects.filter(active=True).select_related("region")
    return render(request, "web/agencies.html", {"agencies": agencies})


def officer_list(request):
    officers = Officer.objects.filter(active=True).select_related("agency")[:200]
    return render(request, "web/officers.html", {"officers": officers})


@login_required
def workbench(request):
    return render(request, "web/workbench.html")
