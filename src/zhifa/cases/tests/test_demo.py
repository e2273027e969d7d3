"""The demo penalty cases load through the engine and cover the states issue 5 item 9 asks for."""

import io
from decimal import Decimal

from zhifa.cases import demo
from zhifa.cases.models import Case
from zhifa.catalog import demo as catalog_demo
from zhifa.org import demo as org_demo


def test_demo_cases_cover_every_state(db):
    out = io.StringIO()
    org_demo.load(stdout=None)
    catalog_demo.load(stdout=out)
    demo.load(stdout=out, bodies=1)
    states = set(Case.objects.values_list("state", flat=True))
    assert {"registered", "not_filed", "filed", "investigated", "notified", "heard", "decided", "executing",
            "closed", "referred", "court_enforcement", "archived"} <= states
    simple = Case.objects.filter(procedure="penalty_simple")
    assert simple.filter(state="closed").exists() and simple.filter(state="decided").exists()
    late = [c for c in Case.objects.filter(state="closed", procedure="penalty_general")
            if Decimal(c.data.get("surcharge") or "0") > 0]
    assert late, "a case closed after late payment with a surcharge"
    assert Case.objects.filter(state="heard").exclude(data__hold_hearing=None).exists()
    closed = Case.objects.filter(state="closed")
    no_penalty = [c for c in closed if c.data["propose"].get("outcome") == "no_penalty"]
    assert no_penalty and "不罚" in no_penalty[0].data["no_penalty_decision_number"]
    renotified = [c for c in Case.objects.filter(state="notified") if c.data.get("earlier_proposals")]
    assert renotified, "a case re-notified after new facts (PEN-19)"
    first = renotified[0].data["earlier_proposals"][0]["propose"]
    assert Decimal(renotified[0].data["propose"]["fine_amount"]) > Decimal(first["fine_amount"])
