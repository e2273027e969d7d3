"""Services that change publications. Each runs in one transaction; every public fact appends one
ledger entry covering the version and the event it wrote (DESIGN.md).

Workflow (P6–P9): `publication_open` (draft, redacted from the structured fields, free text
scanned) → `publication_review` by the publicity clerk (the hits are shown; the clerk may keep a
false hit or mask more, never edit the text) → `publication_publish` → `publication_correct` (a
new version, reviewed and published again: P8, PUB-12) / `publication_withdraw` (PUB-05) /
`publication_expire` at the end of the credit period (CRD-02) / `publication_remove_after_repair`
(CRD-03). Published, corrected and withdrawn items are queued for every push endpoint in the same
transaction (the outbox, P10/P13).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from zhifa.catalog.services import setting_value
from zhifa.core import redaction
from zhifa.core.canonical import canonical_json, digest
from zhifa.core.deadlines import add_months, compute_due
from zhifa.core.errors import Conflict, DomainError
from zhifa.core.identifiers import normalize_identifier, parse_resident_id
from zhifa.core.search import search_text_for
from zhifa.ledger.services import ledger_append
from zhifa.org.models import Agency

from .models import (
    FEED_KINDS,
    NEVER_PUBLISHED,
    Category,
    Confidentiality,
    OutboxMessage,
    PartyKind,
    Publication,
    PublicationEvent,
    PublicationVersion,
    PushEndpoint,
    Severity,
    Status,
)

E = PublicationEvent.Kind
PARTY_FIELDS = ("kind", "name", "id_number", "credit_code", "address", "phone", "legal_rep")
CORRECTABLE = ("decision_number", "party", "conclusion", "basis", "penalty", "amount", "facts", "reasons")
# PUB-06 (SAMR S6 Art. 14): no early removal for these penalties.
NO_EARLY_REMOVAL = re.compile(r"责令停产停业|限制开展生产经营活动|限制从业|降低资质等级|吊销\S{0,12}?(?:许可证|执照)|责令关闭")
SERIOUS_PENALTIES = ("吊销", "限制从业", "责令停产停业", "责令关闭", "限制开展生产经营活动")
_WARNING_ONLY = re.compile(r"^(给予|予以|作出)?警告(处罚|的行政处罚)?[。.]?$")


def _today() -> dt.date:
    return timezone.localdate()


# --- scope, severity, redaction ------------------------------------------------------------------


def is_warning_only(penalty: str, amount: Decimal | None) -> bool:
    return not amount and bool(_WARNING_ONLY.match((penalty or "").strip()))


def in_scope(*, agency: Agency, category: str, party_kind: str, penalty: str, amount, simple_procedure: bool) -> bool:
    """PUB-04: licensing and penalty decisions, and other enforcement decisions (118号 (六), 20
    working days); warnings only and simple-procedure decisions on natural persons by setting."""
    if category != Category.PENALTY:
        return True
    if setting_value("publication_scope", agency=agency) == "all_decisions":
        return True
    if is_warning_only(penalty, amount) and not setting_value("publication_include_warnings", agency=agency):
        return False
    if (simple_procedure and party_kind == PartyKind.PERSON
            and not setting_value("publication_include_simple_individual", agency=agency)):
        return False
    return True


def severity_of(*, agency: Agency, category: str, penalty: str, amount, simple_procedure: bool) -> str:
    """CRD-02 tiers: simple procedure, warnings and 通报批评 are minor; revocations, bans on
    practice, closures and very large fines serious; the rest general. Only penalties are negative
    credit information."""
    if category != Category.PENALTY:
        return Severity.NONE
    text = penalty or ""
    if any(word in text for word in SERIOUS_PENALTIES) or (
            amount is not None and amount >= Decimal(setting_value("credit_serious_fine", agency=agency))):
        return Severity.SERIOUS
    if simple_procedure or is_warning_only(text, amount) or (not amount and "通报批评" in text):
        return Severity.MINOR
    return Severity.GENERAL


def credit_period(*, agency: Agency, severity: str, decided_on: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """(min_until, expires_on) from the decision date (CRD-02; TIME-04 month arithmetic)."""
    if severity == Severity.MINOR:
        return decided_on, add_months(decided_on, setting_value("credit_minor_max_months", agency=agency))
    if severity == Severity.GENERAL:
        return (add_months(decided_on, setting_value("credit_general_min_months", agency=agency)),
                add_months(decided_on, setting_value("credit_general_max_months", agency=agency)))
    if severity == Severity.SERIOUS:
        return (add_months(decided_on, setting_value("credit_serious_min_months", agency=agency)),
                add_months(decided_on, setting_value("credit_serious_max_months", agency=agency)))
    return None, None


def _clean_party(party: dict) -> dict:
    if not isinstance(party, dict):
        raise DomainError("当事人信息应为字典。", fields={"party": "格式不正确"})
    unknown = set(party) - set(PARTY_FIELDS)
    if unknown:
        raise DomainError(f"当事人信息中有不认识的字段：{'、'.join(sorted(unknown))}。",
                          fields={"party": "不认识的字段"})
    out = {k: str(party.get(k) or "").strip() for k in PARTY_FIELDS}
    if out["kind"] not in PartyKind.values:
        raise DomainError("当事人类型应为自然人、法人或其他组织、个体工商户之一。", fields={"party.kind": "类型无效"})
    if not out["name"]:
        raise DomainError("当事人名称（姓名）不能为空（PUB-03：公开内容须包括执法对象）。", rule="PUB-03",
                          fields={"party.name": "不能为空"})
    out["id_number"] = normalize_identifier(out["id_number"])
    out["credit_code"] = normalize_identifier(out["credit_code"])
    return out


def _known(party: dict, display: redaction.PartyDisplay) -> dict[str, str]:
    """Structured values to mask wherever they occur in the free text."""
    known = {}
    if party["id_number"]:
        known[party["id_number"]] = redaction.ID_TOKEN
    if party["phone"]:
        known[party["phone"]] = redaction.PHONE_TOKEN
    if party["kind"] == PartyKind.PERSON:
        if party["name"]:
            known[party["name"]] = display.name
        if party["address"]:
            known[party["address"]] = display.address
    if party["kind"] == PartyKind.INDIVIDUAL_BUSINESS:
        if party["legal_rep"]:
            known[party["legal_rep"]] = display.legal_rep
        if party["credit_code"] and display.credit_code != party["credit_code"]:
            known[party["credit_code"]] = display.credit_code
    return known


def public_content(version: PublicationVersion | dict) -> dict:
    """What the public sees of a version: the fields its content hash covers."""
    get = (lambda k: version[k]) if isinstance(version, dict) else (lambda k: getattr(version, k))
    amount = get("amount")
    return {"decision_number": get("decision_number"), "party": get("party_display"),
            "conclusion": get("conclusion"), "basis": get("basis"), "penalty": get("penalty"),
            "amount": None if amount is None else Decimal(amount), "facts": get("facts"), "reasons": get("reasons")}


def _redacted(*, agency: Agency, source: dict, keep: list[str], mask: list[str]) -> dict:
    party = source["party"]
    style = setting_value("publication_name_style", agency=agency)
    display = redaction.redact_party(party, name_style=style,
                                     mask_individual_code=setting_value("publication_mask_individual_code",
                                                                        agency=agency))
    known = _known(party, display)
    out = {"party_display": display.as_dict(), "hits": []}
    for name in ("conclusion", "basis", "penalty", "facts", "reasons"):
        scan = redaction.scan_text(source[name], name_style=style, keep=keep, mask=mask, known=known,
                                   find_names=name in ("facts", "reasons", "conclusion"))
        out[name] = scan.text
        out["hits"] += [{"field": name, **h.as_dict()} for h in scan.hits]
    scan = redaction.scan_text(source["decision_number"], find_names=False, known=known)
    out["decision_number"] = scan.text
    out["amount"] = source["amount"]
    return out


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise DomainError("罚没金额应为数字。", fields={"amount": "应为数字"}) from None
    if amount < 0:
        raise DomainError("罚没金额不能为负数。", fields={"amount": "不能为负数"})
    return amount


def _new_version(*, publication: Publication, source: dict, keep: list[str], mask: list[str], actor,
                 reason: str = "") -> PublicationVersion:
    red = _redacted(agency=publication.agency, source=source, keep=keep, mask=mask)
    number = (publication.latest_version.number + 1) if publication.latest_version_id else 1
    stored_source = {**source, "amount": None if source["amount"] is None else str(source["amount"])}
    version = PublicationVersion(
        publication=publication, number=number, created_by=_user(actor), reason=reason, source=stored_source,
        keep=sorted(set(keep)), mask=sorted(set(mask)), decision_number=red["decision_number"],
        party_display=red["party_display"], conclusion=red["conclusion"], basis=red["basis"],
        penalty=red["penalty"], amount=red["amount"], facts=red["facts"], reasons=red["reasons"], hits=red["hits"],
        content_hash=digest(canonical_json(public_content(red))),
    )
    version.save()
    return version


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _event(publication: Publication, kind: str, *, actor, on: dt.date, version=None, note: str = "",
           data: dict | None = None) -> PublicationEvent:
    event = PublicationEvent(publication=publication, version=version, kind=kind, on=on, actor=_user(actor),
                             note=note, data=json.loads(canonical_json(data or {})))
    event.save()
    return event


def _ledger(kind: str, publication: Publication, event: PublicationEvent, *, actor, version=None, **payload):
    rows = [r for r in (version, event) if r is not None]
    ledger_append(kind=kind, actor=actor, subject=publication, rows=rows,
                  payload={"decision_number": publication.decision_number, "agency": publication.agency_id,
                           "status": publication.status,
                           **({"version": version.number, "content_hash": version.content_hash} if version else {}),
                           **payload})


def _search_text(publication: Publication, version: PublicationVersion) -> str:
    p = version.party_display
    return search_text_for(version.decision_number, p.get("name"), p.get("credit_code"), publication.agency.name,
                           publication.get_category_display(), version.conclusion, version.basis, version.penalty,
                           version.facts)


def _save(publication: Publication, *fields: str) -> None:
    Publication.objects.filter(pk=publication.pk).update(**{f: getattr(publication, f) for f in fields})


def _lock(publication: Publication) -> Publication:
    return Publication.objects.select_for_update(of=("self",)).select_related("agency", "latest_version").get(
        pk=publication.pk)


# --- opening -------------------------------------------------------------------------------------


@transaction.atomic
def publication_open(*, agency, source_label: str, source_pk, category: str, decision_number: str,
                     decided_on: dt.date, effective_on: dt.date, party: dict, conclusion: str, basis: str,
                     penalty: str = "", amount: Decimal | None = None, facts: str = "", reasons: str = "",
                     confidentiality: str = "public", simple_procedure: bool = False,
                     actor) -> Publication | None:
    """The entry point procedures call when a decision takes effect (issue 8 point 1).

    Returns None when the decision is outside the publication scope (PUB-04). A decision marked
    state or commercial secret, or against a minor, is recorded as withheld, without its content
    (PUB-09). Otherwise a draft with its due date (PUB-03, from the effective date) awaits the
    publicity clerk's review.
    """
    if category not in Category.values:
        raise DomainError("执法类别应为行政许可、行政处罚、行政强制、行政检查或其他。", fields={"category": "类别无效"})
    if confidentiality not in Confidentiality.values:
        raise DomainError("保密属性无效。", fields={"confidentiality": "取值无效"})
    if not (decision_number or "").strip():
        raise DomainError("决定文号不能为空。", fields={"decision_number": "不能为空"})
    if not (conclusion or "").strip():
        raise DomainError("执法结论不能为空（PUB-03：公开内容须包括执法结论）。", rule="PUB-03",
                          fields={"conclusion": "不能为空"})
    if not (source_label or "").strip() or source_pk in (None, ""):
        raise DomainError("须注明来源（source_label、source_pk）。", fields={"source_label": "不能为空"})
    if effective_on < decided_on:
        raise DomainError("生效日期不能早于决定日期。", fields={"effective_on": "早于决定日期"})
    party = _clean_party(party)
    amount = _amount(amount)
    if not in_scope(agency=agency, category=category, party_kind=party["kind"], penalty=penalty, amount=amount,
                    simple_procedure=simple_procedure):
        return None
    source_pk = str(source_pk)
    existing = Publication.objects.filter(source_label=source_label, source_pk=source_pk).exclude(
        status=Status.WITHDRAWN).first()
    if existing is not None:
        if existing.decision_number == decision_number.strip():
            return existing  # the same decision announced twice (a retried side effect)
        raise Conflict(f"该来源已有公示记录（{existing.decision_number}），如决定变更请先撤回（PUB-05）。",
                       rule="PUB-05", fields={"source_pk": "已有公示记录"})

    rule = "PUB-03" if category in (Category.LICENSING, Category.PENALTY) else "PUB-03:other"
    due = compute_due(rule_id=rule, start=effective_on)
    severity = severity_of(agency=agency, category=category, penalty=penalty, amount=amount,
                           simple_procedure=simple_procedure)
    min_until, expires_on = credit_period(agency=agency, severity=severity, decided_on=decided_on)
    publication = Publication.objects.create(
        agency=agency, source_label=source_label, source_pk=source_pk, category=category,
        decision_number=decision_number.strip(), decided_on=decided_on, effective_on=effective_on,
        party_kind=party["kind"], confidentiality=confidentiality, simple_procedure=simple_procedure,
        severity=severity, due_on=due.enforced_date, due_rule=due.rule_id, due_provisional=due.provisional,
        due_reason=due.reason[:300], min_until=min_until, expires_on=expires_on,
    )
    withheld = _withheld_reason(confidentiality, party, decided_on)
    if withheld:
        publication.status, publication.status_reason = Status.WITHHELD, withheld
        _save(publication, "status", "status_reason")
        event = _event(publication, E.WITHHELD, actor=actor, on=_today(), note=withheld)
        _ledger("publication_withheld", publication, event, actor=actor, reason=withheld)
        return publication

    source = {"decision_number": decision_number.strip(), "party": party, "conclusion": conclusion.strip(),
              "basis": (basis or "").strip(), "penalty": (penalty or "").strip(), "amount": amount,
              "facts": (facts or "").strip(), "reasons": (reasons or "").strip()}
    version = _new_version(publication=publication, source=source, keep=[], mask=[], actor=actor)
    publication.latest_version = version
    publication.party_name = version.party_display.get("name", "")[:200]
    _save(publication, "latest_version", "party_name")
    event = _event(publication, E.OPENED, actor=actor, on=_today(), version=version,
                   data={"due_on": due.enforced_date, "rule": due.rule_id, "hits": len(version.hits)})
    _ledger("publication_opened", publication, event, actor=actor, version=version, due_on=due.enforced_date,
            source=f"{source_label}:{source_pk}")
    return publication


def _withheld_reason(confidentiality: str, party: dict, decided_on: dt.date) -> str:
    if confidentiality in NEVER_PUBLISHED:
        return f"涉及{Confidentiality(confidentiality).label}，依法不予公开（政府信息公开条例第十四条、第十五条，PUB-09）。"
    if party["kind"] == PartyKind.PERSON and party["id_number"]:
        try:
            born = parse_resident_id(party["id_number"], today=decided_on).birth_date
        except DomainError:
            return ""
        age = decided_on.year - born.year - ((decided_on.month, decided_on.day) < (born.month, born.day))
        if age < 18:
            return "当事人为未成年人，不在网上公开（个人信息保护法第二十八条、第三十一条，PUB-09）。"
    return ""


# --- review and publication ----------------------------------------------------------------------


def _source(version: PublicationVersion) -> dict:
    s = dict(version.source)
    s["amount"] = None if s.get("amount") in (None, "") else Decimal(s["amount"])
    return s


@transaction.atomic
def publication_review(*, publication: Publication, actor, keep: list[str] | tuple = (),
                       mask: list[str] | tuple = (), disclosure_reason: str = "", note: str = "") -> Publication:
    """The publicity clerk's review (P9): accept the automatic redaction, keep words wrongly taken
    for names, or mask more. The text is never edited by hand; a changed choice makes a new
    version with the redaction recomputed from the source (PUB-08)."""
    publication = _lock(publication)
    if publication.status in (Status.WITHDRAWN, Status.EXPIRED, Status.WITHHELD):
        raise Conflict(f"该公示{publication.get_status_display()}，不能审核。", code="publication_closed")
    latest = publication.latest_version
    if publication.published_version_id == latest.pk:
        raise Conflict("没有待审核的版本。", code="nothing_to_review")
    if publication.confidentiality in (Confidentiality.INTERNAL, Confidentiality.PERSONAL) and not (
            disclosure_reason or "").strip():
        raise DomainError("该信息属于内部事务或涉及个人隐私，公开须记录权利人同意或不公开将严重影响公共利益的决定"
                          "（政府信息公开条例第十五条、第十六条，PUB-09）。", rule="PUB-09",
                          fields={"disclosure_reason": "须说明公开理由"})
    keep = [k.strip() for k in keep if k and k.strip()]
    mask = [m.strip() for m in mask if m and m.strip()]
    version = latest
    if sorted(set(keep)) != latest.keep or sorted(set(mask)) != latest.mask:
        version = _new_version(publication=publication, source=_source(latest), keep=keep, mask=mask, actor=actor,
                               reason="公示审核调整隐去内容")
        publication.latest_version = version
    publication.reviewed_version = version
    if publication.published_version_id is None:
        publication.status = Status.REVIEWED
    _save(publication, "latest_version", "reviewed_version", "status")
    event = _event(publication, E.REVIEWED, actor=actor, on=_today(), version=version, note=note,
                   data={"disclosure_reason": disclosure_reason.strip(), "keep": keep, "mask": mask})
    _ledger("publication_reviewed", publication, event, actor=actor, version=version)
    return publication


@transaction.atomic
def publication_publish(*, publication: Publication, actor, on: dt.date | None = None) -> Publication:
    """Publish the reviewed version (P6), or a reviewed correction of a published one (P8)."""
    on = on or _today()
    publication = _lock(publication)
    if publication.status in (Status.WITHDRAWN, Status.EXPIRED, Status.WITHHELD):
        raise Conflict(f"该公示{publication.get_status_display()}，不能发布（PUB-05：不得重新公开已撤回的版本）。",
                       rule="PUB-05", code="publication_closed")
    if publication.confidentiality in NEVER_PUBLISHED:
        raise DomainError("国家秘密、商业秘密不得公开（PUB-09）。", rule="PUB-09", code="secret")
    version = publication.latest_version
    if publication.reviewed_version_id != version.pk:
        raise Conflict("最新版本尚未经公示审核，不能发布（P9）。", code="not_reviewed", rule="PUB-08")
    if publication.published_version_id == version.pk:
        raise Conflict("该版本已发布。", code="already_published")
    text = " ".join(str(v) for v in public_content(version).values() if v is not None)
    left = redaction.surviving_identifiers(text)
    if left:
        raise DomainError("公示内容中仍有身份证号码或电话号码，禁止发布（PUB-08）。", rule="PUB-08",
                          code="identifier_left", fields={"facts": "仍含身份证号码或电话号码"})
    correction = publication.published_version_id is not None
    publication.published_version = version
    publication.status = Status.PUBLISHED
    publication.published_at = timezone.now()
    publication.search_text = _search_text(publication, version)
    publication.party_name = version.party_display.get("name", "")[:200]
    publication.credit_code = (version.party_display.get("credit_code") or "")[:18]
    if "*" in publication.credit_code:
        publication.credit_code = ""  # a masked code is not searchable
    fields = ["published_version", "status", "published_at", "search_text", "party_name", "credit_code",
              "overdue"]
    publication.overdue = False
    if correction:
        publication.corrected += 1
        fields.append("corrected")
    else:
        publication.first_published_on = on
        publication.late = on > publication.due_on
        fields += ["first_published_on", "late"]
    _save(publication, *fields)
    kind = E.CORRECTED if correction else E.PUBLISHED
    previous = publication.events.filter(kind__in=(E.PUBLISHED, E.CORRECTED)).order_by("-id").first()
    event = _event(publication, kind, actor=actor, on=on, version=version,
                   note=version.reason if correction else "",
                   data={"late": publication.late, "due_on": publication.due_on,
                         "replaces_version": previous.version.number if (correction and previous) else None})
    _ledger("publication_corrected" if correction else "publication_published", publication, event, actor=actor,
            version=version, due_on=publication.due_on, late=publication.late)
    _enqueue(publication, event)
    return publication


@transaction.atomic
def publication_correct(*, publication: Publication, actor, reason: str, changes: dict) -> Publication:
    """A correction (P8, PUB-12): a new version from the corrected source; the old version stays
    public until the correction is reviewed and published."""
    if not (reason or "").strip():
        raise DomainError("更正须说明原因（PUB-12）。", rule="PUB-12", fields={"reason": "须说明原因"})
    unknown = set(changes) - set(CORRECTABLE)
    if unknown or not changes:
        raise DomainError("更正内容无效：可更正 " + "、".join(CORRECTABLE) + "。", fields={"changes": "无可更正的内容"})
    publication = _lock(publication)
    if publication.status in (Status.WITHDRAWN, Status.EXPIRED, Status.WITHHELD):
        raise Conflict(f"该公示{publication.get_status_display()}，不能更正（PUB-05）。", rule="PUB-05",
                       code="publication_closed")
    source = _source(publication.latest_version)
    for key, value in changes.items():
        if key == "party":
            value = _clean_party({**source["party"], **value})
            if value["kind"] != publication.party_kind:
                raise DomainError("更正不能改变当事人类型。", fields={"party.kind": "不能改变"})
        elif key == "amount":
            value = _amount(value)
        else:
            value = str(value or "").strip()
        source[key] = value
    if not source["conclusion"] or not source["decision_number"]:
        raise DomainError("执法结论和决定文号不能为空。", fields={"conclusion": "不能为空"})
    version = _new_version(publication=publication, source=source, keep=publication.latest_version.keep,
                           mask=publication.latest_version.mask, actor=actor, reason=reason.strip())
    publication.latest_version = version
    _save(publication, "latest_version")
    event = _event(publication, E.CORRECTION_OPENED, actor=actor, on=_today(), version=version, note=reason.strip())
    _ledger("publication_correction_opened", publication, event, actor=actor, version=version, reason=reason.strip())
    return publication


# --- taking down ---------------------------------------------------------------------------------


@transaction.atomic
def publication_withdraw(*, publication: Publication, reason: str, actor, on: dt.date | None = None,
                         requested_on: dt.date | None = None) -> Publication:
    """PUB-05: a decision changed, revoked, found illegal or void, or ordered redone is withdrawn
    within 3 working days of that event (`requested_on`), with a public explanation; the old
    version may never be published again."""
    on = on or _today()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("撤回须公开说明理由（行政处罚法第四十八条第二款，PUB-05）。", rule="PUB-05",
                          fields={"reason": "须说明理由"})
    publication = _lock(publication)
    if publication.status in (Status.WITHDRAWN, Status.EXPIRED):
        raise Conflict(f"该公示{publication.get_status_display()}。", code="publication_closed")
    due = compute_due(rule_id="PUB-05", start=requested_on or on)
    explanation = redaction.scan_text(reason, find_names=True).text
    publication.status = Status.WITHDRAWN
    publication.status_reason = explanation[:300]
    publication.withdraw_due_on = due.enforced_date
    publication.withdrawn_on = on
    publication.withdraw_late = on > due.enforced_date
    publication.search_text = ""  # gone from search at once
    _save(publication, "status", "status_reason", "withdraw_due_on", "withdrawn_on", "withdraw_late", "search_text")
    event = _event(publication, E.WITHDRAWN, actor=actor, on=on, version=publication.published_version,
                   note=explanation, data={"due_on": due.enforced_date, "requested_on": requested_on or on,
                                           "late": publication.withdraw_late})
    _ledger("publication_withdrawn", publication, event, actor=actor, reason=explanation, due_on=due.enforced_date,
            late=publication.withdraw_late)
    if publication.published_version_id:
        _enqueue(publication, event)  # PUB-05: propagate to every platform it was pushed to
    return publication


def publication_withdraw_for_source(*, source_label: str, source_pk, reason: str, actor,
                                    on: dt.date) -> Publication | None:
    """What a procedure calls when its decision is changed, revoked, confirmed illegal or void, or
    ordered redone on `on` (PUB-05): the live publication of that source is withdrawn now, and its
    due date (3 working days from `on`) recorded. None if nothing was published for it."""
    publication = Publication.objects.filter(source_label=source_label, source_pk=str(source_pk)).exclude(
        status__in=(Status.WITHDRAWN, Status.EXPIRED)).first()
    if publication is None:
        return None
    return publication_withdraw(publication=publication, reason=reason, actor=actor, requested_on=on)


def _end(publication: Publication, *, kind: str, ledger_kind: str, actor, on: dt.date, note: str) -> Publication:
    publication.status = Status.EXPIRED
    publication.status_reason = note[:300]
    publication.ended_on = on
    publication.search_text = ""
    _save(publication, "status", "status_reason", "ended_on", "search_text")
    event = _event(publication, kind, actor=actor, on=on, version=publication.published_version, note=note)
    _ledger(ledger_kind, publication, event, actor=actor, reason=note)
    _enqueue(publication, event)
    return publication


@transaction.atomic
def publication_expire(*, publication: Publication, actor=None, on: dt.date | None = None) -> Publication:
    """CRD-02: publication stops automatically at the maximum period."""
    on = on or _today()
    publication = _lock(publication)
    if publication.status != Status.PUBLISHED:
        raise Conflict("只有公示中的信息才能到期撤下。", code="not_published")
    if publication.expires_on is None or publication.expires_on > on:
        raise Conflict("公示期尚未届满（CRD-02）。", rule="CRD-02", code="not_expired")
    return _end(publication, kind=E.EXPIRED, ledger_kind="publication_expired", actor=actor, on=on,
                note=f"公示期于{publication.expires_on:%Y年%m月%d日}届满，依规撤下（CRD-02）。")


@transaction.atomic
def publication_remove_after_repair(*, publication: Publication, actor, note: str = "",
                                    on: dt.date | None = None) -> Publication:
    """CRD-03: early removal after credit repair — only after the minimum period, and never for the
    penalties PUB-06 excludes."""
    on = on or _today()
    publication = _lock(publication)
    if publication.status != Status.PUBLISHED or publication.severity == Severity.NONE:
        raise Conflict("只有公示中的失信信息可以信用修复后提前撤下。", code="not_repairable", rule="CRD-03")
    if publication.min_until and on < publication.min_until:
        raise DomainError(f"最短公示期至{publication.min_until:%Y年%m月%d日}，此前不能信用修复（CRD-03）。",
                          rule="CRD-03", code="min_period", fields={"on": "未满最短公示期"})
    penalty = publication.published_version.penalty
    barred = NO_EARLY_REMOVAL.search(penalty)
    if barred:
        raise DomainError(f"处罚含“{barred.group()}”，不得提前停止公示（PUB-06）。", rule="PUB-06", code="no_early_removal",
                          fields={"penalty": "不得提前撤下"})
    text = "当事人已完成信用修复，提前停止公示（CRD-03）。" + (f"{note.strip()}" if note.strip() else "")
    return _end(publication, kind=E.REPAIRED, ledger_kind="publication_removed_after_repair", actor=actor, on=on,
                note=text)


def publications_expire_due(*, on: dt.date | None = None) -> int:
    """The periodic job: end every publication whose period has run out."""
    on = on or _today()
    n = 0
    for pk in Publication.objects.filter(status=Status.PUBLISHED, expires_on__lte=on).values_list("pk", flat=True):
        publication_expire(publication=Publication.objects.get(pk=pk), actor=None, on=on)
        n += 1
    return n


def publications_flag_overdue(*, on: dt.date | None = None) -> int:
    """P12: mark drafts past their due date as overdue (the supervisors' list reads the flag)."""
    on = on or _today()
    return Publication.objects.filter(status__in=(Status.DRAFT, Status.REVIEWED), due_on__lt=on,
                                      overdue=False).update(overdue=True)


# --- outbound push -------------------------------------------------------------------------------


def feed_payload(publication: Publication, event: PublicationEvent) -> dict:
    """The message pushed for a feed event: content only while it is public (PUB-05)."""
    data = {"event": event.kind, "event_id": event.pk, "on": event.on.isoformat(), "publication_id": publication.pk,
            "agency": publication.agency.name, "agency_credit_code": publication.agency.credit_code,
            "category": publication.category, "decision_number": publication.decision_number,
            "decided_on": publication.decided_on.isoformat()}
    if event.kind in (E.PUBLISHED, E.CORRECTED) and event.version_id:
        v = event.version
        data.update({"version": v.number, "content_hash": v.content_hash,
                     "content": {k: (str(x) if isinstance(x, Decimal) else x) for k, x in public_content(v).items()}})
    else:
        data["explanation"] = event.note
    return data


def _enqueue(publication: Publication, event: PublicationEvent) -> None:
    if event.kind not in FEED_KINDS:
        return
    endpoints = PushEndpoint.objects.filter(active=True).filter(
        models_q_agency(publication.agency_id))
    payload = None
    for endpoint in endpoints:
        payload = payload or feed_payload(publication, event)
        OutboxMessage.objects.create(endpoint=endpoint, event=event, payload=payload)


def models_q_agency(agency_id: int):
    from django.db.models import Q

    return Q(agency__isnull=True) | Q(agency_id=agency_id)


@transaction.atomic
def push_endpoint_save(*, endpoint: PushEndpoint, actor) -> PushEndpoint:
    """Create or change a push endpoint (the admin calls this). The secret never goes to the ledger."""
    if not endpoint.url.startswith(("http://", "https://")):
        raise DomainError("接收地址须为 http(s) 地址。", fields={"url": "地址无效"})
    if len(endpoint.secret or "") < 16:
        raise DomainError("共享密钥至少16个字符。", fields={"secret": "太短"})
    endpoint.save()
    ledger_append(kind="push_endpoint_saved", actor=actor, subject=endpoint,
                  payload={"name": endpoint.name, "url": endpoint.url, "active": endpoint.active,
                           "agency": endpoint.agency_id})
    return endpoint
