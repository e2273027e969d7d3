import io

import pytest

from zhifa.catalog import demo, selectors, services
from zhifa.catalog.demo_data import MATTERS
from zhifa.catalog.models import Matter
from zhifa.org.models import Agency, Region

pytestmark = pytest.mark.django_db


def test_demo_loads_each_body_power_list(client):
    region = Region.objects.create(code="360199", name="江川市", level=Region.Level.CITY)
    for i, name in enumerate(MATTERS):
        Agency.objects.create(name=name, credit_code=f"1136010000000{i:04d}X", region=region)
    out = io.StringIO()
    demo.load(stdout=out)
    for name, rows in MATTERS.items():
        assert 15 <= len(rows) <= 40
        agency = Agency.objects.get(name=name)
        assert selectors.published_matters(agency=agency).count() == len(rows)
        assert selectors.published_av_items(agency=agency).exists()
        assert selectors.published_major_criteria(agency=agency).exists()
        assert selectors.published_inspection_items(agency=agency).exists()
        assert name in client.get("/catalog/").content.decode()
    # real bases reach the portal and search finds them
    m = selectors.published_matter("JC-SJ-CF-001")
    assert "第一百二十二条" in client.get("/catalog/matters/JC-SJ-CF-001/").content.decode()
    assert m in selectors.published_matters(q="罚款")
    assert selectors.published_matters(q="油烟").filter(code="JC-CG-CF-010").exists()
    r = services.benchmark_apply(matter=m, circumstances={"goods_value": 20000, "aggravating": ["serious_harm"]})
    assert r.tier == "heavier" and r.range.maximum == 400000
    assert Matter.objects.filter(kind="penalty", tiers__isnull=True, fine_min__isnull=False).count() == 0


def test_demo_skips_without_agencies():
    out = io.StringIO()
    demo.load(stdout=out)
    assert "跳过" in out.getvalue() and not Matter.objects.exists()
