"""Issue 8 through the penalty procedure: a served decision opens its publication with the due date
from the calendar (PUB-03); a revoked decision is withdrawn and leaves the portal search (PUB-05)."""


from zhifa.cases.engine import case_transition
from zhifa.cases.testing import register_case
from zhifa.core.deadlines import compute_due
from zhifa.publicity.models import Publication
from zhifa.publicity.selectors import feed_events, published_publications
from zhifa.publicity.services import publication_publish, publication_review
from django.utils import timezone

TODAY = timezone.localdate()
PROPOSAL = {"outcome": "penalty", "penalty_types": ["warning", "fine"], "fine_amount": "25000",
            "correction_order": "责令改正", "reasons_evidence": "笔录印证", "reasons_basis": "依据第126条",
            "reasons_discretion": "一般情形"}


def move(case, action, w, data=None, **kw):
    return case_transition(case=case, action=action, actor=w.actor, data=data or {}, **kw)


def test_served_decision_is_published_and_revocation_withdraws_it(penalty_world):
    w = penalty_world
    case = register_case(w)
    move(case, "file", w, {"head_approved": True, "opinion": "立案"})
    move(case, "record_inspection", w, {"certificates_shown": True, "place": "现场", "findings": "情况"})
    move(case, "conclude_investigation", w, {"report": "终结"})
    move(case, "propose", w, PROPOSAL, warn_reason="事实见现场检查笔录（测试未上传证据文件）")
    move(case, "serve_notice", w, {"method": "direct", "served_on": TODAY.isoformat()})
    move(case, "waive_rights", w, {"waiver_document": "当事人书面放弃陈述申辩声明"})
    move(case, "decide", w, {"performance": "十五日内", "remedies": "复议或诉讼", "head_signed": True})
    assert not Publication.objects.filter(source_pk=str(case.pk)).exists()  # not yet in effect
    move(case, "serve_decision", w, {"method": "direct", "served_on": TODAY.isoformat()})
    case.refresh_from_db()
    pub = Publication.objects.get(source_label="cases.case", source_pk=str(case.pk))
    assert pub.decision_number == case.data["penalty_decision_number"]
    assert pub.due_on == compute_due(rule_id="PUB-03", start=TODAY).enforced_date
    assert pub.due_rule.startswith("PUB-03")
    publication_review(publication=pub, actor=w.actor)
    publication_publish(publication=pub, actor=w.actor)
    assert published_publications(q="", decision_number=pub.decision_number).filter(pk=pub.pk).exists()
    move(case, "revoke_decision", w, {"kind": "revoked", "organ": "江川市人民政府", "document": "江府复决〔2026〕1号"})
    pub.refresh_from_db()
    assert pub.status == "withdrawn"
    assert not published_publications(q="", decision_number=pub.decision_number).filter(pk=pub.pk).exists()
    assert feed_events().filter(publication=pub, kind="withdrawn").exists()
    case.refresh_from_db()
    assert case.state == "revoked"
