"""Officer pages for cases (issue 5 item 6): my cases, registering a case, the case page with the
step forms drawn from each transition's declared inputs.

Views read through `zhifa.cases.selectors` and write through `cases.services` and
`cases.engine.case_transition` only. A case outside the user's agencies answers 404.
Step forms post with htmx: a refusal comes back as the same form with the rule id and the reason
(409/400, swapped in place); a warning asks for a reason (`warn_reason`); a success redraws the
page's main part."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from zhifa.cases import selectors
from zhifa.cases.engine import TransitionRefused, case_transition, get_procedure
from zhifa.cases.models import Case
from zhifa.cases.services import case_officer_add, case_register, party_add
from zhifa.core.errors import DomainError

from zhifa.records import selectors as records_selectors
from zhifa.records.models import Evidence
from zhifa.records.services import device_record_notify

from .cases_forms import CaseRegisterForm, DeviceNoticeForm, OfficerAddForm, PartyAddForm, step_raw, step_widgets


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _case_or_404(request, case_id: int) -> Case:
    case = (selectors.visible_cases(request.user)
            .select_related("agency__region__parent__parent", "matter__category", "lead_officer", "created_by")
            .filter(pk=case_id).first())
    if case is None:
        raise Http404("未找到该案件，或者您无权查看。")
    return case


def _acting_or_404(request, case_id: int) -> Case:
    case = _case_or_404(request, case_id)
    if not selectors.may_act(request.user, case):
        raise Http404("您无权办理该案件。")
    return case


# --- my cases ----------------------------------------------------------------------------------------


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


@login_required
def case_list(request):
    user = request.user
    state = request.GET.get("state", "")[:32]
    q = request.GET.get("q", "").strip()[:50]
    own_only = selectors.sees_only_own_cases(user)
    mine = True if own_only else request.GET.get("mine") == "1"
    qs = selectors.cases_for_user(user, state=state or None, q=q or None, mine=mine)
    page = selectors.case_list_page(qs, before=_int(request.GET.get("before")))
    states = {}
    for name in ("penalty_general", "penalty_simple"):
        try:
            for key, label in get_procedure(name).states.items():
                states.setdefault(key, label)
        except DomainError:
            continue
    return render(request, "web/cases/list.html", {
        "page": page, "state": state, "q": q, "mine": mine, "own_only": own_only, "states": states.items(),
        "can_register": bool(user.officer_id),
    })


# --- registering ---------------------------------------------------------------------------------------


@login_required
def case_new(request):
    officer = request.user.officer
    if officer is None:
        messages.error(request, "您的账户未关联执法人员，不能登记案件。请联系系统管理员。")
        return redirect("web:cases")
    agency = officer.agency
    form = CaseRegisterForm(request.POST or None, agency=agency, lead_officer=officer)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            data = {"life_health_or_finance_harm": d["life_health_or_finance_harm"]} \
                if d["procedure"] == "penalty_general" else {}
            try:
                case = case_register(
                    procedure=d["procedure"], agency=agency, lead_officer=officer, actor=request.user,
                    discovered_on=d["discovered_on"], parties=[form.party()], co_officers=list(d["co_officers"]),
                    data=data, **form.case_fields())
            except DomainError as exc:
                form.add_domain_errors(exc.fields)
                if not exc.fields:
                    form.add_error(None, exc.message)
                form.domain_error = exc
                status = exc.status
            else:
                messages.success(request, f"案件已登记：{case.title}。")
                return redirect("web:case", case_id=case.pk)
        else:
            status = 400
    return render(request, "web/cases/new.html", {"form": form, "agency": agency, "officer": officer},
                  status=status)


# --- the case page -------------------------------------------------------------------------------------


def _url(name: str, case: Case, fallback: str) -> str:
    """The page another app serves for this case, by its URL name; the agreed path until it lands."""
    try:
        return reverse(name, kwargs={"case_id": case.pk})
    except NoReverseMatch:
        return fallback


def _links(case: Case) -> list[tuple[str, str, str]]:
    return [
        ("执法文书", _url("documents:case", case, f"/documents/cases/{case.pk}/"), "bi-file-earmark-text"),
        ("证据与音像记录", _url("records:case_evidence", case, f"/records/cases/{case.pk}/evidence/"),
         "bi-camera-video"),
        ("法制审核", _url("review:case", case, f"/review/cases/{case.pk}/"), "bi-clipboard-check"),
    ]


def _page_context(request, case: Case, *, step_state: dict | None = None) -> dict:
    """`step_state`: {action: {"values", "errors", "refusal", "warnings"}} for a form being redrawn."""
    can_act = selectors.may_act(request.user, case)
    detail = selectors.case_detail(case, actor=request.user, with_steps=can_act)
    step_state = step_state or {}
    steps = []
    team = [(str(link.officer_id), link.officer.name) for link in detail.officers if not link.recused]
    for step in detail.steps:
        state = step_state.get(step.transition.action, {})
        steps.append({
            "step": step, "t": step.transition,
            "widgets": step_widgets(step.fields, case=case, values=state.get("values"),
                                    errors=state.get("errors"), team=team),
            "refusal": state.get("refusal"), "warnings": state.get("warnings") or [],
            "warn_reason": state.get("warn_reason", ""),
        })
    device_records = records_selectors.case_device_records(case)
    notice_form = None
    if can_act and any(r["may_notify"] for r in device_records):
        notice_form = DeviceNoticeForm(case=case, records=device_records, officers=team)
    return {"case": case, "d": detail, "steps": steps, "can_act": can_act, "links": _links(case),
            "has_secondary": any(s["step"].secondary for s in steps) and not all(s["step"].secondary for s in steps),
            "party_form": PartyAddForm(), "officer_form": OfficerAddForm(case=case) if can_act else None,
            "device_records": device_records, "notice_form": notice_form}


@login_required
def case_page(request, case_id: int):
    case = _case_or_404(request, case_id)
    return render(request, "web/cases/detail.html", _page_context(request, case))


def _done(request, case: Case, flash: str) -> HttpResponse:
    """After a successful write: with htmx, redraw the page's main part in place; otherwise
    redirect to the case page (post/redirect/get)."""
    if not _is_htmx(request):
        messages.success(request, flash)
        return redirect("web:case", case_id=case.pk)
    case.refresh_from_db()
    context = {**_page_context(request, case), "flash": flash}
    response = render(request, "web/cases/_main.html", context)
    response["HX-Retarget"] = "#case-main"
    response["HX-Reswap"] = "outerHTML"
    return response


@require_POST
@login_required
def case_step(request, case_id: int, action: str):
    """One step of the procedure, from its generated form. Refusals write nothing (the engine
    runs in one transaction) and come back with the rule id and reason next to the form."""
    case = _acting_or_404(request, case_id)
    procedure = get_procedure(case.procedure)
    try:
        t = procedure.transition(action)
    except DomainError:
        raise Http404("没有这一办理环节。") from None
    raw = step_raw(t.inputs, request.POST)
    warn_reason = request.POST.get("warn_reason", "").strip()
    try:
        entry = case_transition(case=case, action=action, actor=request.user, data=raw, warn_reason=warn_reason)
    except DomainError as exc:
        refusal = exc.as_dict()
        warnings = getattr(exc, "blockers", []) if exc.code == "reason_required" else []
        if isinstance(exc, TransitionRefused) and exc.code == "reason_required":
            refusal["message"] = "以下事项需要说明理由后才能继续办理。"
        state = {action: {"values": raw, "errors": {k: v for k, v in exc.fields.items() if k != "warn_reason"},
                          "refusal": refusal, "warnings": warnings, "warn_reason": warn_reason}}
        context = _page_context(request, case, step_state=state)
        item = next((s for s in context["steps"] if s["t"].action == action), None)
        if item is None:  # the case moved on meanwhile (another tab, a colleague): redraw the page
            context["flash_error"] = refusal["message"]
            if _is_htmx(request):
                response = render(request, "web/cases/_main.html", context, status=exc.status)
                response["HX-Retarget"] = "#case-main"
                response["HX-Reswap"] = "outerHTML"
                return response
            return render(request, "web/cases/detail.html", context, status=exc.status)
        if _is_htmx(request):
            return render(request, "web/cases/_step.html", {**context, "s": item, "open": True}, status=exc.status)
        context["open_action"] = action
        return render(request, "web/cases/detail.html", context, status=exc.status)
    return _done(request, case, f"已办理：{entry.action_label}（第 {entry.seq} 条记录）。")


@require_POST
@login_required
def case_party_add(request, case_id: int):
    case = _acting_or_404(request, case_id)
    form = PartyAddForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            party = party_add(case=case, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            for key, message in exc.fields.items():
                form.add_error(key if key in form.fields else None, message)
            status = exc.status
        else:
            return _done(request, case, f"已添加当事人：{party.name}。")
    context = _page_context(request, case)
    context["party_form"] = form
    context["party_open"] = True
    template = "web/cases/_party_form.html" if _is_htmx(request) else "web/cases/detail.html"
    return render(request, template, context, status=status)


@require_POST
@login_required
def case_officer_add_view(request, case_id: int):
    case = _acting_or_404(request, case_id)
    form = OfficerAddForm(request.POST, case=case)
    status = 400
    if form.is_valid():
        try:
            link = case_officer_add(case=case, officer=form.cleaned_data["officer"], actor=request.user,
                                    no_conflict_declared=form.cleaned_data["no_conflict_declared"])
        except DomainError as exc:
            form.add_error("officer" if "officer" in exc.fields else None, exc.message)
            status = exc.status
        else:
            return _done(request, case, f"已添加协办人员：{link.officer.name}。")
    context = _page_context(request, case)
    context["officer_form"] = form
    context["officer_open"] = True
    template = "web/cases/_officer_form.html" if _is_htmx(request) else "web/cases/detail.html"
    return render(request, template, context, status=status)



@require_POST
@login_required
def case_device_notice_add(request, case_id: int):
    """告知 a monitoring-device record to the party (PEN-15): the notice with its query code, from
    the case page; refusals come back next to the fields and write nothing."""
    case = _acting_or_404(request, case_id)
    context = _page_context(request, case)
    form = DeviceNoticeForm(request.POST, case=case, records=context["device_records"],
                            officers=[(str(link.officer_id), link.officer.name) for link in context["d"].officers
                                      if not link.recused])
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        evidence = Evidence.objects.select_related("case__agency", "monitoring_device").get(
            case=case, number=int(d["evidence"]))
        try:
            notice = device_record_notify(evidence=evidence, actor=request.user, party=d["party"], method=d["method"],
                                          method_detail=d["method_detail"], notified_on=d["notified_on"],
                                          officer=d["officer"], note=d["note"])
        except DomainError as exc:
            for key, message in exc.fields.items():
                form.add_error(key if key in form.fields else None, message)
            if not exc.fields:
                form.add_error(None, exc.message)
            status = exc.status
        else:
            return _done(request, case, f"已登记告知：证据{evidence.number}，查询码 {notice.query_code_display}。")
    context["notice_form"] = form
    context["notice_open"] = True
    template = "web/cases/_device_notice_form.html" if _is_htmx(request) else "web/cases/detail.html"
    return render(request, template, context, status=status)
