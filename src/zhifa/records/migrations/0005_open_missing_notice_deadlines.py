"""PEN-15 (行政处罚法 Art. 41 para. 3): open the notice deadline of every monitoring-device record that
was reviewed as conforming before the deadline existed (0004) and has not been told to the party, so
the deadline alerts reach someone.

What `services.evidence_device_review` does on a conforming review, for the records that missed it:
the period runs from the conforming review that began the current run of conforming reviews (a
non-conforming review closes the period, the next conforming one opens a new one), for
`device_notice_working_days` working days (the agency's, its region's or the national value), computed
by `core.deadlines.compute_due`. Skipped: records whose latest review does not conform, withdrawn or
already told, of an archived case (no notice can be recorded there any more), and any record that
already has an open notice deadline — so running it again adds nothing. Every row read or written
is a historical model; `compute_due` is the one outside call: it reads the working-day calendar
through core's own models, whose tables core 0003 (a dependency) has made and seeded."""

from decimal import Decimal

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

SETTING = "device_notice_working_days"


def _working_days(apps, agency, cache: dict) -> int:
    """catalog.services.setting_value(SETTING, agency=...) on historical models: the agency's own
    value, else the nearest region's going up, else the national default."""
    if agency.pk not in cache:
        from zhifa.catalog import settings_registry

        CatalogSetting = apps.get_model("catalog", "CatalogSetting")
        Region = apps.get_model("org", "Region")
        chain, region_id = [], agency.region_id  # nearest first
        while region_id is not None and region_id not in chain:
            chain.append(region_id)
            region_id = Region.objects.filter(pk=region_id).values_list("parent_id", flat=True).first()
        rows = (CatalogSetting.objects.filter(key=SETTING)
                .filter(Q(agency_id=agency.pk) | Q(agency=None, region_id__in=chain))
                .values_list("agency_id", "region_id", "value"))
        by_scope = {(None if a else r): v for a, r, v in rows}  # None: the agency's own
        value = next((by_scope[s] for s in [None, *chain] if s in by_scope),
                     settings_registry.DEFAULTS.get(SETTING, (5,))[0])
        cache[agency.pk] = int(Decimal(str(value)))
    return cache[agency.pk]


def open_missing_notice_deadlines(apps, schema_editor=None) -> int:
    """Open the missing PEN-15 notice deadlines; returns how many were opened."""
    from zhifa.core.deadlines import PERIOD_RULES, compute_due

    Evidence = apps.get_model("records", "Evidence")
    DeviceRecordReview = apps.get_model("records", "DeviceRecordReview")
    DeviceRecordNotice = apps.get_model("records", "DeviceRecordNotice")
    EvidenceWithdrawal = apps.get_model("records", "EvidenceWithdrawal")
    ArchivePackage = apps.get_model("records", "ArchivePackage")
    CaseDeadline = apps.get_model("cases", "CaseDeadline")

    rule = PERIOD_RULES["PEN-15"]
    reviewed = DeviceRecordReview.objects.values_list("evidence_id", flat=True).distinct()
    candidates = (Evidence.objects.filter(pk__in=reviewed)
                  .exclude(pk__in=DeviceRecordNotice.objects.values("evidence_id"))
                  .exclude(pk__in=EvidenceWithdrawal.objects.values("evidence_id"))
                  .exclude(case_id__in=ArchivePackage.objects.values("case_id"))
                  .select_related("case", "case__agency").order_by("pk"))
    days_by_agency: dict = {}
    opened = 0
    for evidence in candidates.iterator(chunk_size=500):
        start = None  # the first conforming review since the last non-conforming one
        for conforms, at in DeviceRecordReview.objects.filter(evidence=evidence).order_by("id").values_list(
                "conforms", "at"):
            start = None if not conforms else (start or timezone.localdate(at))
        if start is None:
            continue
        key = f"PEN-15:e{evidence.number}"  # services.notice_deadline_key
        if CaseDeadline.objects.filter(case_id=evidence.case_id, key=key, closed_at__isnull=True).exists():
            continue
        days = _working_days(apps, evidence.case.agency, days_by_agency)
        due = compute_due(rule_id="PEN-15", start=start, length=days)
        why = f"审核符合要求之日（{start:%Y年%m月%d日}）起 {days} 个工作日内告知当事人"
        CaseDeadline.objects.create(
            case_id=evidence.case_id, key=key, rule_id=due.rule_id, label=f"{rule.label}（证据{evidence.number}）",
            bearer=rule.bearer, start=start, due_on=due.enforced_date, act_by=due.act_by,
            provisional=due.provisional, basis=due.legal_basis,
            explanation="；".join(x for x in (why, due.reason, "系统升级时补开：该记录的审核早于告知期限功能") if x))
        opened += 1
    return opened


def forwards(apps, schema_editor):
    open_missing_notice_deadlines(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("records", "0004_device_notices"),
        ("cases", "0004_party_identifiers"),
        ("catalog", "0003_av_procedure_acts"),
        ("core", "0003_seed_work_calendar"),
        ("org", "0003_auth_events_append_only"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
