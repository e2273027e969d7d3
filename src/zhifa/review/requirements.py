"""When a case needs legal review (REV-01, REV-03, L3) or collective discussion (REV-08), what
a submission must contain (L6), and the automatic part of the REV-04 checklist. Pure reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from zhifa.cases.models import Case, CaseOfficer, StatusEntry
from zhifa.cases.snapshot import case_snapshot, case_snapshot_digest
from zhifa.catalog.discretion import benchmark_apply, deviation_requires, major_decision_match, yuan
from zhifa.catalog.models import Matter, PenaltyType
from zhifa.catalog.services import setting_value
from zhifa.core.errors import DomainError

# Procedures that are the simple procedure (当场处罚): L3's "review everything else" skips them.
SIMPLE_PROCEDURES = {"penalty_simple"}
# Steps that gather evidence (penalty_general); the records app adds its own evidence part.
EVIDENCE_STEPS = ("record_inspection", "record_interview", "preserve_evidence", "preservation_decide", "seize")


# Documents that belong to the review itself (the 集体讨论记录): issuing them must not change what
# was reviewed or discussed, so they are left out of the review's snapshot.
REVIEW_OWN_TEMPLATES = {"collective_discussion"}


def review_snapshot(case: Case) -> dict:
    """`cases.snapshot.case_snapshot` without the review's own documents (REV-01, REV-08)."""
    snap = case_snapshot(case)
    if isinstance(snap.get("documents"), list):
        snap["documents"] = [d for d in snap["documents"] if d.get("template") not in REVIEW_OWN_TEMPLATES]
    return snap


def review_digest(case: Case, snapshot: dict | None = None) -> str:
    return case_snapshot_digest(case, snapshot if snapshot is not None else review_snapshot(case))


def expected_documents(case: Case) -> list[tuple[str, str]]:
    """(template, step label) of the documents the procedure generates for the steps taken so far
    (after-commit hooks carrying a `template`), the review's own excepted."""
    from zhifa.cases.engine import get_procedure

    try:
        procedure = get_procedure(case.procedure)
    except DomainError:
        return []
    out = []
    for t in procedure.transitions:
        if t.action not in (case.data or {}):
            continue
        for hook in t.after_commit:
            code = getattr(hook, "template", None)
            applies = getattr(hook, "applies", None)
            if code and code not in REVIEW_OWN_TEMPLATES and (applies is None or applies(case)):
                out.append((code, t.label))
    return out


def _propose(case: Case) -> dict:
    return dict((case.data or {}).get("propose") or {})


def _money(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def proposed_amount(case: Case) -> Decimal | None:
    """涉案金额 for the catalogue: the proposed fine plus the value confiscated (罚没合计)."""
    p = _propose(case)
    parts = [a for a in (_money(p.get("fine_amount")), _money(p.get("confiscation_value"))) if a is not None]
    return sum(parts, Decimal(0)) if parts else None


def _hearing(case: Case) -> dict | None:
    """The latest hearing held: this round's, else one held on a notice superseded by a step back
    for new facts (procedures: 补充调查（重新告知）, `earlier_proposals`) — the case still went
    through a hearing (REV-01 (2))."""
    data = case.data or {}
    if "hold_hearing" in data:
        return data["hold_hearing"] or {}
    return next((r["hold_hearing"] or {} for r in reversed(data.get("earlier_proposals") or [])
                 if "hold_hearing" in r), None)


def hearing_held(case: Case) -> bool:
    return _hearing(case) is not None


# --- REV-01 / REV-03 / L3 ---------------------------------------------------------------------------


def review_required(case: Case) -> list[str]:
    """Why this case's decision needs legal review (Chinese reasons; empty: not required).

    REV-01 (行政处罚法 Art. 58): public interest, major rights after a hearing, complex or several
    legal relations, a law requires it; REV-03 (118号 (十二)): major social impact or risk and the
    agency's published catalogue; L3: the agency may review every decision outside the simple
    procedure (setting `review_all_ordinary`)."""
    p = _propose(case)
    reasons = major_decision_match(
        agency=case.agency, matter=case.matter, penalty_types=p.get("penalty_types") or (),
        amount=proposed_amount(case), hearing_held=hearing_held(case),
        public_interest=bool(p.get("public_interest")), complex=bool(p.get("complex")),
    )
    if p.get("social_risk"):
        reasons.append("可能造成重大社会影响或者引发社会风险（规则 REV-03）")
    if p.get("review_required_by_law"):
        reasons.append(f"法律、法规规定应当进行法制审核：{p['review_required_by_law']}"
                       "（行政处罚法第五十八条第一款第（四）项，规则 REV-01）")
    if case.procedure not in SIMPLE_PROCEDURES and setting_value("review_all_ordinary", agency=case.agency):
        reasons.append("本机关规定：除简易程序外的执法决定一律进行法制审核（规则 REV-03）")
    return list(dict.fromkeys(reasons))


def statutory(reasons: list[str]) -> bool:
    return any("REV-01" in r for r in reasons)


# --- discretion (REV-09, REV-10) --------------------------------------------------------------------


def _circumstances(p: dict) -> dict:
    raw = p.get("circumstances") or []
    c: dict = {f: True for f in raw} if isinstance(raw, list) else dict(raw)
    if p.get("mitigating"):
        c["mitigating"] = list(p["mitigating"])
    for k in ("illegal_gains", "goods_value", "aggravating", "minor_age"):
        if p.get(k) not in (None, "", []):
            c[k] = p[k]
    return c


def discretion_check(case: Case) -> dict:
    """The automatic comparison of the proposed fine with the benchmark (REV-04 (4), REV-10):
    {applies, tier, range, amount, deviates, allowed, collective, message}."""
    p = _propose(case)
    out = {"applies": False, "tier": "", "range": "", "amount": p.get("fine_amount") or "", "deviates": False,
           "allowed": True, "collective": False, "message": "", "basis": []}
    matter = case.matter
    if matter is None or matter.kind != Matter.Kind.PENALTY:
        out["message"] = "本案未关联行政处罚事项，无裁量基准可比对。"
        return out
    try:
        result = benchmark_apply(matter=matter, circumstances=_circumstances(p))
    except DomainError as exc:
        out["message"] = exc.message
        return out
    out.update(applies=True, tier=result.tier_label, range=str(result.range) if result.range else "不予处罚",
               basis=result.basis, reasons=result.reasons)
    if p.get("outcome") not in (None, "penalty") or _money(p.get("fine_amount")) is None:
        out["message"] = f"裁量基准指向“{result.tier_label}”；本案未拟处罚款，无金额比对。"
        return out
    dev = deviation_requires(result=result, proposed_amount=p["fine_amount"])
    out.update(deviates=dev.deviates, allowed=dev.allowed, collective=dev.collective_discussion_required,
               message=dev.message)
    return out


# --- PEN-06: several norms breached by the same act ------------------------------------------------


PEN06_BASIS = "行政处罚法第二十九条，规则 PEN-06"


def fine_comparison(case: Case, *, snapshot: dict | None = None) -> dict | None:
    """PEN-06 (行政处罚法第二十九条): the statutory maximum fine of the case's matter and of each other
    matter the proposal says the same act breaches, as the proposal computed them
    (`case.data["propose"]["fine_max_comparison"]`, or the frozen `snapshot`'s), for the reviewer:
    {rows: [{code, version, name, own, fine_max, how, highest}], own_is_highest, complete, penalty,
    warnings: [..], reason}. None when the proposal cites no other matter."""
    data = ((snapshot.get("case") or {}).get("data") or {}) if snapshot is not None else (case.data or {})
    proposal = data.get("propose") or {}
    comparison = proposal.get("fine_max_comparison")
    if not isinstance(comparison, dict) or not comparison.get("matters"):
        return None
    highest = set(comparison.get("highest") or [])
    rows = [{"code": r.get("code", ""), "version": r.get("version", ""), "name": r.get("name", ""),
             "own": bool(r.get("own")), "fine_max": None if r.get("fine_max") is None else yuan(r["fine_max"]),
             "how": r.get("how", ""), "highest": r.get("code") in highest} for r in comparison["matters"]]
    own = next((r for r in rows if r["own"]), None)
    penalty = proposal.get("outcome") == "penalty"  # as the guard: only a fine makes the choice matter
    warnings = []
    if penalty and own is not None and own["fine_max"] is not None and not comparison.get("own_is_highest"):
        top = "、".join(f"“{r['name']}”（{r['code']}）{r['fine_max']}元" for r in rows if r["highest"])
        warnings.append(f"本案执法事项“{own['name']}”（{own['code']}）的最高罚款{own['fine_max']}元，不是同一违法行为"
                        f"所违反规定中最高的（最高：{top}）。同一个违法行为违反多个法律规范应当给予罚款处罚的，"
                        f"按照罚款数额高的规定处罚（{PEN06_BASIS}）；请审核是否应改用该规定，或者承办机构的理由是否成立。")
    unknown = [r for r in rows if r["fine_max"] is None]
    if penalty and unknown:
        warnings.append("无法计算最高罚款：" + "；".join(f"“{r['name']}”（{r['code']}）{r['how']}" for r in unknown)
                        + f"。无法确认是否适用了罚款数额高的规定，请人工核对（{PEN06_BASIS}）。")
    # The officer's reason for going on despite the PEN-06 warning, from the proposal's status row.
    entry = StatusEntry.objects.filter(case=case, seq=proposal.get("entry") or 0, action="propose").first()
    reason = next((w.get("reason", "") for w in (entry.warnings if entry else []) if w.get("rule") == "PEN-06"), "")
    return {"rows": rows, "own_is_highest": bool(comparison.get("own_is_highest")),
            "complete": bool(comparison.get("complete")), "penalty": penalty,
            "warnings": warnings, "reason": reason}


# --- REV-08 -----------------------------------------------------------------------------------------


def discussion_required(case: Case) -> list[str]:
    """Why the decision must be taken by collective discussion (REV-08; empty: not required)."""
    p = _propose(case)
    reasons = []
    if p.get("complex"):
        reasons.append("案件情节复杂（行政处罚法第五十七条第二款，规则 REV-08）")
    if p.get("serious"):
        reasons.append("属于重大违法行为（行政处罚法第五十七条第二款，规则 REV-08）")
    d = discretion_check(case)
    if (d["deviates"] and d["collective"]) or p.get("collective_discussion_required"):
        reasons.append("拟处罚款偏离裁量基准，应当集体讨论决定（国办发〔2022〕27号（十二），规则 REV-10、REV-08）")
    if p.get("extension_beyond_limit"):
        reasons.append("办案期限需再次延长（市场监督管理行政处罚程序规定第六十四条，规则 REV-08）")
    if (p.get("outcome") in (None, "penalty") and setting_value("collective_for_reviewed_penalties", agency=case.agency)
            and review_required(case)):
        reasons.append("本机关规定：法制审核范围内的处罚案件应当集体讨论（规则 REV-08）")
    return reasons


# --- materials (L6) ---------------------------------------------------------------------------------

OUTCOMES = {"penalty": "拟给予行政处罚", "no_penalty": "拟不予行政处罚", "refer": "拟移送司法机关"}


def step_label(case: Case, action: str) -> str:
    from zhifa.cases.engine import get_procedure

    try:
        return get_procedure(case.procedure).transition(action).label
    except DomainError:
        return action


def materials_check(case: Case, *, investigation_report: str = "", snapshot: dict | None = None) -> list[dict]:
    """The materials a submission needs, and whether each is there: [{key, label, required,
    present, detail}]. Evidence and documents come from the registered snapshot parts where the
    records and documents apps supply them, else from the steps recorded on the case."""
    data = case.data or {}
    p = _propose(case)
    parts = snapshot if snapshot is not None else review_snapshot(case)
    items = []

    items.append({"key": "proposal", "label": "拟处理决定（案件审查意见）", "required": True,
                  "present": bool(p), "detail": OUTCOMES.get(p.get("outcome"), "已提出") if p else "尚未提出拟处理意见"})

    evidence_steps = [step_label(case, s) for s in EVIDENCE_STEPS if s in data]
    evidence_part = parts.get("evidence")
    present = bool(evidence_part) or bool(evidence_steps)
    detail = (f"证据材料 {len(evidence_part)} 项" if evidence_part else
              f"已记录：{'、'.join(evidence_steps)}" if evidence_steps else "未记录任何调查取证")
    items.append({"key": "evidence", "label": "证据清单", "required": True, "present": present, "detail": detail})

    report = ((investigation_report or "").strip() or ((data.get("conclude_investigation") or {}).get("report") or "")
              .strip() or (p.get("reasons_evidence") or "").strip())
    items.append({"key": "investigation_report", "label": "调查终结报告", "required": True, "present": bool(report),
                  "detail": "已提交" if report else "请填写调查终结报告或拟处理意见中的事实与证据理由"})

    if "documents" in parts:
        docs = parts["documents"] or []
        have = {d.get("template") for d in docs}
        missing = [label for code, label in expected_documents(case) if code not in have]
        detail = (f"文书 {len(docs)} 份" if docs else "无应生成的文书") if not missing else \
            f"尚未生成：{'、'.join(dict.fromkeys(missing))}的文书（请待生成完成或在文书页重新生成）"
        items.append({"key": "documents", "label": "执法文书", "required": True, "present": not missing,
                      "detail": detail})
    else:
        served = "serve_notice" in data
        items.append({"key": "documents", "label": "执法文书", "required": False, "present": served,
                      "detail": "已送达告知书" if served else "文书模块未启用，请在送审说明中列明"})

    if hearing_held(case):
        h = _hearing(case) or {}
        has = bool(h.get("transcript") or h.get("signed") or h.get("refusal"))
        items.append({"key": "hearing_transcript", "label": "听证笔录", "required": True, "present": has,
                      "detail": "已附" if has else "已举行听证，缺听证笔录（规则 PEN-32）"})
    return items


# --- REV-04 automatic checks ------------------------------------------------------------------------

CHECKLIST = [
    ("body_officers", "执法主体是否合法，执法人员是否具备执法资格", "REV-04 (1)"),
    ("procedure", "执法程序是否合法", "REV-04 (2)"),
    ("facts_evidence", "事实是否清楚，证据是否合法充分", "REV-04 (3)"),
    ("legal_basis", "适用法律、法规、规章是否准确", "REV-04 (4)"),
    ("discretion", "裁量基准运用是否适当", "REV-04 (4)"),
    ("authority", "是否超越法定权限、滥用职权", "REV-04 (5)"),
    ("documents", "执法文书是否完备、规范", "REV-04 (6)"),
    ("crime_referral", "是否涉嫌犯罪、需要移送司法机关", "REV-04 (7)"),
]
CHECKLIST_KEYS = [k for k, _, _ in CHECKLIST]
# Items whose automatic failure is a fact from the registers: 同意 is refused while it fails.
HARD_ITEMS = {"body_officers"}


def _officers_check(case: Case, on_date: dt.date) -> dict:
    from zhifa.org.selectors import officer_may_act

    notes, ok = [], True
    if not case.agency.active:
        ok = False
        notes.append(f"执法主体“{case.agency}”已失效。")
    matter = case.matter
    if matter is not None and matter.agency_id != case.agency_id:
        ok = False
        notes.append("执法事项不属于本机关权责清单。")
    links = list(CaseOfficer.objects.filter(case=case, recused=False).select_related("officer"))
    minimum = int(setting_value("min_officers", agency=case.agency))
    if len(links) < minimum and case.procedure not in SIMPLE_PROCEDURES:
        ok = False
        notes.append(f"承办人员仅 {len(links)} 人，行政处罚法第四十二条要求不少于{minimum}人（规则 PEN-16）。")
    category = matter.category.code if matter is not None and matter.category_id else None
    if category is None:
        notes.append("执法事项未载明执法类别，执法证件覆盖范围需人工核对。")
    for link in links:
        if category is None:
            continue
        days = {d for d in (case.filed_on, on_date) if d}
        for day in sorted(days):
            e = officer_may_act(officer=link.officer, category_code=category, region_code=case.agency.region.code,
                                on_date=day)
            if not e:
                ok = False
                notes.append(f"{day:%Y-%m-%d}：{e.reason}")
                break
        else:
            notes.append(f"{link.officer.name}：持有效执法证件。")
    return {"ok": ok, "notes": notes}


def _procedure_check(case: Case) -> dict:
    entries = list(StatusEntry.objects.filter(case=case).order_by("seq").values("action", "action_label", "warnings"))
    actions = [e["action"] for e in entries]
    notes = ["办理经过：" + " → ".join(e["action_label"] for e in entries)] if entries else ["案件尚无办理记录。"]
    ok = bool(entries)
    # A hearing asked for on a notice later superseded (补充调查，重新告知) is not pending.
    current = actions[len(actions) - actions[::-1].index("reinvestigate"):] if "reinvestigate" in actions else actions
    if "request_hearing" in current and "hold_hearing" not in current:
        ok = False
        notes.append("当事人申请听证，尚未举行听证（规则 PEN-32）。")
    for e in entries:
        for w in e["warnings"] or []:
            notes.append(f"“{e['action_label']}”曾有提示：{w.get('message', '')}（理由：{w.get('reason', '') or '未填'}）")
    return {"ok": ok, "notes": notes}


def _authority_check(case: Case, discretion: dict) -> dict:
    p = _propose(case)
    notes, ok = [], True
    matter = case.matter
    types = set(p.get("penalty_types") or [])
    if matter is not None and types:
        outside = types - set(matter.penalty_types or [])
        if outside:
            ok = False
            labels = "、".join(PenaltyType(t).label if t in PenaltyType.values else t for t in sorted(outside))
            notes.append(f"拟处罚种类“{labels}”不在该事项的处罚种类内。")
    if "detention" in types and not setting_value("detention_allowed", agency=case.agency):
        ok = False
        notes.append("本机关无权实施行政拘留（规则 PEN-01）。")
    if discretion.get("applies") and not discretion.get("allowed", True):
        ok = False
        notes.append(discretion["message"])
    if ok:
        notes.append("拟处罚种类与幅度在本机关法定职权范围内。")
    return {"ok": ok, "notes": notes}


def auto_checks(case: Case, *, on_date: dt.date | None = None) -> dict[str, dict]:
    """The automatic findings per REV-04 item: {key: {ok: bool|None, notes: [..]}} (None: the
    reviewer judges; the notes show what the system knows)."""
    from django.utils import timezone

    on_date = on_date or timezone.localdate()
    p = _propose(case)
    discretion = discretion_check(case)
    materials = materials_check(case)
    out: dict[str, dict] = {}
    out["body_officers"] = _officers_check(case, on_date)
    out["procedure"] = _procedure_check(case)
    ev = next(m for m in materials if m["key"] == "evidence")
    out["facts_evidence"] = {"ok": None, "notes": [ev["detail"]] + ([f"事实与证据：{p['reasons_evidence']}"]
                                                                   if p.get("reasons_evidence") else [])}
    bases = [b.citation for b in case.matter.legal_bases.all()] if case.matter_id else []
    compared = fine_comparison(case)
    out["legal_basis"] = {"ok": (bool(bases) and not (compared and compared["warnings"])) or None,
                          "notes": (["执法事项的法律依据：" + "；".join(bases)] if bases else ["未关联法律依据。"])
                          + ([f"拟适用依据：{p['reasons_basis']}"] if p.get("reasons_basis") else [])
                          + (compared["warnings"] if compared else [])}
    if discretion["applies"]:
        notes = [f"基准阶次：{discretion['tier']}，幅度：{discretion['range']}",
                 f"拟处罚款：{discretion['amount'] or '—'}元", discretion["message"]]
        out["discretion"] = {"ok": not discretion["deviates"], "notes": [n for n in notes if n]}
    else:
        out["discretion"] = {"ok": None, "notes": [discretion["message"]]}
    out["authority"] = _authority_check(case, discretion)
    missing = [m["label"] for m in materials if m["required"] and not m["present"]]
    out["documents"] = {"ok": not missing, "notes": [f"{m['label']}：{m['detail']}" for m in materials]}
    crime = bool(p.get("suspected_crime"))
    if crime and p.get("outcome") != "refer":
        out["crime_referral"] = {"ok": False, "notes": ["标记涉嫌犯罪，但拟处理意见不是移送司法机关（规则 PEN-29）。"]}
    else:
        out["crime_referral"] = {"ok": None if not crime else True,
                                 "notes": ["拟移送司法机关。" if crime else "承办机构未标记涉嫌犯罪，请审核确认。"]}
    return out
