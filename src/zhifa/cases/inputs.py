"""Declared inputs of a case step. Each transition lists the fields it takes; `clean_input` turns
raw form or JSON values into Python values and refuses bad input with a Chinese message naming the
field, before anything is written. The officer UI renders its forms from the same declarations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from zhifa.core.errors import DomainError


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    # text | textarea | date | decimal | int | bool | choice | multichoice | officers | evidence
    # (officers: ids of the case team; evidence: numbers of the case's evidence items, PEN-21)
    type: str = "text"
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    min_value: Decimal | int | None = None
    extra: dict = field(default_factory=dict)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _convert(f: Field, value: Any) -> Any:
    if f.type in ("text", "textarea"):
        return str(value).strip()
    if f.type == "date":
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError("日期格式应为 YYYY-MM-DD") from None
    if f.type == "decimal":
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("应为数字") from None
        if not number.is_finite():
            raise ValueError("应为数字")
        if f.min_value is not None and number < Decimal(str(f.min_value)):
            raise ValueError(f"不得小于{f.min_value}")
        return str(number.quantize(Decimal("0.01")))
    if f.type == "int":
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError("应为整数") from None
        if f.min_value is not None and number < int(f.min_value):
            raise ValueError(f"不得小于{f.min_value}")
        return number
    if f.type == "bool":
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "on", "yes", "是")
    if f.type == "choice":
        allowed = {k for k, _ in f.choices}
        if str(value) not in allowed:
            raise ValueError("不是可选的值")
        return str(value)
    if f.type == "evidence":
        values = value if isinstance(value, (list, tuple)) else [v for v in str(value).split(",") if v.strip()]
        try:
            numbers = sorted({int(str(v).strip()) for v in values})
        except (TypeError, ValueError):
            raise ValueError("应为本案证据编号") from None
        if any(n < 1 for n in numbers):
            raise ValueError("应为本案证据编号")
        return numbers
    if f.type in ("multichoice", "officers"):
        values = value if isinstance(value, (list, tuple)) else [v for v in str(value).split(",") if v.strip()]
        if f.type == "officers":
            try:
                return sorted({int(v) for v in values})
            except (TypeError, ValueError):
                raise ValueError("应为执法人员编号") from None
        allowed = {k for k, _ in f.choices}
        bad = [str(v) for v in values if str(v) not in allowed]
        if bad:
            raise ValueError(f"不是可选的值：{'、'.join(bad)}")
        return [str(v) for v in values]
    raise ValueError(f"未知字段类型 {f.type}")


def clean_input(fields: tuple[Field, ...], raw: dict | None, *, rule: str | None = None) -> dict:
    """Values for the declared fields only; unknown keys are ignored. Raises DomainError (400)
    naming every bad field."""
    raw = raw or {}
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        value = raw.get(f.name)
        if _blank(value) and f.type != "bool":  # an unticked box is False, not missing
            if f.required:
                errors[f.name] = f"{f.label}：必须填写"
            continue
        try:
            out[f.name] = _convert(f, value)
        except ValueError as exc:
            errors[f.name] = f"{f.label}：{exc}"
            continue
        if f.type == "bool" and f.required and not out[f.name]:
            errors[f.name] = f"{f.label}：必须确认"  # a required checkbox is a confirmation
    if errors:
        raise DomainError("输入有误：" + "；".join(errors.values()), code="invalid", rule=rule, fields=errors)
    return out
