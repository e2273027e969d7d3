"""Demo reviews in each state on cases awaiting a decision."""

from __future__ import annotations

from django.core.management import call_command

from zhifa.review.models import Review

from .conftest import make_case


def test_demo_reviews_cover_every_state(world):
    cases = [make_case(world) for _ in range(6)]
    call_command("review_demo")
    statuses = dict(Review.objects.values_list("case_id", "status"))
    assert set(statuses) == {c.pk for c in cases}
    assert set(statuses.values()) == {"passed", "returned", "coordination", "assigned", "pending"}
    assert Review.objects.get(case=cases[3]).rounds == 2
    call_command("review_demo")  # idempotent: cases with a review are skipped
    assert Review.objects.count() == 6
