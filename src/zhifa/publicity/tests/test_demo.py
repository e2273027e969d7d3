import io

import pytest

from zhifa.org.models import Agency, Region
from zhifa.publicity import demo, selectors
from zhifa.publicity.models import Publication, Status

pytestmark = pytest.mark.django_db


def test_demo_publications_reach_the_portal_redacted(client):
    region = Region.objects.create(code="369100", name="江川市", level=Region.Level.CITY)
    for i, name in enumerate((demo.MARKET, demo.ENV, demo.CITY)):
        Agency.objects.create(name=name, credit_code=f"1136910000000{i:04d}X", region=region)
    demo.load(stdout=io.StringIO())
    assert selectors.published_publications().count() == 5
    assert Publication.objects.filter(status=Status.WITHDRAWN).count() == 1
    assert Publication.objects.filter(status=Status.DRAFT).count() == 1
    assert Publication.objects.filter(corrected=1).count() == 1
    page = client.get("/publicity/").content.decode()
    assert "陈某某" in page and "陈小红" not in page
    for pub in Publication.objects.all():
        detail = client.get(f"/publicity/d/{pub.pk}/").content.decode()
        assert "13907991234" not in detail and "13907995678" not in detail and "陈小红" not in detail
