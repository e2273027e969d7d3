"""How amounts and dates are written in enforcement documents."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_BIG_UNITS = ["", "万", "亿", "万亿"]


def _four_digits(n: int) -> str:
    """0 < n < 10000 → e.g. 1005 → 壹仟零伍."""
    out, zero = "", False
    for pos in range(3, -1, -1):
        d = n // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + _SMALL_UNITS[pos]
    return out


def _integer_upper(n: int) -> str:
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    need_zero = False
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or g < 1000):
            out += "零"
        out += _four_digits(g) + _BIG_UNITS[i]
        need_zero = False
    return out


def to_decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def rmb_upper(amount) -> str:
    """人民币大写: 50000 → 伍万元整; 1234.56 → 壹仟贰佰叁拾肆元伍角陆分; 0.05 → 伍分."""
    value = to_decimal(amount)
    if value is None or value < 0:
        raise ValueError("amount must be a non-negative number")
    fen_total = int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    yuan, fen = divmod(fen_total, 100)
    jiao, fen = divmod(fen, 10)
    out = ""
    if yuan:
        out = _integer_upper(yuan) + "元"
    if not jiao and not fen:
        return (out or "零元") + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    return out


def money(amount) -> str:
    """罚款人民币伍万元整（¥50,000.00）."""
    value = to_decimal(amount)
    if value is None:
        return ""
    return f"人民币{rmb_upper(value)}（¥{value.quantize(Decimal('0.01')):,}）"


def cn_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日{value.hour}时{value.minute:02d}分"
    return f"{value.year}年{value.month}月{value.day}日"
