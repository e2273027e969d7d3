"""Reads of the registers: the eligibility question every later issue asks (RULES PEN-16), the
public officer register (REQUIREMENTS P2) and certificate verification (A2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from zhifa.core.sql import columns, placeholders

from .models import Agency, Certificate, EnforcementCategory, Officer, Region

S = Certificate.Status


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reason: str  # Chinese, empty when ok
    certificate: Certificate | None
    code: str = "ok"  # stable: ok, officer_inactive, no_certificate, category_not_covered, region_not_covered,
    # not_yet_valid, expired, suspended, revoked

    def __bool__(self) -> bool:
        return self.ok


def region_chain(region: Region | None) -> list[Region]:
    """The region and its ancestors, nearest first, so a certificate for a city covers its
    districts. Walks `parent`: ancestors loaded with the region (select_related) cost no query."""
    chain, seen = [], set()
    while region is not None and region.pk not in seen:
        chain.append(region)
        seen.add(region.pk)
        region = region.parent
    return chain


def region_chain_codes(region_code: str) -> list[str]:
    region = Region.objects.filter(code=region_code).select_related("parent__parent__parent").first()
    return [r.code for r in region_chain(region)]


def officer_may_act(*, officer: Officer, category_code: str, region_code: str, on_date: dt.date,
                    kind: str = Certificate.Kind.ENFORCEMENT) -> Eligibility:
    """May this officer act in category C in region R on date D? (RULES PEN-16: 行政处罚应当由具有行政执法
    资格的执法人员实施; also PEN-27, INS-01.)

    Scope first (which certificates cover C and R), then the best covering certificate's state on D.
    The expiry is judged by date; 暂扣 and 注销 by the status the certificate had at the end of D
    (from its history), so an act done before a suspension stays lawful afterwards.
    """
    region = Region.objects.filter(code=region_code).select_related("parent__parent__parent").first()
    return officers_may_act(officers=[officer], category_code=category_code, region=region, on_date=on_date,
                            kind=kind, region_code=region_code)[officer.pk]


def officers_may_act(*, officers, category_code: str, region: Region | None, on_date: dt.date,
                     kind: str = Certificate.Kind.ENFORCEMENT,
                     region_code: str = "", fresh: bool = False) -> dict[int, Eligibility]:
    """`officer_may_act` for a team at once (PEN-16 checks every officer of a step), by officer id:
    two queries however many officers there are (plus the history of a certificate judged on a
    past date). `region` is the case's region; its ancestors are walked through `parent`.
    fresh: the caller has just read `officers` from the database (PEN-16's guard loads the case
    team itself, under the case lock when moving a case), so their `active` flags are current and
    are not read a second time."""
    chain = region_chain(region)
    if fresh:
        active = {o.pk: o.active for o in officers}
    else:
        # Re-read the officers: callers often hold instances from before a deactivation.
        active = dict(Officer.objects.filter(pk__in=[o.pk for o in officers]).order_by()
                      .values_list("pk", "active"))
    by_holder: dict[int, list[Certificate]] = {}
    for cert in _certificates_covering(holder_ids=[pk for pk, on in active.items() if on], kind=kind,
                                       category_code=category_code, region_ids=[r.pk for r in chain]):
        by_holder.setdefault(cert.holder_id, []).append(cert)
    out = {}
    for officer in officers:
        if not active.get(officer.pk):
            out[officer.pk] = Eligibility(False, f"{officer.name}已不在执法岗位，不得从事执法活动（PEN-16）。", None,
                                          "officer_inactive")
            continue
        out[officer.pk] = _eligibility(officer, by_holder.get(officer.pk, []), category_code,
                                       chain[0].name if chain else region_code, on_date, kind)
    return out


def _certificates_covering(*, holder_ids: list[int], kind: str, category_code: str,
                           region_ids: list[int]) -> list[Certificate]:
    """The holders' certificates of `kind`, latest expiry first, each with `covers_category` (it
    lists the category) and `covers_region` (it lists one of the regions). Plain SQL through
    `Certificate.objects.raw`: PEN-16 asks this on nearly every step of a case, and compiling the
    same query with the ORM cost six times the database's answer."""
    if not holder_ids:
        return []
    qn = connection.ops.quote_name
    cats, regs = Certificate.categories.through._meta, Certificate.regions.through._meta
    category_table = EnforcementCategory._meta.db_table
    in_region = "FALSE"
    if region_ids:
        in_region = (f"EXISTS (SELECT 1 FROM {qn(regs.db_table)} r"
                     f" WHERE r.{qn(regs.get_field('certificate').column)} = c.id"
                     f" AND r.{qn(regs.get_field('region').column)} IN ({placeholders(region_ids)}))")
    sql = (f"SELECT {columns(Certificate, 'c')},"
           f" EXISTS (SELECT 1 FROM {qn(cats.db_table)} cc JOIN {qn(category_table)} e"
           f" ON e.id = cc.{qn(cats.get_field('enforcementcategory').column)}"
           f" WHERE cc.{qn(cats.get_field('certificate').column)} = c.id AND e.code = %s) AS covers_category,"
           f" {in_region} AS covers_region"
           f" FROM {qn(Certificate._meta.db_table)} c"
           f" WHERE c.holder_id IN ({placeholders(holder_ids)}) AND c.kind = %s"
           " ORDER BY c.expires_on DESC, c.id DESC")
    return list(Certificate.objects.raw(sql, [category_code, *region_ids, *holder_ids, kind]))


def _eligibility(officer: Officer, certs: list[Certificate], category_code: str, region_name: str,
                 on_date: dt.date, kind: str) -> Eligibility:
    """One officer's answer from their certificates of `kind`, latest expiry first, each annotated
    with whether it covers the category and the region."""
    kind_label = Certificate.Kind(kind).label
    if not certs:
        return Eligibility(False, f"{officer.name}未持有{kind_label}，不得从事执法活动（PEN-16）。", None,
                           "no_certificate")
    if kind == Certificate.Kind.ENFORCEMENT:
        covering = [c for c in certs if c.covers_category]
        if not covering:
            name = EnforcementCategory.objects.filter(code=category_code).values_list("name", flat=True).first()
            return Eligibility(False, f"{officer.name}的{kind_label}未载明“{name or category_code}”执法类别（PEN-16）。",
                               certs[0], "category_not_covered")
    else:
        covering = certs
    in_region = [c for c in covering if c.covers_region]
    if not in_region:
        return Eligibility(False, f"{officer.name}的{kind_label}执法区域不包括{region_name}（PEN-16）。",
                           covering[0], "region_not_covered")
    refusals = []
    for cert in in_region:  # latest expiry first
        status = status_on(cert, on_date)
        if status == S.REVOKED:
            refusals.append(Eligibility(False, f"{kind_label}（{cert.number}）已注销，不得从事执法活动（PEN-16）。",
                                        cert, "revoked"))
        elif status == S.SUSPENDED:
            refusals.append(Eligibility(False, f"{kind_label}（{cert.number}）已被暂扣，暂扣期间不得从事执法活动"
                                               "（PEN-16）。", cert, "suspended"))
        elif on_date < cert.issued_on:
            refusals.append(Eligibility(False, f"{kind_label}（{cert.number}）于{cert.issued_on:%Y年%m月%d日}"
                                               "发证，该日期尚未生效（PEN-16）。", cert, "not_yet_valid"))
        elif on_date > cert.expires_on:
            refusals.append(Eligibility(False, f"{kind_label}（{cert.number}）有效期至{cert.expires_on:%Y年%m月%d日}，"
                                               f"在{on_date:%Y年%m月%d日}已过期（PEN-16）。", cert, "expired"))
        else:
            return Eligibility(True, "", cert, "ok")
    return refusals[0]


def status_on(cert: Certificate, day: dt.date) -> str:
    """The certificate's status at the end of `day` (Asia/Shanghai). Today and later: the present
    status. Before the register knew the certificate: its present status too (nothing better)."""
    if day >= timezone.localdate():
        return cert.status
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    snapshot = cert.history.filter(history_date__lt=end).order_by("-history_date", "-history_id").first()
    return snapshot.status if snapshot is not None else cert.status


# --- public register (P2) and verification ----------------------------------------------------


def valid_on(cert: Certificate, day: dt.date) -> bool:
    return cert.status == S.VALID and cert.issued_on <= day <= cert.expires_on


def status_label(cert: Certificate, day: dt.date) -> str:
    """What the public sees: a valid-status certificate past its date reads 过期 even before the
    nightly job has marked it."""
    if cert.status == S.VALID and day > cert.expires_on:
        return S.EXPIRED.label
    return cert.get_status_display()


def _public_certificates(*, on_duty_only: bool = True):
    qs = Certificate.objects.filter(holder__active=True) if on_duty_only else Certificate.objects.all()
    return (qs.select_related("holder", "holder__agency", "holder__post")
            .prefetch_related(Prefetch("categories", queryset=EnforcementCategory.objects.order_by("code")),
                              Prefetch("regions", queryset=Region.objects.order_by("code"))))


def certificate_public(cert: Certificate, *, today: dt.date | None = None) -> dict:
    """The public view of a certificate: exactly the fields of GET /api/v1/public/certificates/{number}."""
    today = today or timezone.localdate()
    return {
        "number": cert.number,
        "holder": cert.holder.name,
        "agency": cert.holder.agency.name,
        "categories": [c.name for c in cert.categories.all()],
        "regions": [r.name for r in cert.regions.all()],
        "expires": cert.expires_on.isoformat(),
        "status": status_label(cert, today),
        "valid_today": valid_on(cert, today),
    }


def officer_register_search(*, q: str = "", agency_id: int | None = None, today: dt.date | None = None,
                            limit: int = 200) -> list[dict]:
    """行政执法人员清单 (P2): one row per certificate of an officer on duty, searchable by name,
    certificate number and agency. Never includes the resident ID number."""
    today = today or timezone.localdate()
    qs = _public_certificates()
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(holder__name__icontains=q) | Q(number__icontains=q) | Q(holder__agency__name__icontains=q)
                       | Q(holder__agency__short_name__icontains=q))
    if agency_id:
        qs = qs.filter(holder__agency_id=agency_id)
    rows = []
    for cert in qs.order_by("holder__agency__name", "holder__name", "number")[:limit]:
        rows.append({
            "name": cert.holder.name,
            "agency": cert.holder.agency.name,
            "post": cert.holder.post.name if cert.holder.post_id else "",
            "kind": cert.get_kind_display(),
            "certificate_number": cert.number,
            "categories": [c.name for c in cert.categories.all()],
            "regions": [r.name for r in cert.regions.all()],
            "expires": cert.expires_on.isoformat(),
            "status": status_label(cert, today),
            "valid_today": valid_on(cert, today),
            "verification_token": cert.verification_token,
        })
    return rows


def certificate_by_number(number: str) -> Certificate | None:
    return _public_certificates(on_duty_only=False).filter(number=(number or "").strip().upper()).first()


def certificate_by_token(token: str) -> Certificate | None:
    if not token:
        return None
    return _public_certificates(on_duty_only=False).filter(verification_token=token).first()


def certificates_expiring(*, within_days: int, today: dt.date | None = None):
    """Valid certificates whose expiry falls in the next `within_days` days (dynamic supervision, A2)."""
    today = today or timezone.localdate()
    return (Certificate.objects.filter(status=S.VALID, expires_on__gte=today,
                                       expires_on__lte=today + dt.timedelta(days=within_days))
            .select_related("holder", "holder__agency").order_by("expires_on"))


def agency_directory(*, q: str = "") -> list[dict]:
    """执法主体目录 (P1): the bodies that may enforce, with duties, contacts, supervision channels
    and remedies; an entrusted body shows its entrusting agency, scope and term (PEN-04)."""
    qs = (Agency.objects.filter(active=True).select_related("region", "entrusting_agency", "supervising_bureau")
          .annotate(officer_count=Count("officers", filter=Q(officers__active=True))))
    if q := (q or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(duties__icontains=q))
    rows = []
    for a in qs.order_by("region__code", "is_justice_bureau", "name"):
        rows.append({
            "id": a.pk, "name": a.name, "credit_code": a.credit_code, "kind": a.get_kind_display(),
            "region": a.region.name, "is_justice_bureau": a.is_justice_bureau,
            "supervising_bureau": a.supervising_bureau.name if a.supervising_bureau_id else "",
            "duties": a.duties, "address": a.address, "phone": a.phone, "website": a.website,
            "supervision_channel": a.supervision_channel, "remedies": a.remedies,
            "officer_count": a.officer_count,
            "entrusting_agency": a.entrusting_agency.name if a.entrusting_agency_id else "",
            "entrustment_scope": a.entrustment_scope, "entrustment_document": a.entrustment_document,
            "entrustment_start": a.entrustment_start, "entrustment_end": a.entrustment_end,
        })
    return rows
