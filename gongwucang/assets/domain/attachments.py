"""What may be attached to a card: the file's real type (by its first bytes) and its size.

The extension and the browser's Content-Type are not trusted; a renamed executable is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .choices import AttachmentKind

# (magic prefix, content type, extensions that may carry it)
_SIGNATURES: tuple[tuple[bytes, str, frozenset[str]], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", frozenset({"jpg", "jpeg"})),
    (b"\x89PNG\r\n\x1a\n", "image/png", frozenset({"png"})),
    (b"%PDF-", "application/pdf", frozenset({"pdf"})),
    # Office Open XML files are zip archives.
    (b"PK\x03\x04", "application/zip", frozenset({"xlsx", "docx", "zip"})),
)
_WEBP = "image/webp"

ALLOWED_TYPES: dict[str, frozenset[str]] = {
    AttachmentKind.PHOTO: frozenset({"image/jpeg", "image/png", _WEBP}),
    AttachmentKind.DOCUMENT: frozenset(
        {"image/jpeg", "image/png", _WEBP, "application/pdf", "application/zip"}
    ),
}

OOXML_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class AttachmentRejected(ValueError):
    """The file may not be attached; the message says why, in Chinese."""


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str


def sniff_content_type(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _WEBP
    for magic, content_type, _exts in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def check_attachment(*, kind: str, filename: str, size: int, head: bytes, max_bytes: int) -> CheckedFile:
    """Accept or refuse a file to be attached as `kind`; returns its real type and extension."""
    if size <= 0:
        raise AttachmentRejected(_("文件是空的"))
    if size > max_bytes:
        raise AttachmentRejected(
            _("文件过大：%(size).1f MB，上限 %(max).0f MB")
            % {"size": size / 1048576, "max": max_bytes / 1048576}
        )
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    sniffed = sniff_content_type(head)
    if sniffed is None or sniffed not in ALLOWED_TYPES[kind]:
        allowed = "JPG、PNG、WEBP" if kind == AttachmentKind.PHOTO else "JPG、PNG、WEBP、PDF、XLSX、DOCX"
        raise AttachmentRejected(_("不支持的文件类型，只能上传 %(allowed)s") % {"allowed": allowed})
    if sniffed == "application/zip":
        if extension not in OOXML_TYPES:
            raise AttachmentRejected(_("压缩文件只接受 Office 文档（XLSX、DOCX）"))
        return CheckedFile(OOXML_TYPES[extension], extension)
    expected_exts = {ext for _m, ct, exts in _SIGNATURES if ct == sniffed for ext in exts} or {"webp"}
    if extension not in expected_exts:
        extension = sorted(expected_exts)[0]
    return CheckedFile(sniffed, extension)
