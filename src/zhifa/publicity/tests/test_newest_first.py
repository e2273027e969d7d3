"""The portal's newest-first probe on PostgreSQL (selectors.NewestFirstSearch) gives exactly the
pages the plain search gives, whether the page is found among the newest rows or not."""

import datetime as dt
import random

import pytest
from django.db import connection

from zhifa.core.search import search_text_for
from zhifa.publicity import selectors
from zhifa.publicity.models import Publication, Status

pytestmark = pytest.mark.django_db

TEXTS = ["销售过期食品，罚款。", "扬尘污染，罚款。", "从业人员健康管理制度未执行，警告。", "准予食品经营许可。"]
NAMES = ["江川市鑫源食品有限公司", "江川市宏达建材有限公司", "王某某", "江川市鑫源宏达商贸有限公司"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the probe is for PostgreSQL's planner")
def test_probe_pages_equal_the_plain_search(agency):
    rnd = random.Random(5)
    rows = []
    for i in range(60):
        text, name = rnd.choice(TEXTS), rnd.choice(NAMES)
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rnd.randrange(300))
        rows.append(Publication(
            agency=agency, source_label="test.decision", source_pk=str(i), category="penalty",
            decision_number=f"江市监罚〔2025〕{i}号", decided_on=day, effective_on=day, due_on=day, due_rule="PUB-03",
            status=Status.PUBLISHED if i % 7 else Status.DRAFT, party_name=name, party_kind="organisation",
            first_published_on=day, search_text=search_text_for(text, name)))
    Publication.objects.bulk_create(rows)
    empty = {"q": "", "party": "", "credit_code": "", "decision_number": "", "agency": None, "category": "",
             "date_from": None, "date_to": None}
    probed = fallback = 0
    for probe_rows in (8, 3000):  # a small probe misses some pages and must fall back
        for params in ({"q": "罚款"}, {"q": "健康管理"}, {"party": "鑫源"}, {"q": "食品", "party": "鑫源宏达"},
                       {"q": "扬尘", "date_from": dt.date(2025, 3, 1)}, {"q": "超标"}):  # 超标: no match
            full = {**empty, **params}
            search = selectors.NewestFirstSearch(full, probe_rows)
            plain = list(selectors.published_publications(**full).values_list("pk", flat=True))
            assert search.count() == len(plain)
            for start in (0, 3, 20):
                page = [p.pk for p in search[start:start + 3]]
                assert page == plain[start:start + 3], (params, probe_rows, start)
                if start + 3 <= probe_rows:
                    ids = search._probe(start + 3)
                    probed += len(ids) == start + 3
                    fallback += len(ids) < start + 3
    assert probed and fallback  # both ways were taken
