"""Audit of logins and role changes into `org.AuthEvent` (issue 2, item 5): every login, failed
login, lockout (django-axes), logout, and every group granted or revoked, however it happened
(admin, shell, service). Connected in OrgConfig.ready()."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from simple_history.models import HistoricalRecords

from zhifa.core.clientip import client_ip

from .models import AuthEvent
from .roles import forget_roles

K = AuthEvent.Kind


def _current_request():
    """The request being served, if any (simple-history's middleware keeps it), to name the actor."""
    return getattr(HistoricalRecords.context, "request", None)


def record(kind: str, *, user=None, username: str = "", request=None, actor=None, **detail) -> AuthEvent:
    if actor is None and request is not None:
        req_user = getattr(request, "user", None)
        actor = req_user if req_user is not None and req_user.is_authenticated else None
    return AuthEvent.objects.create(
        kind=kind, user=user, username=(username or (user.get_username() if user else ""))[:150],
        actor=actor, ip_address=client_ip(request), detail=detail,
    )


def on_login(sender, request, user, **kwargs):
    record(K.LOGIN, user=user, request=request, actor=user)


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(K.LOGOUT, user=user, request=request, actor=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username") or "")
    user = get_user_model().objects.filter(username=username).first() if username else None
    record(K.LOGIN_FAILED, user=user, username=username, request=request, actor=None)


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    user = get_user_model().objects.filter(username=username).first() if username else None
    record(K.LOCKED_OUT, user=user, username=username or "", request=request, actor=None)


def on_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """User.groups changed, from either side (user.groups.add / group.user_set.add)."""
    if not reverse and action.startswith("post_"):
        forget_roles(instance)  # the roles cached on this user object (org.roles.user_roles)
    if action == "pre_clear":
        related = instance.user_set if reverse else instance.groups
        instance._zhifa_cleared_pks = set(related.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear":
        pk_set = getattr(instance, "_zhifa_cleared_pks", set())
    if not pk_set:
        return
    kind = K.ROLE_GRANTED if action == "post_add" else K.ROLE_REVOKED
    request = _current_request()
    User = get_user_model()
    if reverse:  # instance is a Group, pk_set are users
        pairs = [(user, instance) for user in User.objects.filter(pk__in=pk_set)]
    else:
        pairs = [(instance, group) for group in Group.objects.filter(pk__in=pk_set)]
    for user, group in pairs:
        record(kind, user=user, request=request, role=group.name)


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="zhifa.org.audit.login")
    user_logged_out.connect(on_logout, dispatch_uid="zhifa.org.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="zhifa.org.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="zhifa.org.audit.locked_out")
    m2m_changed.connect(on_groups_changed, sender=get_user_model().groups.through,
                        dispatch_uid="zhifa.org.audit.groups")
