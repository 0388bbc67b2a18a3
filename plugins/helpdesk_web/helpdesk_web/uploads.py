"""Which files a requester may attach: how many, how large, of which types.

A file is accepted when its name ends with an allowed extension *and* the type
its browser declared matches an allowed MIME type (``helpdesk.attachments.allowed_types``);
a file sent without a type counts as ``application/octet-stream``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Sequence

from pyramid_helpdesk.attachments.store import Upload
from pyramid_helpdesk.settings import HelpdeskSettings

from .i18n import _, format_size

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

    def refusal(self, uploads: Sequence[Upload], kept: int = 0):
        """Why ``uploads`` cannot join the ``kept`` attachments of a ticket, or ``None``."""
        if kept + len(uploads) > self.max_count:
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


def stream_size(upload: Upload) -> int:
    """The size of an uploaded file (its stream is left at the start)."""
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size
