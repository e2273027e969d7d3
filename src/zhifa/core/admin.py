"""Admin for the working-day calendar: every change goes through the calendar services, so each
one has a history row and a ledger entry (TIME-08)."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import calendar
from .errors import DomainError
from .models import CalendarYear, WorkCalendarDay

class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records (REC-03) in the admin: shown, never added, changed or deleted there;
    corrections go through the owning app's services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WorkCalendarDayForm(forms.ModelForm):
    class Meta:
        model = WorkCalendarDay
        fields = ["date", "kind", "name", "statutory", "source", "published_at"]

    def clean(self):
        data = super().clean()
        day = data.get("date") or self.instance.date
        if day and data.get("kind"):
            try:
                calendar.calendar_day_check(date=day, kind=data["kind"])
            except DomainError as exc:
                raise exc.as_validation_error() from exc
        return data


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(SimpleHistoryAdmin):
    form = WorkCalendarDayForm
    list_display = ["date", "kind", "name", "statutory", "source"]
    list_filter = ["kind", "statutory", "source"]
    search_fields = ["name", "date"]
    date_hierarchy = "date"

    def get_readonly_fields(self, request, obj=None):
        return ["date"] if obj else []  # a different date is a different row

    def save_model(self, request, obj, form, change):
        d = form.cleaned_data
        saved = calendar.calendar_day_set(date=d.get("date") or obj.date, kind=d["kind"], name=d["name"], statutory=d["statutory"],
                                          source=d["source"] or "admin", published_at=d["published_at"],
                                          actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        calendar.calendar_day_clear(date=obj.date, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            calendar.calendar_day_clear(date=obj.date, actor=request.user)


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "source", "notice_date"]

    def clean(self):
        data = super().clean()
        year = data.get("year") or getattr(self.instance, "year", None)
        if year and not WorkCalendarDay.objects.filter(date__year=year, kind=WorkCalendarDay.Kind.HOLIDAY).exists():
            raise forms.ValidationError(f"请先录入{year}年的放假安排，再标记为已公布（TIME-08）。")
        return data


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    """Saving a year here announces it (国务院办公厅 notice): its deadlines stop being provisional."""

    form = CalendarYearForm
    list_display = ["year", "status", "source", "notice_date"]
    list_filter = ["status"]
    readonly_fields = ["status"]

    def save_model(self, request, obj, form, change):
        d = form.cleaned_data
        saved = calendar.calendar_year_announce(year=d.get("year") or obj.year, source=d["source"],
                                                notice_date=d["notice_date"], actor=request.user)
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False
