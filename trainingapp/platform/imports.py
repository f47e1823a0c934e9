"""Upload → preview → confirm: the one way a file is imported (rosters, question banks, sign-in sheets).

A domain describes its import with a `StagedImport` (which staged kind, which pages, how the
file is read) and its views read as a recipe:

    upload page:   return FLOW.stage(upload.filename, content)
    preview page:  upload = FLOW.open(token)
                   with returning_to(upload.back): plan = <the domain's preview>(upload.table)
    confirm page:  upload = FLOW.open(token)
                   outcome = <the domain's import>(upload.table)   # writes only when every row is right
                   FLOW.require_ok(upload, <outcome is whole>)
                   download = FLOW.finish(upload, download=...)

The staged file belongs to the person who uploaded it (platform.staged) and is parsed only
after the request's transaction ended (staged.end_read); a refusal is a DomainError that the
one handler (platform.errors) flashes before sending the person back to the right page.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import staged
from .errors import refuse, returning_to
from .extensions import db
from .tabular import limits_for, read_table

EXPIRED = _l("That upload has expired or is not yours; upload the file again.")
NOT_WHOLE = _l("The file has problems; nothing was imported.")


@dataclass
class StagedUpload:
    """An upload awaiting confirmation, opened for its owner."""

    token: str
    file: staged.StagedFile
    #: What the domain checked the upload against (e.g. the training session); None if nothing.
    context: object
    #: The parsed file (StagedImport.parse), or None for a domain that parses in its service.
    table: object
    #: The page a refusal of this upload goes back to (the upload page).
    back: str

    @property
    def filename(self) -> str:
        return self.file.filename

    @property
    def options(self) -> dict:
        return self.file.options or {}


class StagedImport:
    """One kind of import: subclass (or instantiate) with the staged kind and the two endpoints.

    Override `authorize` when the upload names something the person must still be allowed to
    change, `back` when the upload page needs arguments, `parse` when the file is not read as
    a plain table with the kind's limits.
    """

    def __init__(self, kind: str, *, upload_endpoint: str, preview_endpoint: str):
        self.kind = kind
        self.upload_endpoint = upload_endpoint
        self.preview_endpoint = preview_endpoint

    # --- what a domain may override ------------------------------------------------------------

    def authorize(self, file: staged.StagedFile) -> object:
        """What the upload is for, checked again at each step (may abort 403/404)."""
        return None

    def back(self, context: object) -> str:
        """The upload page, where a refused file sends the person."""
        return url_for(self.upload_endpoint)

    def parse(self, file: staged.StagedFile, context: object) -> object:
        """The file as a table (TableError, a DomainError, names a whole-file problem)."""
        return read_table(file.content, file.filename, limits=limits_for(self.kind))

    # --- the steps ---------------------------------------------------------------------------

    def preview_url(self, token: str) -> str:
        return url_for(self.preview_endpoint, token=token)

    def stage(self, filename: str, content: bytes, options: dict | None = None):
        """Keep the upload for its owner and go to the preview."""
        token = staged.stage(current_user.id, self.kind, filename, content, options)
        db.session.commit()
        return redirect(self.preview_url(token))

    def open(self, token: str) -> StagedUpload:
        """The person's own fresh upload, parsed; otherwise a refusal back to the upload page."""
        file = staged.fetch(token, current_user.id, self.kind)
        if file is None:
            refuse(EXPIRED, back=self.back(None), category="warning")
        context = self.authorize(file)
        back = self.back(context)
        staged.end_read()  # other requests' writes go on while this file is parsed
        with returning_to(back):
            table = self.parse(file, context)
        return StagedUpload(token=token, file=file, context=context, table=table, back=back)

    def require_ok(self, upload: StagedUpload, whole: bool) -> None:
        """Whole or nothing: a file with any problem imported nothing and goes back to its preview."""
        if not whole:
            refuse(NOT_WHOLE, back=self.preview_url(upload.token))

    def finish(self, upload: StagedUpload, *, download: tuple[str, bytes] | None = None) -> str | None:
        """Forget the confirmed upload and commit the import with it; a one-time download
        (filename, content) is kept for the done page, whose token is returned."""
        token = staged.stage(current_user.id, "download", *download) if download else None
        staged.discard(upload.file)
        db.session.commit()
        return token
