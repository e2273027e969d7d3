"""Forms of the officer case pages.

The register form is a Django form whose values go to `cases.services.case_register`; the step
forms are not Django forms at all: they are drawn from each transition's declared inputs
(`cases.inputs.Field`), and the engine cleans them (`clean_input`), so a new procedure gets its
forms without code here."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from zhifa.cases.engine import procedures
from zhifa.cases.inputs import Field
from zhifa.cases.models import Case, Party
from zhifa.catalog.models import Matter
from zhifa.catalog.selectors import PUBLISHED
from zhifa.org.models import Officer
from zhifa.records import selectors as records_selectors
from zhifa.records.models import DeviceRecordNotice

# The procedures an officer may register a penalty case under, in the order shown.
REGISTER_PROCEDURES = (("penalty_general", "普通程序"), ("penalty_simple", "简易程序（当场处罚）"))
PARTY_KEYS = ("kind", "name", "id_number", "credit_code", "legal_representative", "address", "phone")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kw):
        super().__init__(format="%Y-%m-%d", **kw)


class BootstrapForm(forms.Form):
    """Adds Bootstrap's classes to the text-like widgets (the templates draw the rest)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        for f in self.fields.values():
            if isinstance(f.widget, (forms.TextInput, forms.Textarea, forms.DateInput, forms.NumberInput)):
                f.widget.attrs.setdefault("class", "form-control")


class CaseRegisterForm(BootstrapForm):
    procedure = forms.ChoiceField(label="适用程序", choices=REGISTER_PROCEDURES, widget=forms.RadioSelect,
                                  initial="penalty_general")
    matter = forms.ModelChoiceField(label="执法事项", queryset=Matter.objects.none(),
                                    help_text="本机关已公布的行政处罚事项（权责清单）")
    title = forms.CharField(label="案由", max_length=200)
    source = forms.ChoiceField(label="案件来源", choices=Case.Source.choices)
    source_detail = forms.CharField(label="来源说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    facts = forms.CharField(label="违法事实", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.CharField(label="违法地点", max_length=200, required=False)
    occurred_on = forms.DateField(label="违法行为发生日期", required=False, widget=DateInput())
    discovered_on = forms.DateField(label="发现（受理线索）日期", widget=DateInput())
    life_health_or_finance_harm = forms.BooleanField(
        label="涉及生命健康安全、金融安全且有危害后果", required=False,
        help_text="追责时效延长至五年（规则 PEN-11），仅普通程序")
    party_kind = forms.ChoiceField(label="当事人类型", choices=Party.Kind.choices, widget=forms.RadioSelect,
                                   initial=Party.Kind.ORGANISATION)
    party_name = forms.CharField(label="姓名或名称", max_length=200)
    party_id_number = forms.CharField(label="公民身份号码", max_length=18, required=False,
                                      help_text="自然人必填；个体工商户经营者可填（规则 ID-02）")
    party_credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False,
                                        help_text="法人或其他组织必填（规则 ID-03）")
    party_legal_representative = forms.CharField(label="法定代表人（负责人）", max_length=50, required=False)
    party_address = forms.CharField(label="住所（地址）", max_length=200, required=False)
    party_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    co_officers = forms.ModelMultipleChoiceField(label="协办人员", queryset=Officer.objects.none(), required=False,
                                                 widget=forms.CheckboxSelectMultiple,
                                                 help_text="所选人员视为已声明无应当回避的情形（规则 PEN-17）")
    conflicts_declared = forms.BooleanField(
        label="本人及所选协办人员均已声明与本案无利害关系、无应当回避的情形（规则 PEN-17）", required=True)

    def __init__(self, *args, agency, lead_officer, **kw):
        super().__init__(*args, **kw)
        self.fields["matter"].queryset = (Matter.objects.filter(agency=agency, status=PUBLISHED, kind="penalty")
                                          .order_by("code"))
        self.fields["matter"].label_from_instance = lambda m: f"{m.code} {m.name}"
        self.fields["co_officers"].queryset = (Officer.objects.filter(agency=agency, active=True)
                                               .exclude(pk=lead_officer.pk).order_by("name"))
        self.fields["co_officers"].label_from_instance = lambda o: o.name
        if not self.is_bound:
            self.initial.setdefault("discovered_on", timezone.localdate())

    def clean_discovered_on(self):
        value = self.cleaned_data["discovered_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError("发现日期不能晚于今天。")
        return value

    def party(self) -> dict:
        return {k: self.cleaned_data.get(f"party_{k}") or "" for k in PARTY_KEYS}

    def case_fields(self) -> dict:
        d = self.cleaned_data
        return {"title": d["title"], "source": d["source"], "source_detail": d["source_detail"], "facts": d["facts"],
                "place": d["place"], "occurred_on": d["occurred_on"], "matter": d["matter"]}

    def add_domain_errors(self, fields: dict[str, str]) -> None:
        """Put a service's per-field refusals next to the fields (party keys carry a prefix)."""
        for key, message in fields.items():
            name = f"party_{key}" if key in PARTY_KEYS else key
            if name not in self.fields:
                name = None
            self.add_error(name, message)


class PartyAddForm(BootstrapForm):
    kind = forms.ChoiceField(label="当事人类型", choices=Party.Kind.choices)
    name = forms.CharField(label="姓名或名称", max_length=200)
    id_number = forms.CharField(label="公民身份号码", max_length=18, required=False)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    legal_representative = forms.CharField(label="法定代表人（负责人）", max_length=50, required=False)
    address = forms.CharField(label="住所（地址）", max_length=200, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)


class OfficerAddForm(BootstrapForm):
    officer = forms.ModelChoiceField(label="执法人员", queryset=Officer.objects.none())
    no_conflict_declared = forms.BooleanField(label="该人员已声明与本案无利害关系、无应当回避的情形（规则 PEN-17）",
                                              required=True)

    def __init__(self, *args, case, **kw):
        super().__init__(*args, **kw)
        self.fields["officer"].queryset = (Officer.objects.filter(agency=case.agency_id, active=True)
                                           .exclude(case_roles__case=case).order_by("name"))
        self.fields["officer"].label_from_instance = lambda o: o.name


class DeviceNoticeForm(BootstrapForm):
    """告知 of a monitoring-device record to the party (PEN-15); `records.services.device_record_notify`
    does the checking, this form only offers the choices the case has."""

    evidence = forms.ChoiceField(label="监控记录")
    party = forms.ChoiceField(label="告知对象（当事人）")
    method = forms.ChoiceField(label="告知方式", choices=DeviceRecordNotice.Method.choices)
    method_detail = forms.CharField(label="送达地址或号码", max_length=200, required=False,
                                    help_text="手机号码、邮寄地址或送达地点；方式为“其他”时必填")
    notified_on = forms.DateField(label="告知日期", widget=DateInput())
    officer = forms.ChoiceField(label="告知人")
    note = forms.CharField(label="补充说明（附在告知内容之后）", required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case, records, officers, **kw):
        super().__init__(*args, **kw)
        # Records not yet told first; a told one may be told again (a new query code, e.g. after a lock).
        offer = sorted((r for r in records if r["may_notify"]), key=lambda r: (bool(r["notices"]), r["e"].number))
        self.fields["evidence"].choices = [
            (str(r["e"].number), f"证据{r['e'].number} {r['e'].title}" + ("（已告知，再次告知将发给新的查询码）"
                                                                         if r["notices"] else ""))
            for r in offer]
        self.fields["party"].choices = [(str(p.pk), p.name) for p in case.parties.order_by("pk")]
        self.fields["officer"].choices = officers
        if not self.is_bound:
            self.initial.setdefault("notified_on", timezone.localdate())


# --- step forms from the declared inputs ------------------------------------------------------------


def step_raw(fields: tuple[Field, ...], post) -> dict:
    """The raw values of a step's declared fields from a POST (lists for multi-value fields);
    `clean_input` in the engine does the checking."""
    raw = {}
    for f in fields:
        if f.type in ("multichoice", "officers", "evidence"):
            raw[f.name] = post.getlist(f.name)
        elif f.type == "bool":
            raw[f.name] = f.name in post and post.get(f.name) not in ("", "0", "false")
        else:
            raw[f.name] = post.get(f.name, "")
    return raw


def step_widgets(fields: tuple[Field, ...], *, case, values: dict | None = None,
                 errors: dict | None = None, team: list[tuple[str, str]] | None = None) -> list[dict]:
    """What the template needs to draw each declared field: its input type, choices, the value
    entered and any error named by the engine. `team`: the (id, name) choices of an officers field,
    when the caller has the case team already (read here otherwise)."""
    values, errors = values or {}, errors or {}
    out = []
    for f in fields:
        choices = list(f.choices)
        if f.type == "officers":
            if team is None:
                team = [(str(link.officer_id), link.officer.name) for link in
                        case.case_officers.filter(recused=False).select_related("officer").order_by("-role", "pk")]
            choices = team
        elif f.type == "evidence":
            choices = evidence_choices(case)
        value = values.get(f.name)
        if value is None and f.type == "date" and f.required:
            value = timezone.localdate().isoformat()
        if f.type in ("multichoice", "officers", "evidence"):
            value = [str(v) for v in (value or [])]
        out.append({"field": f, "name": f.name, "label": f.label, "type": f.type, "required": f.required,
                    "help": f.help, "choices": choices, "value": value, "error": errors.get(f.name, "")})
    return out


def evidence_choices(case) -> list[tuple[str, str]]:
    """The case's evidence items not withdrawn, for an `evidence` input (PEN-21), each marked when
    it may not be relied on as it stands (unlawfully obtained; a monitoring record not reviewed, not
    conforming or not yet told to the party, PEN-15). The engine's guards refuse them with the rule."""
    out = []
    for e in records_selectors.case_evidence(case):
        if records_selectors.withdrawn(e):
            continue
        label = f"{e.number} {e.title}"
        if not e.lawful_acquisition:
            label += "（非法取得）"
        state = records_selectors.device_review_state(e)
        if state and state != "conforms":
            label += f"（{records_selectors.DEVICE_REVIEW_LABELS[state]}）"
        elif state and not e.notices.all():
            label += "（监控记录尚未告知当事人）"
        out.append((str(e.number), label))
    return out


def registrable_procedures() -> list[tuple[str, str]]:
    known = procedures()
    return [(name, label) for name, label in REGISTER_PROCEDURES if name in known]
