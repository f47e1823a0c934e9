"""Every interface string has a Chinese and an English translation, and the compiled catalogs are current."""
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from trainingapp.platform.i18n import TRANSLATIONS, untranslated

ROOT = Path(__file__).resolve().parent.parent


def _extracted() -> set[str]:
    """The msgids in the code and templates now (as `flask --app run translations update` finds them)."""
    from babel.messages.extract import extract_from_dir
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2), "N_": None}
    from babel.messages.frontend import parse_mapping_cfg
    method_map, options_map = parse_mapping_cfg(open(ROOT / "babel.cfg"))
    found = set()
    def directory_filter(path):
        name = Path(path).name
        return not name.startswith(".") and name not in ("instance", "tests", "bench", "node_modules")

    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords, directory_filter=directory_filter):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_string_in_the_code_is_in_both_catalogs():
    for locale in ("zh", "en"):
        with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
        missing = _extracted() - catalog
        assert not missing, f"{locale}: run `flask --app run translations update`: {sorted(missing)[:10]}"


def test_every_string_is_translated_into_chinese_and_english():
    assert untranslated("zh") == []
    assert untranslated("en") == []


def test_compiled_catalogs_match_the_sources():
    for locale in ("zh", "en"):
        folder = TRANSLATIONS / locale / "LC_MESSAGES"
        with (folder / "messages.po").open("rb") as handle:
            source = {m.id: m.string for m in read_po(handle) if m.id}
        with (folder / "messages.mo").open("rb") as handle:
            compiled = {m.id: m.string for m in read_mo(handle) if m.id}
        assert compiled == source, f"{locale}: recompile with `flask --app run translations update`"


def test_pages_render_in_english_and_chinese(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    client.post("/language/en", data={"next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)
