"""What a file is: the declared type and extension against what its first bytes say (python-magic),
and the media details of audio, video and images (pymediainfo). Refusals name the field (R8: a
complete, trustworthy data chain starts with refusing a file that is not what it claims)."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

import magic

from zhifa.core.errors import DomainError

# A family groups types that may legitimately be confused with one another (an .m4a is often
# detected as video/mp4; a .docx is a zip).
_FAMILY_BY_PREFIX = (("image/", "image"), ("audio/", "av"), ("video/", "av"), ("text/", "text"))
_FAMILY_EXACT = {
    "application/pdf": "pdf",
    "application/zip": "office",
    "application/msword": "office",
    "application/vnd.ms-excel": "office",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "office",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "office",
    "application/vnd.ms-office": "office",
    "application/ogg": "av",
    "application/x-matroska": "av",
    "application/vnd.rn-realmedia": "av",
    "application/json": "text",
    "application/xml": "text",
    "application/octet-stream": "binary",
}

FAMILY_LABELS = {"image": "图片", "av": "音视频", "text": "文本", "pdf": "PDF 文件", "office": "办公文档",
                 "binary": "未知二进制文件"}

# Which families each evidence kind accepts (Evidence.Kind values).
KIND_FAMILIES = {
    "photo": {"image"},
    "audio": {"av"},
    "video": {"av"},
    "scan": {"image", "pdf"},
    "document": {"pdf", "office", "text", "image"},
    "other": None,  # anything, provided declared type, extension and content agree
}


def family(mime: str) -> str:
    mime = (mime or "").split(";")[0].strip().lower()
    if mime in _FAMILY_EXACT:
        return _FAMILY_EXACT[mime]
    for prefix, fam in _FAMILY_BY_PREFIX:
        if mime.startswith(prefix):
            return fam
    return mime or "binary"


def detect(head: bytes) -> str:
    return magic.from_buffer(head, mime=True) if head else "application/x-empty"


def check_declared(*, file_name: str, declared_type: str, kind: str, rule: str = "REC-03") -> str:
    """Before any byte is read: the declared type, the extension and the evidence kind agree.
    Returns the declared family."""
    declared_type = (declared_type or "").split(";")[0].strip().lower()
    if not declared_type or declared_type == "application/octet-stream":
        guessed = mimetypes.guess_type(file_name)[0]
        declared_type = guessed or "application/octet-stream"
    declared = family(declared_type)
    guessed = mimetypes.guess_type(file_name)[0]
    ext = PurePath(file_name).suffix.lower()
    if guessed and family(guessed) != declared:
        raise DomainError(
            f"文件“{file_name}”的扩展名 {ext} 表示{FAMILY_LABELS.get(family(guessed), guessed)}，"
            f"与申报的类型 {declared_type} 不符，已拒收，未保存任何内容（规则 {rule}）。",
            code="type_mismatch", rule=rule, fields={"file": "扩展名与申报类型不符"})
    allowed = KIND_FAMILIES.get(kind)
    if allowed is not None and declared not in allowed:
        want = "、".join(FAMILY_LABELS.get(f, f) for f in sorted(allowed))
        raise DomainError(
            f"载体为“{kind_label(kind)}”的证据应为{want}，而文件“{file_name}”申报为 {declared_type}，已拒收（规则 {rule}）。",
            code="type_mismatch", rule=rule, fields={"kind": "载体与文件类型不符"})
    return declared_type


def kind_label(kind: str) -> str:
    from .models import Evidence

    return dict(Evidence.Kind.choices).get(kind, kind)


def head_checker(*, file_name: str, declared_type: str, rule: str = "REC-03"):
    """A `check_head` for filestore_ingest: the content's first bytes must be of the declared family."""

    def check(head: bytes) -> None:
        detected = detect(head)
        if family(declared_type) == "binary":  # nothing specific was claimed (kind "other" only)
            return
        if family(detected) != family(declared_type):
            raise DomainError(
                f"文件“{file_name}”的内容经检测为 {detected}，与申报的类型 {declared_type} 不符，"
                f"已拒收，未保存任何内容（规则 {rule}）。",
                code="type_mismatch", rule=rule, fields={"file": "文件内容与申报类型不符"})
    return check


def media_details(path: str) -> dict:
    """Duration and technical details of audio, video and images (pymediainfo reads the headers
    only, so a 2 GB video costs milliseconds). Unknown formats give {}."""
    from pymediainfo import MediaInfo

    try:
        info = MediaInfo.parse(path)
    except Exception:  # noqa: BLE001 — a file mediainfo cannot read simply has no media details
        return {}
    out: dict = {}
    tracks = []
    for t in info.tracks:
        if t.track_type == "General":
            if t.duration:
                out["duration_ms"] = int(float(t.duration))
            for src, dst in (("format", "format"), ("encoded_date", "encoded_date"),
                             ("tagged_date", "tagged_date"), ("recorded_date", "recorded_date"),
                             ("xyz", "location")):
                value = getattr(t, src, None)
                if value:
                    out[dst] = str(value)
        elif t.track_type in ("Video", "Audio", "Image"):
            track = {"type": t.track_type.lower()}
            for name in ("format", "width", "height", "frame_rate", "channel_s", "sampling_rate", "bit_rate",
                         "duration"):
                value = getattr(t, name, None)
                if value not in (None, ""):
                    track[name] = value if isinstance(value, (int, float)) else str(value)
            tracks.append(track)
    if tracks:
        out["tracks"] = tracks
    return out
