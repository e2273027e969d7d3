"""Every append-only table shown in the admin is read-only there (REC-03): the list opens, adding
and deleting are refused."""

from django.contrib import admin
from django.urls import reverse

from zhifa.core.admin import ReadOnlyAdmin


def test_append_only_admins_show_but_never_add(admin_client):
    read_only = [(m, a) for m, a in admin.site._registry.items() if isinstance(a, ReadOnlyAdmin)]
    assert len(read_only) >= 8
    for model, _ in read_only:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert admin_client.get(changelist).status_code == 200, changelist
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        assert admin_client.get(add).status_code == 403, add
