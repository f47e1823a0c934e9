"""The form for choosing an `Audience`, rendered by templates/accounts/_audience.html.

Owners subclass it: a field they do not keep is set to None (courses keep no people), and
class attributes say what nothing ticked means and how unknown logins are reported.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField

from .audience import Audience, ids_to_logins, logins_to_ids
from .forms import choices
from .models import CATEGORIES
from .permissions import department_tree

#: Logins are separated by new lines, spaces or commas (people paste them from spreadsheets and chats).
_LOGIN_SEPARATORS = re.compile(r"[\s,，、]+")


def _department_id(value):
    """A ticked department's id; anything else is dropped later rather than failing the form
    (a department deleted while the page was open must not lose the rest of the choice)."""
    return value if isinstance(value, int) else int(value) if str(value).isdigit() else None


def category_field(label) -> SelectMultipleField:
    return SelectMultipleField(label, choices=choices(CATEGORIES), validate_choice=False)


def split_logins(text: str | None) -> list[str]:
    return [login.lower() for login in _LOGIN_SEPARATORS.split(text or "") if login]


class AudienceForm(FlaskForm):
    departments = SelectMultipleField(_l("Departments (each with everything below it)"), coerce=_department_id,
                                      validate_choice=False)
    categories = category_field(_l("Staff categories"))
    added = TextAreaField(_l("Also these people (logins, one per line)"), render_kw={"rows": 3})
    removed = TextAreaField(_l("But not these people (logins, one per line)"), render_kw={"rows": 3})

    #: The categories taken when none is ticked (empty: every category).
    default_categories: tuple[str, ...] = ()
    #: No department ticked means the whole tree (otherwise nobody but the people added).
    whole_tree_when_none_ticked = False
    unknown_logins_message = _l("Unknown logins: %(logins)s")
    unknown_logins_separator = ", "

    #: The ids of the logins typed, found by `validate`.
    _added_ids: tuple[int, ...] | list[int] = ()
    _removed_ids: tuple[int, ...] | list[int] = ()

    def load(self, audience: Audience) -> None:
        """Show a stored audience (on GET)."""
        self.departments.data = audience.departments
        self.categories.data = sorted(audience.categories if audience.groups else self.default_categories)
        if "added" in self:
            self.added.data = "\n".join(ids_to_logins(sorted(audience.added)))
        if "removed" in self:
            self.removed.data = "\n".join(ids_to_logins(sorted(audience.removed)))

    def validate(self, extra_validators=None) -> bool:
        """The fields, then every login typed must belong to someone (one query per box)."""
        valid = super().validate(extra_validators)
        self._added_ids, unknown = logins_to_ids(split_logins(self.added.data)) if "added" in self else ([], [])
        self._removed_ids, unknown_removed = (logins_to_ids(split_logins(self.removed.data)) if "removed" in self
                                              else ([], []))
        if unknown or unknown_removed:
            self.form_errors.append(str(self.unknown_logins_message) % {
                "logins": self.unknown_logins_separator.join(unknown + unknown_removed)})
            return False
        return valid

    def audience(self) -> Audience:
        """The audience chosen (after `validate`): unknown departments and categories are left out."""
        tree = department_tree()
        departments = [d for d in self.departments.data or [] if d in tree.names]
        categories = [c for c in self.categories.data or [] if c in CATEGORIES] or list(self.default_categories)
        if not departments and self.whole_tree_when_none_ticked:
            departments = [None]
        return Audience.of(departments, categories, self._added_ids, self._removed_ids)
