"""The records part of a case's snapshot (cases.snapshot): new, withdrawn or re-annotated evidence
changes the digest, so a legal review passed before it is void (REV-*). A record of an automated
monitoring device also carries its device and the outcome of its latest review, and once there are
some, the party's statements about it (PEN-15)."""

from __future__ import annotations

from .models import DeviceRecordReview, DeviceRecordStatement, Evidence


def evidence_part(case) -> list[dict]:
    rows = (Evidence.objects.filter(case=case).order_by("number")
            .values("pk", "number", "sha256", "act", "evidence_type", "lawful_acquisition", "withdrawal__id",
                    "monitoring_device__number"))
    reviews: dict[int, bool] = {}
    for ev_id, conforms in (DeviceRecordReview.objects.filter(evidence__case=case).order_by("id")
                            .values_list("evidence_id", "conforms")):
        reviews[ev_id] = conforms  # the latest review wins
    statements: dict[int, list[dict]] = {}
    for ev_id, text, at in (DeviceRecordStatement.objects.filter(notice__evidence__case=case).order_by("id")
                            .values_list("notice__evidence_id", "text", "at")):
        statements.setdefault(ev_id, []).append({"text": text, "at": at})
    out = []
    for r in rows:
        item = {"number": r["number"], "sha256": r["sha256"], "act": r["act"], "evidence_type": r["evidence_type"],
                "lawful_acquisition": r["lawful_acquisition"], "withdrawn": r["withdrawal__id"] is not None}
        if r["monitoring_device__number"]:  # only device records carry these keys: older digests stay valid
            item["monitoring_device"] = r["monitoring_device__number"]
            item["device_review"] = reviews.get(r["pk"])
            # The party's statements (PEN-15), only once there are some (older digests stay valid): a
            # statement arriving after a legal review passed voids it, so the reviewer sees it. (Notices are
            # not here: telling the party again, e.g. after a locked code, changes nothing reviewed.)
            if r["pk"] in statements:
                item["party_statements"] = statements[r["pk"]]
        out.append(item)
    return out
