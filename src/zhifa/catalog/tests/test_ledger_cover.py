import pytest

from zhifa.catalog import services
from zhifa.core.canonical import row_digest
from zhifa.ledger.models import Entry

from .conftest import TIERS, make_penalty_matter, publish

pytestmark = pytest.mark.django_db


def test_every_covered_row_still_hashes_the_same_after_edits(agency, admin_user, food_basis):
    m = make_penalty_matter(agency, admin_user, food_basis)
    services.matter_update(matter=m, actor=admin_user, tiers=TIERS[1:], name="改过的名称")  # tiers replaced
    publish(m, admin_user)
    m2 = services.matter_new_version(matter=m, actor=admin_user, reason="修法")
    publish(m2, admin_user)
    services.setting_set(key="legal_review_days", value=15, agency=agency, actor=admin_user)
    entries = list(Entry.objects.filter(kind__startswith="matter") | Entry.objects.filter(kind__startswith="catalog"))
    assert len(entries) >= 9
    for e in entries:
        for cover in e.covers:
            assert row_digest(cover["row"], cover["pk"]) == cover["hash"], (e.kind, cover["row"])
