"""Generate N penalty cases for the cases benchmark (issue 5, Performance).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cases \
        PYTHONPATH=src python bench/cases_gen.py --cases 1000000
    DATABASE_URL=sqlite:////tmp/bench_cases.sqlite3 PYTHONPATH=src python bench/cases_gen.py --cases 100000

The world (regions, agencies, certified officers, one published penalty matter per agency) is made
through the ordinary services, so its rows, certificates and ledger entries are real. The cases are
bulk-inserted with raw SQL (COPY on PostgreSQL, executemany on SQLite) — a benchmark fixture only:
each case gets the status rows, `data`, parties, officers, deadlines (from `compute_due`) and
numbers (立案编号 and 罚决 numbers with their NumberSequence rows) that the procedure would have
left in its state. Not generated: ledger entries and django-simple-history rows for the cases.

States follow penalty_general: registered, not_filed, filed, investigated, notified, decided,
executing, closed, archived (weights in STATE_WEIGHTS). The database must hold no cases unless
--force is given (then cases are appended, numbers continue from the sequences).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import functools
import itertools
import json
import multiprocessing
import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.conf.dev")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from zhifa.cases.models import Case, NumberSequence  # noqa: E402
from zhifa.cases.services import format_number  # noqa: E402
from zhifa.cases.testing import TIERS  # noqa: E402
from zhifa.catalog import services as catalog  # noqa: E402
from zhifa.catalog.models import LegalBasis, Matter  # noqa: E402
from zhifa.core.deadlines import PERIOD_RULES, compute_due  # noqa: E402
from zhifa.org import services as org  # noqa: E402
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id  # noqa: E402
from zhifa.org.models import Agency, Region  # noqa: E402

BENCH_ADMIN = "bench-admin"
PROVINCE = ("368000", "江北省")

# The actions a case went through to reach each state (penalty_general), and how common each state is.
PATHS = {
    "registered": ["register"],
    "not_filed": ["register", "decline_filing"],
    "filed": ["register", "file", "record_inspection", "record_interview"],
    "investigated": ["register", "file", "record_inspection", "record_interview", "conclude_investigation",
                     "propose"],
    "notified": ["register", "file", "record_inspection", "record_interview", "conclude_investigation", "propose",
                 "serve_notice"],
    "decided": ["register", "file", "record_inspection", "record_interview", "conclude_investigation", "propose",
                "serve_notice", "waive_rights", "decide"],
    "executing": ["register", "file", "record_inspection", "record_interview", "conclude_investigation", "propose",
                  "serve_notice", "waive_rights", "decide", "serve_decision"],
    "closed": ["register", "file", "record_inspection", "record_interview", "conclude_investigation", "propose",
               "serve_notice", "waive_rights", "decide", "serve_decision", "record_payment", "close"],
    "archived": ["register", "file", "record_inspection", "record_interview", "conclude_investigation", "propose",
                 "serve_notice", "waive_rights", "decide", "serve_decision", "record_payment", "close", "archive"],
}
STATE_WEIGHTS = {"registered": 4, "not_filed": 3, "filed": 25, "investigated": 8, "notified": 6, "decided": 3,
                 "executing": 11, "closed": 15, "archived": 25}
STATES = list(STATE_WEIGHTS)
CUM_WEIGHTS = list(itertools.accumulate(STATE_WEIGHTS.values()))
TARGET = {"register": "registered", "decline_filing": "not_filed", "file": "filed",
          "conclude_investigation": "investigated", "serve_notice": "notified", "decide": "decided",
          "serve_decision": "executing", "close": "closed", "archive": "archived"}
LABELS = {"register": "案源登记", "decline_filing": "不予立案", "file": "立案", "record_inspection": "现场检查（勘验）笔录",
          "record_interview": "询问笔录", "conclude_investigation": "调查终结", "propose": "拟处理意见（案件审查）",
          "serve_notice": "送达行政处罚事先告知书", "waive_rights": "当事人书面放弃陈述申辩", "decide": "作出行政处罚决定",
          "serve_decision": "送达处罚决定书", "record_payment": "登记缴款", "close": "结案", "archive": "移交归档"}
GAP_DAYS = {"decline_filing": (3, 10), "file": (2, 12), "record_inspection": (0, 5), "record_interview": (1, 10),
            "conclude_investigation": (5, 30), "propose": (1, 5), "serve_notice": (1, 5), "waive_rights": (0, 4),
            "decide": (5, 15), "serve_decision": (1, 6), "record_payment": (1, 14), "close": (1, 10),
            "archive": (5, 40)}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文辉鹏飞宇晨欣怡子涵浩然思雨俊杰"
SHOPS = ["餐饮", "超市", "便利店", "食品", "药房", "五金", "服装", "电器", "烟酒", "水果", "粮油", "副食", "小吃", "火锅", "烘焙"]
TITLES = ["未建立进货查验记录", "销售超过保质期的食品", "未公示营业执照", "经营无标签的预包装食品", "从业人员未取得健康证明",
          "虚假宣传", "未明码标价", "使用未经检定的计量器具", "销售不合格产品", "无证经营"]
STREETS = ["人民路", "解放路", "和平街", "建设路", "中山路", "文化路", "新华街", "朝阳路", "胜利街", "光明路"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- the world, through the services -----------------------------------------------------------------


def make_bench_world(*, agencies: int, officers_per_agency: int) -> tuple[object, list[dict]]:
    """Agencies with certified officers and one published matter each. Reused when it exists."""
    User = get_user_model()
    admin = User.objects.filter(username=BENCH_ADMIN).first()
    if admin is None:
        admin = User.objects.create_superuser(BENCH_ADMIN, "bench-admin@example.cn", "zhifa-bench-pass-1")
    province = Region.objects.filter(code=PROVINCE[0]).first() or org.region_create(
        code=PROVINCE[0], name=PROVINCE[1], level="province", actor=admin)
    from zhifa.org.models import EnforcementCategory

    category = EnforcementCategory.objects.filter(code="BSC").first() or org.category_create(
        code="BSC", name="市场监管（基准）", actor=admin)
    basis = LegalBasis.objects.filter(name="中华人民共和国食品安全法（基准）").first() or catalog.legal_basis_create(
        level=LegalBasis.Level.LAW, name="中华人民共和国食品安全法（基准）", issuer="全国人民代表大会常务委员会",
        version_date=dt.date(2021, 4, 29), article="第一百二十六条", paragraph="第一款",
        text="违反本法规定……由县级以上人民政府食品安全监督管理部门责令改正，给予警告；拒不改正的，处五千元以上五万元以下罚款。",
        actor=admin)
    today = dt.date.today()
    out = []
    t0 = time.perf_counter()
    for a in range(agencies):
        city_code = f"368{(a // 10) + 1:03d}"  # 368001, 368002 ...: one city per 10 agencies
        city = Region.objects.filter(code=city_code).first() or org.region_create(
            code=city_code, name=f"江北{(a // 10) + 1}市", level="city", parent=province, actor=admin)
        name = f"江北{(a // 10) + 1}市第{a % 10 + 1}市场监督管理所（基准{a}）"
        agency = Agency.objects.filter(name=name).first()
        if agency is None:
            agency = org.agency_register(name=name, short_name=f"北{a}市监", region=city, actor=admin,
                                         credit_code=make_credit_code(city_code, 500000 + a))
        officers = list(agency.officers.order_by("pk"))
        for i in range(len(officers), officers_per_agency):
            o = org.officer_register(
                name=random.choice(SURNAMES) + random.choice(GIVEN) + random.choice(GIVEN), agency=agency, actor=admin,
                id_number=make_resident_id(city_code, dt.date(1970 + (a + i) % 30, 1 + i % 12, 1 + a % 28),
                                           (a * officers_per_agency + i) % 1000))
            org.certificate_issue(holder=o, number=f"B{a:04d}{i:03d}", issued_on=today - dt.timedelta(days=1500),
                                  expires_on=today + dt.timedelta(days=1500), categories=[category],
                                  regions=[city], actor=admin)
            officers.append(o)
        matter = Matter.objects.filter(agency=agency, code=f"BSC-126-{a}", status="published").first()
        if matter is None:
            m = catalog.matter_create(
                agency=agency, code=f"BSC-126-{a}", actor=admin, legal_bases=[basis], tiers=TIERS,
                name="食品经营者未按规定建立并遵守进货查验记录制度", kind=Matter.Kind.PENALTY, category=category,
                violation="未按规定建立并遵守进货查验记录制度", penalty_types=["warning", "fine", "suspend_business"],
                fine_min="5000", fine_max="50000", flowchart=["立案", "调查", "告知", "决定", "送达", "执行"])
            catalog.matter_submit_review(matter=m, actor=admin)
            catalog.matter_review_pass(matter=m, actor=admin, opinion="同意")
            matter = catalog.matter_publish(matter=m, actor=admin, effective_from=dt.date(2020, 1, 1))
        out.append({"agency": agency, "officers": [o.pk for o in officers[:officers_per_agency]], "matter": matter.pk})
        if (a + 1) % 20 == 0:
            log(f"world: {a + 1}/{agencies} agencies ({time.perf_counter() - t0:.0f} s)")
    return admin, out


# --- the cases, as rows -------------------------------------------------------------------------------

_DUE_CACHE: dict[tuple[str, dt.date], object] = {}


def due(key: str, start: dt.date):
    hit = _DUE_CACHE.get((key, start))
    if hit is None:
        hit = _DUE_CACHE[(key, start)] = compute_due(rule_id=key, start=start)
    return hit


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")


NAMES = [s + g1 + g2 for s, g1, g2 in zip(SURNAMES * 3, GIVEN * 6, reversed(GIVEN * 6))][:200]
DATED = {"serve_notice", "serve_decision", "record_payment"}  # steps whose input carries the date


@functools.lru_cache(maxsize=200_000)
def step_data(action: str, fine: int, day: dt.date | None, who: int) -> tuple[dict, str]:
    """The cleaned input a step records (no "officers": the whole case team acted), and its JSON."""
    if action == "register":
        d = {"life_health_or_finance_harm": False}
    elif action == "decline_filing":
        d = {"reason": "经核查，违法事实不成立。", "head_approved": True}
    elif action == "file":
        d = {"head_approved": True, "opinion": "符合立案条件，建议立案调查。"}
    elif action == "record_inspection":
        d = {"certificates_shown": True, "place": "经营场所", "findings": "现场检查发现进货查验记录缺失。",
             "party_signed": True}
    elif action == "record_interview":
        d = {"certificates_shown": True, "interviewee": NAMES[who], "content": "询问进货来源及查验记录情况。",
             "party_signed": True}
    elif action == "conclude_investigation":
        d = {"report": "案件事实清楚，证据确凿。"}
    elif action == "propose":
        d = {"outcome": "penalty", "penalty_types": ["warning", "fine"], "fine_amount": str(fine),
             "circumstances": [], "mitigating": [], "public_interest": False, "complex": False, "serious": False,
             "suspected_crime": False, "reasons_evidence": "现场检查笔录、询问笔录相互印证。",
             "reasons_basis": "违反食品安全法第五十三条，依第一百二十六条处罚。", "reasons_discretion": "属一般情形。"}
    elif action == "serve_notice":
        d = {"method": "direct", "served_on": day.isoformat(), "hearing_right_told": fine >= 10000}
    elif action == "waive_rights":
        d = {"waiver_document": "书面放弃声明"}
    elif action == "decide":
        d = {"performance": "自收到决定书之日起十五日内缴纳罚款。", "remedies": "可于六十日内申请行政复议或六个月内提起行政诉讼。",
             "head_signed": True}
    elif action == "serve_decision":
        d = {"method": "direct", "served_on": day.isoformat()}
    elif action == "record_payment":
        d = {"amount": str(fine), "paid_on": day.isoformat(), "method": "bank"}
    elif action == "close":
        d = {"summary": "罚款已缴清，结案。"}
    else:
        d = {}
    return d, json.dumps(d, ensure_ascii=False)


class Generator:
    """Rows of one worker. Worker j of k takes every k-th agency and ids start_id + j + 1 + k·i, so
    workers never share a number sequence or an id."""

    def __init__(self, *, world: list[dict], admin_id: int, seed: int, start_ids: dict[str, int],
                 sequences: dict[tuple[int, str, int], int], job: int = 0, jobs: int = 1):
        self.world = world[job::jobs]
        self.admin_id = admin_id
        self.rng = random.Random(seed * 1000 + job)
        self.ids = {k: v + job + 1 - jobs for k, v in start_ids.items()}
        self.stride = jobs
        self.seq = sequences  # (agency_id, series, year) -> last
        self.party_serial = job * 10**7

    def next_id(self, table: str) -> int:
        self.ids[table] += self.stride
        return self.ids[table]

    def case(self, discovered: dt.date, now: dt.datetime) -> dict[str, list[tuple]]:
        rng = self.rng
        w = rng.choice(self.world)
        agency = w["agency"]
        lead, co = rng.sample(w["officers"], 2)
        state = STATES[bisect.bisect(CUM_WEIGHTS, rng.random() * CUM_WEIGHTS[-1])]
        who = rng.randrange(len(NAMES))
        path = PATHS[state]
        case_id = self.next_id("case")
        fine = rng.choice([5000, 8000, 10000, 20000, 30000])
        data: dict = {}
        entries, deadlines = [], []
        open_dl: dict[str, list] = {}
        day = discovered
        number = ""
        filed_on = decided_on = closed_on = None
        from_state = ""

        def open_deadline(key: str, start: dt.date, entry_id: int) -> None:
            d = due(key, start)
            rule = PERIOD_RULES[key]
            row = [self.next_id("deadline"), key, d.rule_id, rule.label, rule.bearer, start, d.enforced_date, d.act_by,
                   d.provisional, d.legal_basis, d.reason, None, case_id, None, entry_id]
            deadlines.append(row)
            open_dl[key] = row

        def close_deadline(entry_id: int, at: dt.datetime, *keys: str) -> None:
            for k in keys:
                row = open_dl.pop(k, None)
                if row is not None:
                    row[11], row[13] = at, entry_id

        for seq, action in enumerate(path, start=1):
            if seq > 1:
                lo, hi = GAP_DAYS[action]
                day = min(day + dt.timedelta(days=rng.randint(lo, hi)), now.date())
            at = dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randint(0, 480))
            sd, sd_json = step_data(action, fine, day if action in DATED else None,
                                    who if action == "record_interview" else 0)
            entry_id = self.next_id("entry")
            to_state = TARGET.get(action, from_state)
            entries.append((entry_id, seq, action, LABELS[action], from_state, to_state, at, day, sd_json,
                            "[]", "", self.admin_id, case_id))
            data[action] = {**sd, "on_date": day.isoformat(), "entry": seq}
            if action == "register":
                open_deadline("PEN-26", day, entry_id)
            elif action == "decline_filing":
                close_deadline(entry_id, at, "PEN-26")
            elif action == "file":
                key = (agency.pk, "case", day.year)
                self.seq[key] = self.seq.get(key, 0) + 1
                number = format_number(agency=agency, series="case", year=day.year, serial=self.seq[key])
                data["case_number"] = number
                filed_on = day
                close_deadline(entry_id, at, "PEN-26")
                open_deadline("PEN-34", day, entry_id)
            elif action == "propose":
                data["benchmark"] = {"tier": "general", "fine_min": "20000", "fine_max": "35000"}
            elif action == "serve_notice":
                open_deadline("PEN-20", day, entry_id)
            elif action == "decide":
                key = (agency.pk, "penalty_decision", day.year)
                self.seq[key] = self.seq.get(key, 0) + 1
                data["penalty_decision_number"] = format_number(agency=agency, series="penalty_decision",
                                                                year=day.year, serial=self.seq[key])
                decided_on = day
                close_deadline(entry_id, at, "PEN-34", "PEN-20")
                open_deadline("PEN-35", day, entry_id)
            elif action == "serve_decision":
                close_deadline(entry_id, at, "PEN-35")
                open_deadline("PEN-37", day, entry_id)
                data["pay_due"] = open_dl["PEN-37"][6].isoformat()
            elif action == "record_payment":
                data["payments"] = [{"amount": str(fine), "paid_on": day.isoformat(), "method": "bank",
                                     "entry": seq}]
                data["surcharge"] = "0"
                close_deadline(entry_id, at, "PEN-37")
            elif action == "close":
                closed_on = day
            from_state = to_state
        last_at = entries[-1][6]
        title = rng.choice(TITLES)
        street = f"{rng.choice(STREETS)}{rng.randint(1, 300)}号"
        occurred = discovered - dt.timedelta(days=rng.randint(1, 60))
        created = dt.datetime.combine(discovered, dt.time(8, 30), tzinfo=dt.UTC)
        case = (case_id, "penalty", "penalty_general", number, title, "inspection", "", f"当事人{title}。", street,
                occurred, None, discovered, state, json.dumps(data, ensure_ascii=False), len(path), filed_on,
                decided_on, closed_on, created, last_at, agency.pk, self.admin_id, lead, w["matter"])
        self.party_serial += 1
        if rng.random() < 0.7:
            shop = rng.choice(SHOPS)
            party = (self.next_id("party"), "organisation", f"{agency.region.name}{person_name(rng)}{shop}有限公司", "",
                     make_credit_code(agency.region.code, self.party_serial, dept="9"), person_name(rng), street, "",
                     created, case_id)
        else:
            birth = dt.date(1960 + rng.randint(0, 40), rng.randint(1, 12), rng.randint(1, 28))
            party = (self.next_id("party"), "person", person_name(rng), make_resident_id(
                agency.region.code, birth, rng.randint(0, 999)), "", "", street, f"138{rng.randint(0, 10**8 - 1):08d}",
                created, case_id)
        officers = [(self.next_id("officer"), "lead", True, False, created, case_id, lead),
                    (self.next_id("officer"), "co", True, False, created, case_id, co)]
        return {"case": [case], "entry": entries, "party": [party], "officer": officers,
                "deadline": [tuple(r) for r in deadlines]}


TABLES = {
    "case": ("cases_case", ["id", "kind", "procedure", "number", "title", "source", "source_detail", "facts", "place",
                            "occurred_on", "act_ended_on", "discovered_on", "state", "data", "version", "filed_on",
                            "decided_on", "closed_on", "created_at", "updated_at", "agency_id", "created_by_id",
                            "lead_officer_id", "matter_id"]),
    "entry": ("cases_statusentry", ["id", "seq", "action", "action_label", "from_state", "to_state", "at", "on_date",
                                    "data", "warnings", "reason", "actor_id", "case_id"]),
    "party": ("cases_party", ["id", "kind", "name", "id_number", "credit_code", "legal_representative", "address",
                              "phone", "created_at", "case_id"]),
    "officer": ("cases_caseofficer", ["id", "role", "no_conflict_declared", "recused", "added_at", "case_id",
                                      "officer_id"]),
    "deadline": ("cases_casedeadline", ["id", "key", "rule_id", "label", "bearer", "start", "due_on", "act_by",
                                        "provisional", "basis", "explanation", "closed_at", "case_id",
                                        "closed_by_id", "opened_by_id"]),
}
INSERT_ORDER = ["case", "entry", "party", "officer", "deadline"]


def _sqlite_value(v):
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def write_chunk(rows: dict[str, list[tuple]]) -> None:
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Fixture load: skip the per-row FK and append-only triggers (rows are consistent by
            # construction; nothing here updates or deletes). Superuser only; this transaction only.
            cur.execute("SET LOCAL session_replication_role = replica")
        for name in INSERT_ORDER:
            table, cols = TABLES[name]
            if connection.vendor == "postgresql":
                raw = cur.cursor if hasattr(cur, "cursor") else cur
                with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for r in rows[name]:
                        copy.write_row(r)
            else:
                marks = ", ".join("?" * len(cols))
                cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",
                                [tuple(_sqlite_value(v) for v in r) for r in rows[name]])


def drop_secondary_indexes() -> list[str]:
    """Empty PostgreSQL tables load faster without their plain (non-constraint) indexes; returns
    the statements that rebuild them after the load."""
    tables = [t for t, _ in TABLES.values()]
    with connection.cursor() as cur:
        cur.execute("""SELECT i.indexname, i.indexdef FROM pg_indexes i
                       WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                           SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""", [tables])
        found = cur.fetchall()
        for name, _ in found:
            cur.execute(f'DROP INDEX "{name}"')
    return [ddl for _, ddl in found]


def generate(w: dict) -> tuple[dict, dict]:
    """One worker: `cases` cases over its agencies, written in chunks of `chunk`."""
    gen = Generator(world=w["world"], admin_id=w["admin_id"], seed=w["seed"], start_ids=w["start_ids"],
                    sequences=dict(w["sequences"]), job=w["job"], jobs=w["jobs"])
    total, chunk = w["cases"], w["chunk"]
    now = dt.datetime.now(dt.UTC)
    first = dt.date(2023, 1, 1)
    span = (now.date() - dt.timedelta(days=1) - first).days
    t0 = time.perf_counter()
    totals = dict.fromkeys(INSERT_ORDER, 0)
    done = 0
    while done < total:
        n = min(chunk, total - done)
        # Discovery dates rise with the id, as they would in a live system.
        days = [first + dt.timedelta(days=int(span * (done + i) / total)) for i in range(n)]
        rows: dict[str, list] = {k: [] for k in INSERT_ORDER}
        for d in days:
            for k, v in gen.case(d, now).items():
                rows[k].extend(v)
        write_chunk(rows)
        for k in INSERT_ORDER:
            totals[k] += len(rows[k])
        done += n
        if done % (chunk * 10) == 0 or done == total:
            el = time.perf_counter() - t0
            log(f"worker {w['job']}: {done:,}/{total:,} cases ({done / el:,.0f}/s)")
    connection.close()
    return gen.seq, totals


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--agencies", type=int, default=100)
    ap.add_argument("--officers", type=int, default=8, help="officers per agency")
    ap.add_argument("--chunk", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (PostgreSQL only)")
    ap.add_argument("--force", action="store_true", help="append to a database that already holds cases")
    args = ap.parse_args()
    if connection.vendor != "postgresql":
        args.jobs = 1  # one SQLite writer
    call_command("migrate", verbosity=0)
    existing = Case.objects.count()
    if existing and not args.force:
        print(f"refusing: the database already holds {existing:,} cases (use --force to append)", file=sys.stderr)
        return 2
    log(f"database: {connection.vendor} {connection.settings_dict['NAME']}; {existing:,} cases before")
    random.seed(args.seed)
    admin, world = make_bench_world(agencies=args.agencies, officers_per_agency=args.officers)
    for w in world:  # region name/code without a query per case
        w["agency"] = Agency.objects.select_related("region").get(pk=w["agency"].pk)

    from django.db.models import Max

    from zhifa.cases.models import CaseDeadline, CaseOfficer, Party, StatusEntry

    start_ids = {"case": Case.objects.aggregate(m=Max("id"))["m"] or 0,
                 "entry": StatusEntry.objects.aggregate(m=Max("id"))["m"] or 0,
                 "party": Party.objects.aggregate(m=Max("id"))["m"] or 0,
                 "officer": CaseOfficer.objects.aggregate(m=Max("id"))["m"] or 0,
                 "deadline": CaseDeadline.objects.aggregate(m=Max("id"))["m"] or 0}
    sequences = {(s.agency_id, s.series, s.year): s.last for s in NumberSequence.objects.all()}
    dropped = drop_secondary_indexes() if connection.vendor == "postgresql" and not existing else []
    connection.close()  # each worker opens its own connection
    work = [dict(world=world, admin_id=admin.pk, seed=args.seed + existing, start_ids=start_ids,
                 sequences=sequences, job=j, jobs=args.jobs, cases=args.cases // args.jobs + (j < args.cases % args.jobs),
                 chunk=args.chunk) for j in range(args.jobs)]
    t0 = time.perf_counter()
    if args.jobs == 1:
        results = [generate(work[0])]
    else:
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            results = pool.map(generate, work)
    seqs: dict = {}
    totals = dict.fromkeys(INSERT_ORDER, 0)
    for r_seq, r_totals in results:
        for key, last in r_seq.items():  # a worker also carries the others' (unchanged) starting values
            seqs[key] = max(last, seqs.get(key, 0))
        for k in INSERT_ORDER:
            totals[k] += r_totals[k]
    done = totals["case"]
    with transaction.atomic():
        for (agency_id, series, year), last in seqs.items():
            NumberSequence.objects.update_or_create(agency_id=agency_id, series=series, year=year,
                                                    defaults={"last": last})
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for table, _ in TABLES.values():
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
    if connection.vendor == "postgresql":
        log(f"{done:,} cases loaded in {time.perf_counter() - t0:.0f} s; rebuilding {len(dropped)} indexes")
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            for ddl in dropped:
                cur.execute(ddl)
            for table, _ in TABLES.values():
                cur.execute(f"VACUUM ANALYZE {table}")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    el = time.perf_counter() - t0
    log(f"done: {done:,} cases in {el:.0f} s; rows " + ", ".join(f"{TABLES[k][0]} {v:,}" for k, v in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
