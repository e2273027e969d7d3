"""The one error type services raise for refused input or refused actions.

Every entry point (form, API, admin, command) shows `message` (Chinese, names the field and the
rule) and, where one applies, the RULES id. The API answers 4xx with
{"code", "message", "rule", "fields"} (DESIGN.md "Bad input").
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A refusal with a stable `code`, a Chinese `message`, the RULES id and per-field messages."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        rule: str | None = None,
        fields: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.rule = rule
        self.fields = fields or {}
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "rule": self.rule, "fields": self.fields}

    def as_validation_error(self) -> ValidationError:
        """For Django forms and the admin: per-field errors where we have them."""
        if self.fields:
            return ValidationError({k: ValidationError(v, code=self.code) for k, v in self.fields.items()})
        return ValidationError(self.message, code=self.code)

    @classmethod
    def from_validation_error(cls, exc: ValidationError, *, rule: str | None = None) -> DomainError:
        if hasattr(exc, "error_dict"):
            fields = {k: "；".join(m for e in v for m in e.messages) for k, v in exc.error_dict.items()}
            message = "；".join(f"{v}" for v in fields.values())
            return cls(message, code="invalid", rule=rule, fields=fields)
        return cls("；".join(exc.messages), code="invalid", rule=rule)


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str = "未找到所请求的对象。", **kw) -> None:
        super().__init__(message, code=kw.pop("code", "not_found"), **kw)


class PermissionDeniedError(DomainError):
    status = 403

    def __init__(self, message: str = "您无权执行此操作。", **kw) -> None:
        super().__init__(message, code=kw.pop("code", "forbidden"), **kw)


class Conflict(DomainError):
    """A refused move in a procedure: the API answers 409 with the rule id."""

    status = 409

    def __init__(self, message: str, **kw) -> None:
        super().__init__(message, code=kw.pop("code", "conflict"), **kw)
