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
