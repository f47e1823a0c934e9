"""Files people upload (course materials, photos of outreach events).

Stored under instance/uploads/ with generated names (never the uploader's name, never in
the static folder), checked by extension and by content, size-limited before reading,
and served only through views that have checked who may see them.
"""
from __future__ import annotations

import mimetypes
import secrets
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePath

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l

from .errors import DomainError

#: extension -> (mimetype, shown inline in the page)
KINDS = {
    "pdf": ("application/pdf", True),
    "doc": ("application/msword", False),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    "ppt": ("application/vnd.ms-powerpoint", False),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", False),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    "jpg": ("image/jpeg", True),
    "jpeg": ("image/jpeg", True),
    "png": ("image/png", True),
    "mp4": ("video/mp4", True),
    "webm": ("video/webm", True),
}
DOCUMENTS = {"pdf", "doc", "docx", "ppt", "pptx"}
IMAGES = {"jpg", "jpeg", "png"}
VIDEOS = {"mp4", "webm"}
MAX_UNZIPPED = 200 * 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UploadError(DomainError):
    """An uploaded file refused before it is kept (type, size, content)."""


@dataclass(frozen=True)
class StoredFile:
    name: str            # the generated file name under instance/uploads/
    original_name: str   # what the uploader called it (for the download name only)
    mimetype: str
    size: int


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _content_matches(extension: str, head: bytes, data: bytes) -> bool:
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension == "mp4":  # ISO base media: a box of type "ftyp" first
        return head[4:8] == b"ftyp"
    if extension == "webm":  # Matroska/EBML
        return head.startswith(b"\x1a\x45\xdf\xa3")
    if extension in ("doc", "ppt"):
        return head.startswith(_OLE)
    if extension in ("docx", "pptx", "xlsx"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                names = archive.namelist()
                inflated = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            return False
        marker = {"docx": "word/", "pptx": "ppt/", "xlsx": "xl/"}[extension]
        return "[Content_Types].xml" in names and any(n.startswith(marker) for n in names) and inflated < MAX_UNZIPPED
    return False


def store_upload(upload, *, kinds: set[str], max_bytes: int) -> StoredFile:
    """Check and keep an uploaded file (a werkzeug FileStorage); UploadError says what is wrong."""
    original = PurePath(upload.filename or "").name
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    if extension not in kinds:
        raise UploadError(_l("Files of type .%(ext)s are not accepted here; upload %(kinds)s.",
                             ext=extension or "?", kinds=", ".join(f".{k}" for k in sorted(kinds))))
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadError(_l("The file is larger than %(mb)s MB.", mb=round(max_bytes / 1024 / 1024, 1)))
    if not data:
        raise UploadError(_l("The file is empty."))
    if not _content_matches(extension, data[:16], data):
        raise UploadError(_l("The file's content is not a real .%(ext)s file.", ext=extension))
    name = secrets.token_hex(16) + "." + extension
    (upload_dir() / name).write_bytes(data)
    return StoredFile(name=name, original_name=original[:200], mimetype=KINDS[extension][0], size=len(data))


def send_stored(name: str, original_name: str):
    """Serve a stored file: PDFs and images inline with their own type, everything else as a download."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError(name)
    path = upload_dir() / name
    extension = name.rsplit(".", 1)[-1]
    mimetype, inline = KINDS.get(extension, (mimetypes.guess_type(name)[0] or "application/octet-stream", False))
    response = send_file(path, mimetype=mimetype, as_attachment=not inline, download_name=original_name,
                         conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def delete_stored(name: str) -> None:
    path = upload_dir() / name
    if path.parent == upload_dir() and path.exists():
        path.unlink()
