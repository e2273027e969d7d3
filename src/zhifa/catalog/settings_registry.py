"""CONFIG parameters (RULES 0.2) with their national defaults. A value is looked up for an
agency, then its region and the regions above it, then here (DESIGN.md: thresholds that vary by
sector or province are settings with the national default, never literals scattered in code)."""

from __future__ import annotations

from decimal import Decimal

# key: (default, Chinese label, RULES id)
DEFAULTS: dict[str, tuple[object, str, str]] = {
    # PEN-30: SAMR S8 Art. 5 — 较大数额 for natural persons / organisations.
    "hearing_fine_person": (10000, "较大数额罚款（自然人，元）", "PEN-30"),
    "hearing_fine_org": (100000, "较大数额罚款（法人或其他组织，元）", "PEN-30"),
    "hearing_confiscation_person": (10000, "较大数额没收（自然人，元）", "PEN-30"),
    "hearing_confiscation_org": (100000, "较大数额没收（法人或其他组织，元）", "PEN-30"),
    # PEN-23: 行政处罚法 Art. 51.
    "simple_fine_person": (200, "当场处罚罚款上限（公民，元）", "PEN-23"),
    "simple_fine_org": (3000, "当场处罚罚款上限（法人或其他组织，元）", "PEN-23"),
    # PUB-04 / RULES 13 (1): which decisions are published.
    "publication_scope": ("ordinary_except_warning", "处罚决定公开范围", "PUB-04"),
    "publication_days": (7, "处罚决定公开时限（工作日）", "PUB-03"),
    "publication_include_warnings": (False, "仅警告的处罚决定也公开", "PUB-04"),
    "publication_include_simple_individual": (False, "对自然人的简易程序处罚决定也公开", "PUB-04"),
    "publication_name_style": ("surname_mouxx", "自然人姓名公开方式（surname_mouxx 张某某 / surname_mou 张某 / hidden 某某）",
                               "PUB-08"),
    "publication_mask_individual_code": (True, "隐去个体工商户统一社会信用代码", "ID-06"),
    # CRD-02: publication periods of negative credit information by tier (months from the decision).
    "credit_minor_max_months": (3, "轻微失信信息最长公示期（月）", "CRD-02"),
    "credit_general_min_months": (3, "一般失信信息最短公示期（月）", "CRD-02"),
    "credit_general_max_months": (12, "一般失信信息最长公示期（月）", "CRD-02"),
    "credit_serious_min_months": (12, "严重失信信息最短公示期（月）", "CRD-02"),
    "credit_serious_max_months": (36, "严重失信信息最长公示期（月）", "CRD-02"),
    "credit_serious_fine": (1000000, "严重失信信息的罚款数额起点（元）", "CRD-02"),
    # REV-06: no national rule; SAMR S7 Art. 55.
    "legal_review_days": (10, "法制审核时限（工作日）", "REV-06"),
    # L3 (118号 (十二)): an agency may send every decision outside the simple procedure to review.
    "review_all_ordinary": (False, "普通程序作出的决定一律法制审核", "REV-03"),
    # REV-05: reviewers at least 5 % of the agency's officers (in principle).
    "reviewer_ratio_percent": (5, "法制审核人员占执法人员比例下限（%）", "REV-05"),
    # REV-08: agency leaders needed at a collective discussion [I — no quorum in the texts read].
    "collective_quorum": (2, "集体讨论最少参加负责人数", "REV-08"),
    # REV-08 (SAMR S7 Art. 60 para 2): every penalty within the legal-review scope is discussed.
    "collective_for_reviewed_penalties": (False, "法制审核范围内的处罚案件一律集体讨论", "REV-08"),
    # PEN-01: 行政拘留 only for 公安机关 or a body a law empowers.
    "detention_allowed": (False, "可以实施行政拘留（公安机关等）", "PEN-01"),
    # PEN-03 (Art. 24): a 乡镇/街道 body that received penalty powers by provincial decision.
    "township_penalty_powers": (False, "乡镇人民政府、街道办事处依法承接行政处罚权", "PEN-03"),
    # PEN-16: 执法人员不得少于两人，法律另有规定的除外 — lower only where a law allows one officer.
    "min_officers": (2, "执法人员最少人数", "PEN-16"),
    # PEN-25: on-the-spot collection without a hard-to-enforce reason (行政处罚法 Art. 68 (1)).
    "on_spot_collect_max": (100, "当场收缴罚款上限（元）", "PEN-25"),
    # PEN-34: days before the 90-day decision limit at which officers are warned.
    "decision_warn_days": (15, "处罚决定期限提前提醒（日）", "PEN-34"),
    # Deadline alerts (issue 5 item 8): steps due within this many working days are flagged.
    "deadline_alert_working_days": (3, "期限临近提醒（工作日）", "TIME-01"),
    # PEN-15 (行政处罚法 Art. 41 para. 3: 及时告知当事人): no national number of days; 5 working days after
    # the conforming review of a monitoring-device record (core.deadlines PERIOD_RULES "PEN-15").
    "device_notice_working_days": (5, "电子技术监控记录告知期限（审核后工作日）", "PEN-15"),
    # PEN-15: the public query page locks a query code after this many wrong identity numbers in a row.
    "device_notice_wrong_tries": (5, "电子技术监控记录查询码连续输错锁定次数", "PEN-15"),
    # REC-04: archive retention (years).
    "av_retention_years": (30, "音像记录保存期限（年）", "REC-04"),
}


def coerce(key: str, value):
    default = DEFAULTS[key][0]
    if isinstance(default, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "是")
        return bool(value)
    if isinstance(default, int):
        return int(Decimal(str(value)))
    return str(value)
