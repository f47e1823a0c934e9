"""Language choice: Simplified Chinese by default, English when a person picks it."""
from functools import lru_cache
from pathlib import Path

import click
from babel import Locale
from flask import current_app, has_request_context, request
from flask_login import current_user

from .extensions import babel

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """The person's saved choice, else the cookie (before login), else Chinese."""
    languages = current_app.config["LANGUAGES"]
    user = None
    if has_request_context():
        from flask import g
        # Use the person only once loaded: an error page must render even with the database down.
        if "_login_user" in g:
            user = g.get("_login_user")
        elif not _view_loads_nobody():
            user = current_user
    if user is not None and getattr(user, "is_authenticated", False) and user.language in languages:
        return user.language
    if has_request_context() and request.cookies.get(LANGUAGE_COOKIE) in languages:
        return request.cookies[LANGUAGE_COOKIE]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _view_loads_nobody() -> bool:
    """Whether the request's view checks the session's person itself and never loads them (the
    exam start and autosave, marked by accounts.session_rules.checks_person_itself): loading them
    for a language would add a read to the hottest requests, so the language cookie, set with the
    person's choice, decides there."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "checks_person_itself", False)


@lru_cache(maxsize=16)
def _parsed(identifier: str) -> Locale:
    return Locale.parse(identifier)


def _selected_locale() -> Locale:
    # Flask-Babel parses what the selector answers on every request, and parsing looks for the
    # locale's data file on disk each time: a language is parsed once per process instead.
    return _parsed(select_locale())


def init_app(app):
    babel.init_app(app, locale_selector=_selected_locale,
                   default_translation_directories=str(app.root_path) + "/translations")


# --- maintaining the catalogs ------------------------------------------------------------

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
KEYWORDS = ["-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "-k", "N_"]


@click.group(help="Maintain the interface translations (msgids are English; zh is the default UI).")
def translations():
    pass


@translations.command("update")
def update_translations():
    """Extract strings, merge them into every catalog, copy msgids into English, compile."""
    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import read_po, write_po
    root = TRANSLATIONS.parent.parent
    pot = TRANSLATIONS / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(root / "babel.cfg"), *KEYWORDS,
                                "--no-location", "--sort-output", "-o", str(pot), str(root)])
    CommandLineInterface().run(["pybabel", "-q", "update", "-i", str(pot), "-d", str(TRANSLATIONS),
                                "--no-fuzzy-matching", "--ignore-obsolete"])
    english = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with english.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id:
            message.string = message.id
    with english.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False)
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(TRANSLATIONS), "--statistics"])
    missing = untranslated("zh")
    click.echo(f"{len(missing)} strings still need a Chinese translation")


def untranslated(locale: str) -> list[str]:
    """msgids of the catalog that have no translation."""
    from babel.messages.pofile import read_po
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    def empty(message):
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        return not all(strings)
    return [str(m.id) for m in catalog if m.id and (empty(m) or m.fuzzy)]
