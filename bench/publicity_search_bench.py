"""Portal search of published decisions (issue 8, Performance): p95 per search-form field, with
concurrent clients, over BENCH_PUBLICATIONS published decisions (100,000 on SQLite by default;
the target is 1,000,000 on PostgreSQL, p95 < 100 ms).

    SQLite:      /work/main/.venv/bin/python bench/publicity_search_bench.py
    PostgreSQL:  BENCH_PUBLICATIONS=1000000 DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhifa_bench \
                 /work/main/.venv/bin/python bench/publicity_search_bench.py

By default it builds a throw-away test database (never the one DATABASE_URL names), fills it with
published publication headers whose search_text comes from core.search (FTS5 triggers / GIN index as
in the migrations), then BENCH_CLIENTS threads, each with its own test client and database
connection, request the whole /publicity/ page (selector + capped count + template) for each field:
full text (a two-character term and a longer one), party name, credit code, decision number,
agency, category and a date range. BENCH_RUNS requests per field and client.

BENCH_DB=<database url> (e.g. sqlite:////tmp/pubbench.sqlite3 or postgres://…/pubbench) keeps the
data in that database instead: it is migrated and filled once, and later runs reuse it.
BENCH_SERVER_PORT=<port> (with BENCH_DB) serves it with granian (2 WSGI workers, DEBUG off, as in
production) and the client threads talk HTTP to it, so the server's two processes are measured
rather than threads sharing one interpreter's lock.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import subprocess
import urllib.parse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.conf.test")
os.environ.setdefault("AXES_ENABLED", "false")
os.environ.setdefault("ZHIFA_LOG_LEVEL", "WARNING")
os.environ.setdefault("ZHIFA_PORTAL_CACHE_SECONDS", "60")  # as in production (the test settings turn it off)  # no console line per request in the timings
KEEP_DB = os.environ.get("BENCH_DB", "")
if KEEP_DB:
    os.environ["DATABASE_URL"] = KEEP_DB

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

N = int(os.environ.get("BENCH_PUBLICATIONS", "100000"))
PORT = int(os.environ.get("BENCH_SERVER_PORT", "0"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
RUNS = int(os.environ.get("BENCH_RUNS", "25"))
TARGET_MS = 100

PLACES = ["江川", "清河", "云岭", "滨江", "东湖", "南岭", "西山", "北塘", "新港", "青石"]
WORDS = ["鑫源", "宏达", "华泰", "恒通", "金穗", "永利", "德盛", "佳美", "瑞丰", "广汇", "天成", "明辉", "福满", "兴旺",
         "众诚", "立信", "安康", "嘉禾", "百味", "顺发"]
TRADES = ["食品", "建材", "餐饮", "商贸", "科技", "物流", "医药", "超市", "酒店", "汽车维修", "印刷", "化工"]
CASES = [
    ("penalty", "销售超过保质期的食品，没收违法所得并处罚款。", "《中华人民共和国食品安全法》第一百二十四条", "罚款"),
    ("penalty", "未取得食品经营许可从事食品经营活动，罚款。", "《中华人民共和国食品安全法》第一百二十二条", "罚款"),
    ("penalty", "露天堆放物料未采取覆盖措施，造成扬尘污染，罚款。", "《中华人民共和国大气污染防治法》第一百零八条", "罚款"),
    ("penalty", "超过大气污染物排放标准排放污染物，责令改正并处罚款。", "《中华人民共和国大气污染防治法》第九十九条", "罚款"),
    ("penalty", "发布虚假广告，责令停止发布并处罚款。", "《中华人民共和国广告法》第五十五条", "罚款"),
    ("penalty", "未按规定建立并执行从业人员健康管理制度，警告并处罚款。", "《中华人民共和国食品安全法》第一百二十六条", "警告、罚款"),
    ("licensing", "准予食品经营许可。", "《中华人民共和国食品安全法》第三十五条", ""),
    ("licensing", "准予排污许可。", "《排污许可管理条例》第十四条", ""),
    ("coercion", "对涉嫌违法的物品予以查封。", "《中华人民共和国行政强制法》第二十二条", ""),
    ("inspection", "随机抽查未发现问题。", "《市场监督管理行政处罚程序规定》", ""),
]


def _light_tokens(*parts: str) -> str:
    """CJK bigrams and ASCII tokens (what search_text_for adds besides jieba's words), for the
    per-row unique parts, so building a million rows does not run jieba a million times."""
    from zhifa.core.search import _ASCII_TOKEN, _CJK_RUN, _bigrams

    raw = " ".join(parts)
    tokens = dict.fromkeys(g for run in _CJK_RUN.findall(raw) for g in [*_bigrams(run), run[-1]])
    tokens.update(dict.fromkeys(t.lower() for t in _ASCII_TOKEN.findall(raw)))
    return " ".join(tokens)


def build() -> dict:
    from functools import lru_cache

    from zhifa.core.search import search_text_for
    from zhifa.org.identity_fixtures import make_credit_code
    from zhifa.org.models import Agency, Region
    from zhifa.publicity.models import Category, Publication, Status

    rnd = random.Random(8)
    region = Region.objects.create(code="369100", name="基准市", level=Region.Level.CITY)
    agencies = [Agency.objects.create(name=f"基准市第{i}执法局", credit_code=f"11369100BENCH{i:04d}X", region=region)
                for i in range(30)]
    case_text = [search_text_for(Category(c).label, conclusion, basis, penalty) for c, conclusion, basis, penalty in CASES]
    agency_text = {a.pk: search_text_for(a.name) for a in agencies}
    name_text = lru_cache(maxsize=None)(search_text_for)
    start = dt.date(2021, 1, 1)
    sample = {"party": [], "credit_code": [], "decision_number": []}
    batch = []
    for i in range(N):
        agency = agencies[rnd.randrange(len(agencies))]
        c = rnd.randrange(len(CASES))
        person = rnd.random() < 0.3
        if person:
            name = rnd.choice("王李张刘陈杨赵黄周吴") + "某某"
            code = ""
        else:
            name = f"{rnd.choice(PLACES)}市{rnd.choice(WORDS)}{rnd.choice(WORDS)}{rnd.choice(TRADES)}有限公司"
            code = make_credit_code("369100", i, dept="9", kind="1")
        number = f"基执{agency.pk}〔{2021 + i % 6}〕{i}号"
        decided = start + dt.timedelta(days=rnd.randrange(2000))
        batch.append(Publication(
            agency=agency, source_label="bench.decision", source_pk=str(i), category=CASES[c][0],
            decision_number=number, decided_on=decided, effective_on=decided, party_kind="person" if person else
            "organisation", due_on=decided, due_rule="PUB-03", status=Status.PUBLISHED, party_name=name,
            credit_code=code, first_published_on=decided,
            search_text=" ".join((case_text[c], agency_text[agency.pk], name_text(name), _light_tokens(code, number))),
        ))
        if i % 997 == 0 and not person:
            sample["party"].append(name[3:9])
            sample["credit_code"].append(code)
            sample["decision_number"].append(number)
        if len(batch) == 5000:
            Publication.objects.bulk_create(batch)
            batch = []
    Publication.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE publicity_publication")
    sample["agency"] = [a.pk for a in agencies]
    return sample


def sample_of_existing() -> dict:
    """The same kind of sample `build` returns, read from a database it filled earlier."""
    from zhifa.publicity.models import Publication

    rows = list(Publication.objects.exclude(credit_code="").order_by("id")
                .values_list("party_name", "credit_code", "decision_number")[::997][:200])
    return {"party": [r[0][3:9] for r in rows], "credit_code": [r[1] for r in rows],
            "decision_number": [r[2] for r in rows],
            "agency": sorted(set(Publication.objects.values_list("agency_id", flat=True).distinct()))}


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "zhifa.conf.dev",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    granian = os.path.join(os.path.dirname(sys.executable), "granian")
    log = f"/tmp/publicity_bench_granian_{port}.log"
    # DEBUG off serves static files from the manifest, as in production: collect them first.
    subprocess.run([sys.executable, "-m", "django", "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    proc = subprocess.Popen(
        [granian, "--interface", "wsgi", "--workers", "2", "--blocking-threads", "1", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "zhifa.wsgi:application"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/publicity/?q=" + urllib.parse.quote("罚款"))
            if c.getresponse().read():
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"granian did not answer on port {port}; see {log}")


class HttpClient:
    """The test client's get(), over HTTP with keep-alive."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str, params: dict):
        self.conn.request("GET", path + "?" + urllib.parse.urlencode(params))
        r = self.conn.getresponse()
        r.read()
        return r


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def queries(sample: dict, rnd: random.Random) -> dict:
    def date_range():
        d = dt.date(2021, 1, 1) + dt.timedelta(days=rnd.randrange(1900))
        return {"date_from": d.isoformat(), "date_to": (d + dt.timedelta(days=30)).isoformat()}

    return {
        "全文（两字：罚款）": lambda: {"q": "罚款"},
        "全文（两字随机）": lambda: {"q": rnd.choice(["食品", "扬尘", "广告", "许可", "查封", "排污", "健康", "超标"])},
        "全文（长词）": lambda: {"q": rnd.choice(["超过保质期", "大气污染物排放", "从业人员健康管理"])},
        "当事人名称": lambda: {"party": rnd.choice(sample["party"])},
        "统一社会信用代码": lambda: {"credit_code": rnd.choice(sample["credit_code"])},
        "决定文号": lambda: {"decision_number": rnd.choice(sample["decision_number"])},
        "执法主体": lambda: {"agency": rnd.choice(sample["agency"])},
        "执法类别": lambda: {"category": rnd.choice(["penalty", "licensing", "coercion", "inspection"])},
        "决定日期范围": date_range,
    }


def worker(seed: int, sample: dict, results: dict, lock: threading.Lock, barrier: threading.Barrier) -> None:
    rnd = random.Random(seed)
    client = HttpClient(PORT) if PORT else Client()
    fields = queries(sample, rnd)
    mine: dict[str, list[float]] = {k: [] for k in fields}
    try:
        client.get("/publicity/", {"q": "罚款"})  # warm-up
        barrier.wait()
        for _ in range(RUNS):
            for label, make in fields.items():
                params = make()
                # The page, then the count it loads afterwards (htmx), each measured on its own line.
                for path, line in (("/publicity/", label), ("/publicity/count/", label + " · 条数")):
                    t = time.perf_counter()
                    r = client.get(path, params)
                    mine.setdefault(line, []).append((time.perf_counter() - t) * 1000)
                    status = getattr(r, "status_code", None) or r.status
                    assert status == 200, (line, params, status)
    finally:
        connections.close_all()
    with lock:
        for k, v in mine.items():
            results.setdefault(k, []).extend(v)


def measure(sample: dict) -> None:
    results: dict[str, list[float]] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)
    threads = [threading.Thread(target=worker, args=(i, sample, results, lock, barrier)) for i in range(CLIENTS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    total = sum(len(v) for v in results.values())
    print(f"{total} requests in {wall:.1f} s ({total / wall:.0f} req/s); load average {os.getloadavg()[0]:.1f}")
    worst = 0.0
    for label, xs in results.items():
        p95 = pct(xs, 95)
        worst = max(worst, p95)
        print(f"  {label:<16} n={len(xs)} p50={statistics.median(xs):6.1f} ms  p95={p95:6.1f} ms  "
              f"max={max(xs):6.1f} ms")
    expected = 2 * CLIENTS * RUNS * len(queries(sample, random.Random(0)))  # each page and its count
    if total != expected:
        print(f"FAIL: {expected - total} of {expected} requests did not complete (see the errors above)")
    else:
        print(f"PASS: every field p95 < {TARGET_MS} ms" if worst < TARGET_MS else
              f"FAIL: worst p95 {worst:.1f} ms >= {TARGET_MS} ms")


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    if KEEP_DB:
        from django.core.management import call_command

        from zhifa.publicity.models import Publication

        call_command("migrate", verbosity=0)
        have = Publication.objects.filter(source_label="bench.decision").count()
        if have and have != N:
            raise SystemExit(f"{KEEP_DB} holds {have} bench publications, not {N}: use another BENCH_DB")
        t0 = time.perf_counter()
        sample = sample_of_existing() if have else build()
        print(f"database: {connection.vendor} ({KEEP_DB}); {N} published decisions "
              f"{'reused' if have else f'built in {time.perf_counter() - t0:.0f} s'}; "
              f"{CLIENTS} concurrent clients × {RUNS} requests per field; "
              f"{f'granian on port {PORT}, 2 workers' if PORT else 'test clients in this process'}")
        connection.close()
        server = start_server(PORT) if PORT else None
        try:
            measure(sample)
        finally:
            if server:
                server.terminate()
                server.wait(10)
        return
    if PORT:
        raise SystemExit("BENCH_SERVER_PORT needs BENCH_DB (the server must see the data)")
    if connection.vendor == "sqlite":
        tmp = tempfile.mkdtemp(prefix="zhifa-bench-")
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(Path(tmp) / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t0 = time.perf_counter()
        sample = build()
        print(f"database: {connection.vendor}; {N} published decisions built in {time.perf_counter() - t0:.0f} s; "
              f"{CLIENTS} concurrent clients × {RUNS} requests per field")
        connection.close()
        measure(sample)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
