"""Roles (Django groups, DESIGN.md "Who uses it") and the agencies a user may see.

Scope: a user sees their own agency and its subordinate bodies; a supervisor (监督人员) also sees
every agency in their supervised region and the regions below it; system administrators and
superusers see all."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import QuerySet

from zhifa.core.sql import placeholders

from .models import Agency, Region

OFFICER = "执法人员"
REVIEWER = "法制审核人员"
HEAD = "机关负责人"
PUBLICITY = "公示管理员"
ARCHIVIST = "档案管理员"
SUPERVISOR = "监督人员"
ADMIN = "系统管理员"

ALL_ROLES = (OFFICER, REVIEWER, HEAD, PUBLICITY, ARCHIVIST, SUPERVISOR, ADMIN)
# Roles that must pass TOTP when settings.ZHIFA_REQUIRE_2FA is on (issue 2, item 5).
TWO_FACTOR_ROLES = frozenset({REVIEWER, HEAD, ADMIN})


def ensure_groups() -> dict[str, Group]:
    """Create the seven role groups if missing; returns them by name."""
    return {name: Group.objects.get_or_create(name=name)[0] for name in ALL_ROLES}


ROLES_CACHE = "_zhifa_roles"


def user_roles(user) -> set[str]:
    """The user's roles, read once per user object (a request's `request.user` is a fresh object
    each request). Like Django's own permission cache on the user; `user.groups.add/remove/clear`
    drops it (org.signals), and a user re-read from the database starts without it."""
    if not (user and user.is_authenticated and user.is_active):
        return set()
    cached = getattr(user, ROLES_CACHE, None)
    if cached is None:
        cached = frozenset(_group_names(user.pk)) & frozenset(ALL_ROLES)
        setattr(user, ROLES_CACHE, cached)
    return set(cached)


def _group_names(user_id: int) -> list[str]:
    """The names of the user's groups. Plain SQL: asked on every request, where the ORM's join took
    several times longer to compile than to run."""
    qn = connection.ops.quote_name
    link = get_user_model().groups.through._meta
    with connection.cursor() as cur:
        cur.execute(f"SELECT g.name FROM {qn(Group._meta.db_table)} g JOIN {qn(link.db_table)} ug"
                    f" ON ug.{qn(link.get_field('group').column)} = g.id"
                    f" WHERE ug.{qn(link.get_field('user').column)} = %s", [user_id])
        return [name for (name,) in cur.fetchall()]


def forget_roles(user) -> None:
    if hasattr(user, ROLES_CACHE):
        delattr(user, ROLES_CACHE)


def has_role(user, role: str) -> bool:
    return role in user_roles(user)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or has_role(user, ADMIN)))


def needs_two_factor(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user_roles(user) & TWO_FACTOR_ROLES))


def _descendants(model, root_ids: set[int]) -> set[int]:
    """The ids of the roots and everything below them through `parent` (breadth first, cycle-safe)."""
    seen, frontier = set(root_ids), set(root_ids)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cur:
        while frontier:
            # plain SQL: every API request asks (the caller's scope), the ORM cost 5x the answer
            ids = sorted(frontier)
            cur.execute(f"SELECT id FROM {table} WHERE parent_id IN ({placeholders(ids)})", ids)
            frontier = {pk for (pk,) in cur.fetchall()} - seen
            seen |= frontier
    return seen


def agency_ids_visible_to(user) -> set[int] | None:
    """The ids of the agencies `user` may see; None: all of them (admins)."""
    if not (user and user.is_authenticated and user.is_active):
        return set()
    if is_admin(user):
        return None
    ids: set[int] = set()
    if user.agency_id:
        ids |= _descendants(Agency, {user.agency_id})
    if user.supervised_region_id and has_role(user, SUPERVISOR):
        regions = _descendants(Region, {user.supervised_region_id})
        ids |= set(Agency.objects.filter(region_id__in=regions).values_list("pk", flat=True))
    return ids


def agencies_visible_to(user) -> QuerySet[Agency]:
    ids = agency_ids_visible_to(user)
    return Agency.objects.all() if ids is None else Agency.objects.filter(pk__in=ids)
