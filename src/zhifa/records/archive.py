"""The case file (案卷) as a self-contained archive package (R6, REC-04).

`archive_build(case=, actor=)` writes one zip:

    目录.html                   table of contents: documents in standard order, evidence list, history
    case.json                   the case, its parties and officers
    documents/NN-<title>.pdf    the case's documents (PDF/A from the documents app), standard order
    evidence/NNNN-<file>        every evidence item's file, as stored (withdrawn ones too, marked)
    evidence.json               the evidence list with annotations, withdrawals, device-record reviews,
                                notices to the party and the party's statements (PEN-15)
    status_history.json         every status row of the case
    ledger/entries.json         the ledger entries about the case and its evidence (leaf data)
    ledger/proofs.json          their RFC 9162 inclusion proofs against a signed tree head
    ledger/verify_proof.py      the standard-library proof verifier (tools/verify_proof.py)
    manifest.json               SHA-256, SM3 and size of every other member

and keeps it once in the store, on the ledger, with the result of the four checks of electronic
archives (真实性、完整性、可用性、安全性, `archive_check`), the retention period (settings) and the
agency's custodian. State-secret items are not put into the package (they are kept under the
secrecy rules, REC-04); the list names them.

Documents come from the documents app (the current PDF of each, in the standard order of a case
file, `STANDARD_ORDER`) and from any other provider registered with `register_archive_documents(fn)`,
fn(case) -> [ArchiveDocument].
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import logging
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from zhifa.cases.models import Case, StatusEntry
from zhifa.core.errors import PermissionDeniedError
from zhifa.core.filestore import HEAD_SIZE, DualHasher, filestore_discard, filestore_ingest, filestore_open
from zhifa.ledger import merkle
from zhifa.ledger.models import Entry
from zhifa.ledger.services import latest_tree_head, ledger_append, ledger_leaves, subject_of

from . import media
from .access import is_team_member, may_decide_requests
from .models import (
    ArchiveCustodian,
    ArchivePackage,
    Confidentiality,
    DeviceRecordNotice,
    DeviceRecordReview,
    DeviceRecordStatement,
    Evidence,
    EvidenceAnnotation,
)

logger = logging.getLogger(__name__)

CHECKS = (("authenticity", "真实性"), ("integrity", "完整性"), ("usability", "可用性"), ("security", "安全性"))


@dataclass(frozen=True)
class ArchiveDocument:
    order: int  # standard order of the case file (立案审批表 before 调查终结报告 before 决定书 ...)
    title: str
    number: str  # 文号
    file: str  # storage name
    sha256: str
    sm3: str = ""
    size: int = 0
    content_type: str = "application/pdf"


_PROVIDERS: list[Callable[[Case], list[ArchiveDocument]]] = []


def register_archive_documents(provider: Callable[[Case], list[ArchiveDocument]]) -> None:
    _PROVIDERS.append(provider)


# 案卷文书排列: the decision first, then the file in the order the case ran (filing, investigation,
# notice, hearing, discussion, service, execution, closing). Other templates follow in issue order.
STANDARD_ORDER = {
    "penalty_decision": 10, "no_penalty_decision": 10, "on_spot_decision": 10, "filing_approval": 20,
    "inspection_record": 30, "interview_record": 31, "preservation_notice": 35, "pre_decision_notice": 40,
    "hearing_notice": 50, "hearing_record": 51, "collective_discussion": 60, "service_receipt": 70,
    "payment_reminder": 80, "closing_report": 90,
}


def _documents_app_provider(case: Case) -> list[ArchiveDocument]:
    """The current (not superseded) PDF of every document of the case (documents app)."""
    from zhifa.documents.selectors import case_documents as documents_current

    return [ArchiveDocument(order=STANDARD_ORDER.get(d.template, 100), title=d.title, number=d.number,
                            file=d.pdf_name, sha256=d.pdf_sha256, sm3=d.pdf_sm3, size=d.pdf_size)
            for d in documents_current(case, include_superseded=False) if d.pdf_name]


def case_documents(case: Case) -> list[ArchiveDocument]:
    docs = []
    for provider in [*_PROVIDERS, _documents_app_provider]:
        docs.extend(provider(case))
    seen, out = set(), []
    for d in sorted(docs, key=lambda d: d.order):  # stable: equal orders keep issue order
        if (d.file, d.title, d.number) not in seen:
            seen.add((d.file, d.title, d.number))
            out.append(d)
    return out


# --- building ----------------------------------------------------------------------------------------

def _safe(name: str) -> str:
    name = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", name).strip() or "file"
    return name[:120]


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, cls=DjangoJSONEncoder).encode()


class _Writer:
    """Writes zip members while hashing them; the manifest is the record of what was written."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.manifest: dict[str, dict] = {}

    def write_bytes(self, name: str, data: bytes, *, compress: bool = True) -> dict:
        self.zf.writestr(zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6]), data,
                         compress_type=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
        entry = {"sha256": hashlib.sha256(data).hexdigest(), "sm3": hashlib.new("sm3", data).hexdigest(),
                 "size": len(data)}
        self.manifest[name] = entry
        return entry

    def write_stream(self, name: str, source, *, compress: bool = False) -> dict:
        hasher = DualHasher()
        info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        try:
            with self.zf.open(info, "w", force_zip64=True) as out:
                for chunk in iter(lambda: source.read(1 << 20), b""):
                    hasher.update(chunk)
                    out.write(chunk)
            entry = hasher.digests()
        finally:
            hasher.close()
        self.manifest[name] = entry
        return entry


def _ledger_part(case: Case, evidence: list[Evidence], *, actor) -> tuple[list[dict], dict]:
    """The entries about the case and its evidence, and their inclusion proofs against a signed tree
    head that covers them (signed now if the latest does not)."""
    subjects = [subject_of(case)] + [subject_of(e) for e in evidence]
    rows = list(Entry.objects.filter(subject__in=subjects).order_by("seq")
                .only("seq", "kind", "subject", "recorded_at", "data", "leaf_hash"))
    entries = [{"seq": r.seq, "kind": r.kind, "subject": r.subject, "recorded_at": r.recorded_at,
                "leaf_data": r.data, "leaf_hash": r.leaf_hash} for r in rows]  # the entry's text is the leaf data
    head = latest_tree_head()
    if rows and (head is None or head.size < rows[-1].seq):
        from zhifa.ledger.services import tree_head_sign

        try:
            head = tree_head_sign(actor=actor)
        except Exception as exc:  # noqa: BLE001 — no signing key: the package says proofs are pending
            logger.warning("archive: cannot sign a tree head: %s", exc)
    if head is None or not rows or head.size < rows[-1].seq:
        return entries, {"tree_head": None, "proofs": [], "note": "尚无覆盖全部条目的签名树头，包含证明待补。"}
    leaves = ledger_leaves(head.size)
    cache: dict[tuple[int, int], bytes] = {}
    plain = merkle.list_subtree(leaves, head.hash_name)

    def subtree(lo: int, hi: int) -> bytes:
        if (lo, hi) not in cache:
            cache[(lo, hi)] = plain(lo, hi) if hi - lo <= 2 else merkle.node_hash(
                subtree(lo, lo + _split(hi - lo)), subtree(lo + _split(hi - lo), hi), head.hash_name)
        return cache[(lo, hi)]

    proofs = [{"seq": e["seq"], "leaf_index": e["seq"] - 1, "tree_size": head.size,
               "audit_path": [h.hex() for h in merkle.inclusion_path_from(e["seq"] - 1, head.size, subtree)]}
              for e in entries]
    tree_head = {"size": head.size, "root_hash": head.root_hash, "hash": head.hash_name,
                 "signed_at": head.signed_at, "signed_message": head.signed_message, "signature": head.signature,
                 "key_id": head.key_id, "public_key": head.public_key}
    return entries, {"tree_head": tree_head, "proofs": proofs}


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def _evidence_list(evidence: list[Evidence]) -> list[dict]:
    out = []
    for e in evidence:
        notes = list(e.annotations.all())  # prefetched in id order
        withdrawal = getattr(e, "withdrawal", None) if hasattr(e, "withdrawal") else None
        out.append({
            "number": e.number, "title": e.title, "act": e.act, "kind": e.kind, "kind_label": e.get_kind_display(),
            "evidence_type": e.evidence_type, "evidence_type_label": e.get_evidence_type_display(),
            "lawful_acquisition": e.lawful_acquisition, "recorder": e.recorder.name if e.recorder else "",
            "device": e.device, "started_at": e.started_at, "ended_at": e.ended_at, "place": e.place,
            "duration_ms": e.duration_ms, "confidentiality": e.confidentiality, "file_name": e.file_name,
            "declared_type": e.declared_type, "detected_type": e.detected_type, "sha256": e.sha256, "sm3": e.sm3,
            "size": e.size, "media": e.media, "uploaded_at": e.created_at,
            "annotation": notes[-1].text if notes else "", "speakers": notes[-1].speakers if notes else [],
            "annotations": [{"text": n.text, "speakers": n.speakers, "at": n.at, "supersedes": n.supersedes_id}
                            for n in notes],
            "withdrawn": withdrawal is not None, "withdrawal_reason": withdrawal.reason if withdrawal else "",
            "in_package": e.confidentiality != Confidentiality.STATE_SECRET,
        })
        if e.monitoring_device_id:  # PEN-15: the device and every review of its record
            out[-1]["monitoring_device"] = e.monitoring_device.number
            out[-1]["device_reviews"] = [{"conforms": r.conforms, "opinion": r.opinion, "reviewer": str(r.reviewer),
                                          "at": r.at, "supersedes": r.supersedes_id} for r in e.device_reviews.all()]
            out[-1]["notices"] = [{"party": n.party.name, "method": n.get_method_display(), "notified_on": n.notified_on,
                                   "officer": n.officer.name, "content": n.content,
                                   "statements": [{"text": s.text, "contact": s.contact, "at": s.at}
                                                  for s in n.statements.all()]}
                                  for n in e.notices.all()]
    return out


def _toc_html(case: Case, docs: list[ArchiveDocument], doc_paths: list[str], ev_list: list[dict],
              ev_paths: dict[int, str], history: list[dict]) -> bytes:
    e = html.escape
    rows_docs = "".join(
        f"<tr><td>{i}</td><td><a href=\"{e(p)}\">{e(d.title)}</a></td><td>{e(d.number)}</td></tr>"
        for i, (d, p) in enumerate(zip(docs, doc_paths), start=1)) or "<tr><td colspan=3>（无）</td></tr>"
    rows_ev = "".join(
        f"<tr><td>{x['number']}</td><td>"
        + (f"<a href=\"{e(ev_paths[x['number']])}\">{e(x['title'])}</a>" if x["number"] in ev_paths
           else f"{e(x['title'])}（按保密规定另行保管）")
        + f"</td><td>{e(x['evidence_type_label'])}</td><td>{e(x['kind_label'])}</td><td>{e(x['annotation'])}</td>"
        f"<td>{'已撤回：' + e(x['withdrawal_reason']) if x['withdrawn'] else ''}</td></tr>"
        for x in ev_list) or "<tr><td colspan=6>（无）</td></tr>"
    rows_hist = "".join(
        f"<tr><td>{h['seq']}</td><td>{e(h['on_date'])}</td><td>{e(h['action_label'])}</td>"
        f"<td>{e(h['from_state'])} → {e(h['to_state'])}</td></tr>" for h in history)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>案卷目录 {e(case.number)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #999;padding:.2em .4em}}</style></head><body>
<h1>案卷目录</h1><p>案件编号：{e(case.number)}　案由：{e(case.title)}</p>
<h2>一、执法文书</h2><table><tr><th>序号</th><th>文书</th><th>文号</th></tr>{rows_docs}</table>
<h2>二、证据及音像记录清单</h2><table><tr><th>编号</th><th>名称</th><th>证据种类</th><th>载体</th><th>说明</th><th>备注</th></tr>
{rows_ev}</table>
<h2>三、办案过程记录</h2><table><tr><th>序号</th><th>日期</th><th>环节</th><th>状态</th></tr>{rows_hist}</table>
<p>完整性校验见 manifest.json；账本包含证明见 ledger/proofs.json（用 ledger/verify_proof.py 核验）。</p>
</body></html>""".encode()


def _retention(case: Case, evidence: list[Evidence]) -> int | None:
    years = int(getattr(settings, "ZHIFA_ARCHIVE_RETENTION_YEARS", 30))
    if any(e.is_av for e in evidence):
        from zhifa.catalog.services import setting_value

        years = max(years, int(setting_value("av_retention_years", agency=case.agency))) if years else 0
    return years or None


def archive_build(*, case: Case, actor, check_access: bool = True) -> ArchivePackage:
    """Build, check and keep the case file. Refused for people who may not see the case's records,
    unless the procedure's archive step (whose guards decided who may archive) asks for it."""
    if check_access and getattr(actor, "pk", None) and not (is_team_member(case, actor)
                                                            or may_decide_requests(case, actor)):
        raise PermissionDeniedError("只有本案承办人员、档案管理员或机关负责人可以归档（规则 REC-04）。", rule="REC-04")
    evidence = list(Evidence.objects.filter(case=case).select_related("recorder", "withdrawal", "monitoring_device")
                    .prefetch_related(Prefetch("annotations", queryset=EvidenceAnnotation.objects.order_by("id")),
                                      Prefetch("device_reviews", queryset=DeviceRecordReview.objects
                                               .select_related("reviewer").order_by("id")),
                                      Prefetch("notices", queryset=DeviceRecordNotice.objects
                                               .select_related("party", "officer").order_by("id")
                                               .prefetch_related(Prefetch("statements", queryset=DeviceRecordStatement
                                                                          .objects.order_by("id")))))
                    .order_by("number"))
    docs = case_documents(case)
    history = [{"seq": s.seq, "action": s.action, "action_label": s.action_label, "from_state": s.from_state,
                "to_state": s.to_state, "on_date": s.on_date.isoformat(), "at": s.at,
                "actor": s.actor.get_username() if s.actor else "system", "data": s.data, "warnings": s.warnings,
                "reason": s.reason}
               for s in StatusEntry.objects.filter(case=case).select_related("actor").order_by("seq")]
    ledger_entries, proofs = _ledger_part(case, evidence, actor=actor)
    ev_list = _evidence_list(evidence)
    custodian = ArchiveCustodian.objects.filter(agency=case.agency).select_related("user").first()
    retention = _retention(case, evidence)
    fd, tmp_path = tempfile.mkstemp(prefix="zhifa-archive-", suffix=".zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp_path, "w", allowZip64=True) as zf:
            w = _Writer(zf)
            doc_paths = []
            for i, d in enumerate(docs, start=1):
                path = f"documents/{i:02d}-{_safe(d.title)}.pdf"
                with filestore_open(d.file) as f:
                    w.write_stream(path, f)
                doc_paths.append(path)
            ev_paths = {}
            for e in evidence:
                if e.confidentiality == Confidentiality.STATE_SECRET:
                    continue
                path = f"evidence/{e.number:04d}-{_safe(e.file_name)}"
                with filestore_open(e.file) as f:
                    w.write_stream(path, f)
                ev_paths[e.number] = path
            for x in ev_list:
                x["path"] = ev_paths.get(x["number"], "")
            case_info = {
                "id": case.pk, "number": case.number, "title": case.title, "procedure": case.procedure,
                "agency": case.agency.name, "agency_credit_code": case.agency.credit_code, "state": case.state,
                "facts": case.facts, "place": case.place, "discovered_on": case.discovered_on,
                "filed_on": case.filed_on, "decided_on": case.decided_on, "closed_on": case.closed_on,
                "lead_officer": case.lead_officer.name,
                "officers": [o.officer.name for o in case.case_officers.select_related("officer").order_by("pk")],
                "parties": list(case.parties.order_by("pk").values("kind", "name", "id_number", "credit_code",
                                                                   "legal_representative", "address")),
                "data": case.data,
            }
            w.write_bytes("case.json", _json(case_info))
            w.write_bytes("evidence.json", _json(ev_list))
            w.write_bytes("status_history.json", _json(history))
            w.write_bytes("ledger/entries.json", _json(ledger_entries))
            w.write_bytes("ledger/proofs.json", _json(proofs))
            verifier = Path(settings.BASE_DIR).parent / "tools" / "verify_proof.py"
            if not verifier.exists():
                verifier = Path(__file__).resolve().parents[3] / "tools" / "verify_proof.py"
            if verifier.exists():
                w.write_bytes("ledger/verify_proof.py", verifier.read_bytes())
            w.write_bytes("目录.html", _toc_html(case, docs, doc_paths, ev_list, ev_paths, history))
            manifest = {
                "format": "zhifa-case-file/1", "case": case.pk, "case_number": case.number,
                "built_at": timezone.now(), "built_by": actor.get_username() if getattr(actor, "pk", None) else "system",
                "agency": case.agency.name, "custodian": str(custodian.user) if custodian else "",
                "retention_years": retention, "status_seq": history[-1]["seq"] if history else 0,
                "documents": [{"path": p, "title": d.title, "number": d.number, "order": d.order, "sha256": d.sha256}
                              for d, p in zip(docs, doc_paths)],
                "evidence": [{"number": x["number"], "path": x["path"], "sha256": x["sha256"],
                              "withdrawn": x["withdrawn"], "in_package": x["in_package"]} for x in ev_list],
                "files": w.manifest,
            }
            zf.writestr("manifest.json", _json(manifest), compress_type=zipfile.ZIP_DEFLATED)
        with open(tmp_path, "rb") as f:
            ingested = filestore_ingest(f)
    finally:
        os.unlink(tmp_path)
    try:
        checks = archive_check_file(case=case, name=ingested.stored.name, sha256=ingested.stored.sha256,
                                    sm3=ingested.stored.sm3, ledger_pending=False)
        today = timezone.localdate()
        with transaction.atomic():
            pkg = ArchivePackage.objects.create(
                case=case, file=ingested.stored.name, sha256=ingested.stored.sha256, sm3=ingested.stored.sm3,
                size=ingested.stored.size, manifest=json.loads(_json({k: v for k, v in manifest.items() if k != "files"})),
                checks=checks, retention_years=retention,
                retain_until=_add_years(today, retention) if retention else None,
                custodian=custodian.user if custodian else None, built_by=actor if getattr(actor, "pk", None) else None)
            ledger_append(kind="case_file_archived", actor=actor, subject=case,
                          payload={"package": pkg.pk, "evidence": len(evidence), "documents": len(docs),
                                   "checks": {k: v["ok"] for k, v in checks.items()}},
                          rows=[pkg], files=[ingested.stored.cover()])
        return pkg
    except BaseException:
        filestore_discard(ingested)
        raise


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def archive_after_commit(entry: StatusEntry) -> None:
    """The archive transition's after_commit hook, given the committed status row: build the case
    file. A failure is logged and shown on the records page (where the package can be built again);
    the transition stands."""
    case = Case.objects.select_related("agency").get(pk=entry.case_id)
    try:
        archive_build(case=case, actor=entry.actor, check_access=False)
    except Exception:  # noqa: BLE001
        logger.exception("archive package for case %s failed", entry.case_id)


# --- the four checks -------------------------------------------------------------------------------------

def _result() -> dict:
    return {key: {"label": label, "ok": True, "items": []} for key, label in CHECKS}


def _add(res: dict, key: str, ok: bool, message: str) -> None:
    res[key]["items"].append({"ok": ok, "message": message})
    if not ok:
        res[key]["ok"] = False


def archive_check(package: ArchivePackage) -> dict:
    """Re-run the four checks on a kept package (the `zhifa archive check` command and the UI)."""
    res = archive_check_file(case=package.case, name=package.file, sha256=package.sha256, sm3=package.sm3)
    covered = Entry.objects.filter(kind="case_file_archived", subject=subject_of(package.case),
                                   payload__package=package.pk).first()
    if covered is None:
        _add(res, "security", False, "账本中没有该归档包的登记条目。")
    else:
        files = [c for c in covered.covers if c.get("file") == package.file]
        _add(res, "security", bool(files) and files[0].get("sha256") == package.sha256,
             f"归档包已登记于账本条目 #{covered.seq}，哈希一致。" if files else "账本条目未覆盖该归档包文件。")
    return res


def _hash_member(zf: zipfile.ZipFile, name: str) -> tuple[str, int] | None:
    """SHA-256 and size of a member (the package as a whole is checked with both SHA-256 and SM3)."""
    sha, size = hashlib.sha256(), 0
    try:
        with zf.open(name) as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                sha.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, zlib.error):  # a damaged member: its content is not what was kept
        return None
    return sha.hexdigest(), size


def archive_check_file(*, case: Case, name: str, sha256: str, sm3: str, ledger_pending: bool = False) -> dict:
    res = _result()
    # 真实性: the package is the one recorded; its members are the recorded files; the ledger proofs hold.
    from zhifa.core.filestore import filestore_exists

    if not filestore_exists(name):
        _add(res, "integrity", False, f"归档包文件 {name} 已缺失。")
        for key, _ in CHECKS:
            if not res[key]["items"]:
                _add(res, key, False, "归档包缺失，无法检测。")
        return res
    hasher = DualHasher()
    try:
        with filestore_open(name) as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                hasher.update(chunk)
        sums = hasher.digests()
    finally:
        hasher.close()
    same = sums["sha256"] == sha256 and sums["sm3"] == sm3
    _add(res, "authenticity", same, "归档包的 SHA-256 与 SM3 与登记值一致。" if same else "归档包的哈希与登记值不符：已被改动。")
    try:
        _check_members(res, case, name, ledger_pending)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, zlib.error) as exc:
        _add(res, "integrity", False, f"归档包已损坏，无法完整读取：{exc}")
        _add(res, "usability", False, "归档包无法正常打开。")
    _add(res, "security", *_write_once(name))
    return res


def _check_members(res: dict, case: Case, name: str, ledger_pending: bool) -> None:
    with filestore_open(name) as f, zipfile.ZipFile(f) as zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except (KeyError, ValueError):
            _add(res, "integrity", False, "缺少或无法读取 manifest.json。")
            return
        files = manifest.get("files", {})
        members = {i.filename for i in zf.infolist() if not i.is_dir()} - {"manifest.json"}
        missing, extra = set(files) - members, members - set(files)
        _add(res, "integrity", not missing and not extra,
             f"清单与包内文件一一对应（{len(members)} 个）。" if not (missing or extra)
             else f"清单与包内文件不符：缺少 {sorted(missing)[:5]}，多出 {sorted(extra)[:5]}。")
        read = {m: _hash_member(zf, m) for m in sorted(members)}  # reading to the end checks each CRC
        damaged = [m for m, got in read.items() if got is None]
        _add(res, "integrity", not damaged,
             "压缩包各成员 CRC 校验通过。" if not damaged else f"成员 {damaged[:5]} 的 CRC 校验失败。")
        changed = [m for m in files if m in read and read[m] != (files[m]["sha256"], files[m]["size"])]
        _add(res, "authenticity", not changed,
             "包内每个文件的哈希与清单一致。" if not changed else f"包内文件与清单哈希不符：{changed[:5]}。")
        # Evidence: every item of the case is listed, and each file is the one the ledger recorded.
        rows = {e.number: e for e in Evidence.objects.filter(case=case)}
        listed = {x["number"]: x for x in manifest.get("evidence", [])}
        absent = sorted(set(rows) - set(listed))
        _add(res, "integrity", not absent,
             f"本案全部 {len(rows)} 项证据均已列入。" if not absent else f"证据 {absent} 未列入归档包。")
        wrong = [n for n, x in listed.items() if n in rows and (x["sha256"] != rows[n].sha256 or (
            x["path"] and files.get(x["path"], {}).get("sha256") != rows[n].sha256))]
        _add(res, "authenticity", not wrong,
             "每项证据文件与上传时登记的哈希一致。" if not wrong else f"证据 {wrong} 的文件与登记哈希不符。")
        seq = manifest.get("status_seq", 0)
        n_hist = StatusEntry.objects.filter(case=case, seq__lte=seq).count()
        try:
            hist = json.loads(zf.read("status_history.json"))
        except (KeyError, ValueError):
            hist = []
        _add(res, "integrity", len(hist) == n_hist and n_hist == seq,
             f"办案过程记录完整（{n_hist} 条）。" if len(hist) == n_hist == seq else "办案过程记录不完整。")
        _check_proofs(zf, res, ledger_pending)
        # 可用性: every member opens as what it says it is.
        unusable = []
        for m in sorted(members):
            if m.endswith(".json"):
                try:
                    json.loads(zf.read(m))
                except ValueError:
                    unusable.append(m)
            elif m.endswith(".pdf"):
                unusable += [] if _pdf_ok(zf, m) else [m]
        for x in listed.values():
            if x.get("path") and x["number"] in rows:
                with zf.open(x["path"]) as f:
                    head = f.read(HEAD_SIZE)
                declared = rows[x["number"]].declared_type
                if media.family(declared) != "binary" and media.family(media.detect(head)) != media.family(declared):
                    unusable.append(x["path"])
        _add(res, "usability", "目录.html" in members, "含案卷目录（目录.html）。" if "目录.html" in members else "缺少案卷目录。")
        _add(res, "usability", not unusable,
             f"全部 {len(members)} 个文件可正常读取，格式与登记一致。" if not unusable else f"无法读取或格式不符：{unusable[:5]}。")
        # 安全性: kept write-once; no state secret inside; a custodian is named.
        secret = [n for n, e in rows.items() if e.confidentiality == Confidentiality.STATE_SECRET
                  and listed.get(n, {}).get("path")]
        _add(res, "security", not secret,
             "涉及国家秘密的证据未进入归档包。" if not secret else f"涉及国家秘密的证据 {secret} 被打包。")
        _add(res, "security", bool(manifest.get("custodian")),
             f"档案保管人：{manifest.get('custodian')}。" if manifest.get("custodian") else "未指定本机关档案保管人。")


def _pdf_ok(zf: zipfile.ZipFile, name: str) -> bool:
    from pypdf import PdfReader

    try:
        with zf.open(name) as f:
            data = f.read()
        import io

        return len(PdfReader(io.BytesIO(data)).pages) > 0
    except Exception:  # noqa: BLE001 — any parse failure makes the document unusable
        return False


def _check_proofs(zf: zipfile.ZipFile, res: dict, pending_ok: bool) -> None:
    from zhifa.ledger import keys
    from zhifa.ledger.services import leaf_hash

    try:
        entries = json.loads(zf.read("ledger/entries.json"))
        proofs = json.loads(zf.read("ledger/proofs.json"))
    except (KeyError, ValueError):
        _add(res, "authenticity", False, "缺少账本条目或包含证明。")
        return
    bad_leaf = [e["seq"] for e in entries if leaf_hash(e["leaf_data"].encode()) != e["leaf_hash"]]
    _add(res, "authenticity", not bad_leaf,
         f"{len(entries)} 条账本条目的叶子哈希可复算。" if not bad_leaf else f"账本条目 {bad_leaf[:5]} 的叶子哈希不符。")
    head = proofs.get("tree_head")
    if head is None:
        _add(res, "authenticity", pending_ok, proofs.get("note") or "缺少签名树头。")
        return
    sig_ok = keys.verify_signature(head["public_key"], head["signature"], head["signed_message"].encode())
    _add(res, "authenticity", sig_ok, "签名树头的 Ed25519 签名有效。" if sig_ok else "签名树头的签名无效。")
    by_seq = {e["seq"]: e for e in entries}
    failed = []
    for p in proofs.get("proofs", []):
        e = by_seq.get(p["seq"])
        ok = e is not None and merkle.verify_inclusion(
            p["leaf_index"], p["tree_size"], bytes.fromhex(e["leaf_hash"]), [bytes.fromhex(h) for h in p["audit_path"]],
            bytes.fromhex(head["root_hash"]), head["hash"])
        if not ok:
            failed.append(p["seq"])
    n = len(proofs.get("proofs", []))
    _add(res, "authenticity", not failed and n == len(entries),
         f"{n} 条包含证明均对照签名树头验证通过。" if not failed and n == len(entries)
         else f"包含证明验证失败：{failed[:5]}。")


def _write_once(name: str) -> tuple[bool, str]:
    from django.core.files.storage import default_storage

    try:
        path = default_storage.path(name)
    except NotImplementedError:
        return True, "对象存储按哈希一次写入，不覆盖、不删除。"
    mode = os.stat(path).st_mode
    ok = not mode & 0o222
    return ok, "归档包文件为只读（一次写入）。" if ok else "归档包文件可写：不符合防删改要求。"


def latest_package(case: Case) -> ArchivePackage | None:
    return ArchivePackage.objects.filter(case=case).order_by("-built_at", "-pk").first()


def checks_summary(checks: dict) -> list[dict]:
    return [{"key": k, **checks.get(k, {"label": label, "ok": False, "items": []})} for k, label in CHECKS]

