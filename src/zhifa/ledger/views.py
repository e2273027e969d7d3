from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render

from .models import LedgerHead
from .services import latest_tree_head
from .verify import ledger_alerts_open


def transparency(request):
    head_row = LedgerHead.objects.filter(pk=1).first()
    return render(request, "ledger/transparency.html", {
        "head": latest_tree_head(),
        "size": head_row.size if head_row else 0,
        "alerts": ledger_alerts_open()[:5],
    })


def verifier_download(request):
    """The standalone verifier (tools/verify_proof.py), so a citizen gets it from the same page."""
    path = settings.BASE_DIR / "tools" / "verify_proof.py"
    if not path.exists():
        raise Http404("核验工具未随本部署提供。")
    return FileResponse(path.open("rb"), as_attachment=True, filename="verify_proof.py",
                        content_type="text/x-python; charset=utf-8")
