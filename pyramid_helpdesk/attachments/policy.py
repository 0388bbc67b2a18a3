"""Which files may be attached: how many, how large, of which types.

A file is accepted when its name ends with an allowed extension *and* the type
its browser declared matches an allowed MIME type (``helpdesk.attachments.allowed_types``);
a file sent without a type counts as ``application/octet-stream``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Sequence

from ..i18n import _
from ..settings import HelpdeskSettings
from .store import Upload

UNDECLARED = "application/octet-stream"


@dataclass(frozen=True)
class AttachmentPolicy:
    """The attachment limits of ``helpdesk.attachments.*``."""

    max_count: int
    max_size: int
    extensions: tuple[str, ...]
    content_types: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: HelpdeskSettings) -> "AttachmentPolicy":
        """The policy the settings describe."""
        kinds = settings.attachments_allowed_types
        return cls(
            max_count=settings.attachments_max_count,
            max_size=settings.attachments_max_size,
            extensions=tuple(kind for kind in kinds if kind.startswith(".")),
            content_types=tuple(kind for kind in kinds if "/" in kind),
        )

    @property
    def accept(self) -> str:
        """The value of the file input's ``accept`` attribute."""
        return ",".join(self.extensions)

    @property
    def size_limit(self) -> str:
        """The size limit as people read it."""
        return format_size(self.max_size)

    def allows(self, filename: str, content_type: str) -> bool:
        """Both the file's extension and its declared type are allowed."""
        extension = os.path.splitext(filename.lower())[1]
        declared = content_type.split(";")[0].strip().lower() or UNDECLARED
        return extension in self.extensions and any(
            fnmatchcase(declared, pattern) for pattern in self.content_types)

    def refusal(self, uploads: Sequence[Upload], kept: int | None = None):
        """Why ``uploads`` cannot be attached, or ``None``. With ``kept`` (the files a
        ticket keeps) the count limit is per ticket, else per message."""
        if (kept or 0) + len(uploads) > self.max_count:
            if kept is None:
                return _("At most ${count} files at a time.", mapping={"count": self.max_count})
            return _("At most ${count} attachments per ticket.",
                     mapping={"count": self.max_count})
        for upload in uploads:
            if not self.allows(upload.filename, upload.content_type):
                return _("“${name}” cannot be attached: files of this type are not accepted.",
                         mapping={"name": upload.filename})
            if stream_size(upload) > self.max_size:
                return _("“${name}” is larger than ${limit}: please attach a smaller file.",
                         mapping={"name": upload.filename, "limit": self.size_limit})
        return None


def uploads_from_post(post, field: str = "attachment") -> list[Upload]:
    """The files posted in ``field`` (empty file inputs skipped), each named by its
    base name only: some browsers send the whole client path."""
    return [Upload(item.filename.replace("\\", "/").rsplit("/", 1)[-1], item.type or "",
                   item.file)
            for item in post.getall(field) if getattr(item, "filename", None)]


def format_size(size: int) -> str:
    """A byte count as people read it: ``512 bytes``, ``1 KB``, ``20 MB``."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def stream_size(upload: Upload) -> int:
    """The size of an uploaded file (its stream is left at the start)."""
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size
