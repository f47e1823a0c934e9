"""App-wide pages and template helpers: the home page, the health check."""
import re
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

from flask import abort, current_app, render_template, request, send_file, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import text

from ..platform import staged
from ..platform.clock import now
from ..platform.csp import CSP
from ..platform.endpoints import STATIC_FILES
from ..platform.extensions import csrf, db, limiter
from ..platform.params import refuse_nul_in_forms
from .policy import may_open


def init_app(app):
    app.add_url_rule("/", "home", home)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/downloads/<token>", "one_time_download", one_time_download)
    app.add_url_rule("/guide/<name>", "guide", guide)
    app.add_url_rule("/guide/screenshots/<path:filename>", "guide_image", guide_image)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    csrf.exempt(healthz)
    limiter.exempt(healthz)
    limiter.exempt(favicon)
    app.context_processor(_template_globals)
    app.after_request(security_headers)
    app.before_request(refuse_nul_in_forms)
    app.jinja_env.filters["reject_page"] = lambda args: {k: v for k, v in args.items() if k != "page"}
    app.jinja_env.filters["datetime"] = lambda value, fmt="yyyy-MM-dd HH:mm": (
        format_datetime(value, fmt) if value else "")


def home():
    """Each role's start page: a to-do list (web/todo.py), the navigation cards below it."""
    from . import todo
    role = current_user.role
    if role not in ("admin", "liaison", "trainer"):
        return render_template("home/cadre.html", todo=todo.cadre_todo(current_user), now=now())
    return render_template(
        "home/staff.html",
        teaching=todo.teaching_todo(current_user) if role in ("admin", "trainer") else None,
        roster=todo.roster_todo(current_user) if role in ("admin", "liaison") else None,
        files=todo.recent_files() if role == "admin" else None, labels=todo.FILE_LABELS)


def one_time_download(token):
    """Files made for one person once (generated passwords, rejected rows): downloadable once."""
    found = staged.fetch(token, current_user.id, "download")
    if found is None:
        abort(404)
    content, filename = found.content, found.filename
    staged.discard(found)
    db.session.commit()
    return send_file(BytesIO(content), as_attachment=True, download_name=filename)


def healthz():
    """Liveness and database reachability, for load balancers; no sign-in needed."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}


#: The navigation: (label, endpoint, endpoints that highlight it, menu group, hint on the home page).
#: An entry is shown to the roles web/policy.py lets open its endpoint: no role list of its own.
#: Entries of one group share a drop-down menu, so the bar stays on one line.
NAV = [
    (_l("My exams"), "exams.my_exams", ("exams.exam_rules", "exams.take", "exams.result"),
     "learn", _l("Open, upcoming and finished exams; take an exam here.")),
    (_l("Courses"), "courses.list_courses",
     ("courses.view_course", "courses.study_material", "courses.manage_courses", "courses.create_course",
      "courses.edit_course", "courses.create_material", "courses.edit_material"),
     "learn", _l("Study the courses meant for you and earn study credits.")),
    (_l("Practice"), "practice.practice_home", ("practice.practice_round", "practice.wrong_answer_book"),
     "learn", _l("Practise questions by law, with the explanation after each answer.")),
    (_l("Law library"), "laws.index", ("laws.search", "laws.law", "laws.article", "laws.upload", "laws.preview"),
     "learn", _l("Read and search the laws: every article, its versions and whether it is in force.")),
    (_l("Check in"), "sessions.checkin_home", ("sessions.checkin_session",),
     "learn", _l("Sign in to a training session with the code shown in the room.")),
    (_l("My learning"), "learning.my_learning", ("learning.person_learning",),
     "learn", _l("Your courses, credits, sessions attended and exam results for a year.")),
    (_l("Exams"), "exams.list_exams",
     ("exams.create_exam", "exams.edit_exam", "exams.overview", "exams.edit_paper", "exams.edit_audience",
      "exams.candidates", "exams.attempt_detail"),
     "teach", _l("Compose, publish and follow exams; give extra time; regrade.")),
    (_l("Question bank"), "questionbank.list_questions",
     ("questionbank.create_question", "questionbank.edit_question", "questionbank.upload_questions",
      "questionbank.preview_questions", "questionbank.confirm_questions", "questionbank.format_help",
      "questionbank.unresolved_citations"),
     "teach", _l("Import questions from Excel, check and edit them, export.")),
    (_l("Questions to review"), "questionbank.review_questions", (),
     "teach", _l("Questions citing a law that was amended or repealed (待复核): compare and confirm.")),
    (_l("Question coverage"), "reports.question_coverage", (),
     "teach", _l("How many questions cite each law of the responsibility lists, by type and difficulty.")),
    (_l("Training sessions"), "sessions.list_sessions",
     ("sessions.create_session", "sessions.edit_session", "sessions.show_session", "sessions.edit_expected",
      "sessions.mark_attendance", "sessions.projector", "sessions.signin_sheet", "sessions.upload_signin",
      "sessions.preview_signin"),
     "teach", _l("Sessions, attendance, QR check-in and sign-in sheets.")),
    (_l("Outreach events"), "outreach.list_events",
     ("outreach.create_event", "outreach.edit_event", "outreach.show_event", "outreach.responsibilities",
      "outreach.edit_item"),
     "teach", _l("Law lectures, “six into” events and theme days, with people reached.")),
    (_l("Reports"), "reports.index",
     ("reports.exam_report", "reports.exam_people", "reports.print_summary", "reports.item_analysis",
      "reports.settings", "reports.training_report", "reports.training_sessions", "reports.training_events",
      "reports.annual_summary"),
     None, {"trainer": _l("Participation, pass and excellence rates per department; item statistics."),
            None: _l("Participation, pass and excellence rates per department; the annual summary.")}),
    (_l("People"), "accounts.list_people", ("accounts.create_person", "accounts.edit_person"),
     "admin", _l("The roster: add, edit, reset passwords, export.")),
    (_l("Roster import"), "accounts.upload_roster",
     ("accounts.preview_roster", "accounts.confirm_roster"),
     "admin", _l("Load the staff list HR keeps in Excel.")),
    (_l("Departments"), "accounts.list_departments",
     ("accounts.create_department", "accounts.edit_department"),
     "admin", _l("The department tree: offices, villages and communities.")),
    (_l("Certificates"), "exams.certificate_settings", (),
     "admin", _l("The issuing unit printed on certificates and proofs of result.")),
    (_l("Group robots"), "notifications.webhooks_page", (),
     "admin", _l("A WeCom or DingTalk robot per department's work group.")),
    (_l("Outgoing messages"), "notifications.outbox", (),
     "admin", _l("E-mails and robot messages waiting or failed; retry one.")),
    (_l("Audit log"), "accounts.audit_log", (),
     "admin", _l("Sign-ins, imports, publications and other security events.")),
]
GROUPS = {"learn": _l("Learning"), "teach": _l("Teaching"), "admin": _l("Administration")}


def _hint_for(hint, role):
    """A card's hint, which may differ by role so it never promises a page the role cannot open."""
    return hint.get(role, hint[None]) if isinstance(hint, dict) else hint


def nav_items():
    """The navigation entries the signed-in person's role may use."""
    if not current_user.is_authenticated:
        return []
    return [SimpleNamespace(label=label, url=url_for(endpoint), endpoints={endpoint, *more}, group=group,
                            hint=_hint_for(hint, current_user.role))
            for label, endpoint, more, group, hint in NAV
            if may_open(endpoint, current_user.role) and endpoint in current_app.view_functions]


def nav_menu():
    """The navigation bar: single links, or a drop-down per group with more than one entry."""
    items, menu, seen = nav_items(), [], {}
    flat = len({item.group for item in items}) <= 1  # a cadre's few links need no menus
    for item in items:
        if flat or item.group is None or sum(1 for other in items if other.group == item.group) == 1:
            menu.append(SimpleNamespace(label=item.label, items=[item], endpoints=item.endpoints))
        elif item.group not in seen:
            seen[item.group] = SimpleNamespace(label=GROUPS[item.group], items=[], endpoints=set())
            menu.append(seen[item.group])
        if item.group in seen:
            seen[item.group].items.append(item)
            seen[item.group].endpoints |= item.endpoints
    return menu


#: Sent with every response unless the view set its own value.
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
                    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))


def security_headers(response):
    """CSP, nosniff, no framing, a strict referrer policy; HSTS when served over HTTPS (ASVS 3.4);
    `Cache-Control: no-store` on everything but static files (ASVS 14.3.2)."""
    from flask import request
    headers = response.headers
    # One pass over the headers instead of one per header: this runs on every exam autosave.
    present = {key.lower() for key in headers.keys()}
    for key, value in SECURITY_HEADERS:
        if key.lower() not in present:
            headers.add(key, value)
    if request.is_secure or current_app.config.get("PREFERRED_URL_SCHEME") == "https":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Nothing but the static files may be kept by a browser or a proxy: pages, the attempt API,
    # exports and one-time password downloads carry personal data or answers, and a town's PCs
    # are shared. send_file's own "no-cache" still allows storing, so it is replaced.
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        if "cache-control" not in present:
            headers.add("Cache-Control", "no-store")
        elif "no-store" not in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = "no-store"
    return response


#: The only responses a browser or proxy may store: static files and the guides' screenshots.
CACHEABLE_ENDPOINTS = STATIC_FILES | {"guide_image"}


def _template_globals():
    from .first_start import published_demo_passwords_in_use
    # A function, not a value: only pages that render base.html ask (never the JSON API).
    return {"languages": current_app.config["LANGUAGES"], "current_locale": str(get_locale() or "zh"),
            "nav_items": nav_items, "nav_menu": nav_menu,
            "demo_passwords_published": published_demo_passwords_in_use}


GUIDES = {"cadre": _l("Guide for cadres"), "trainer": _l("Guide for trainers"),
          "admin": _l("Guide for administrators and liaisons")}
#: Other documents the guides link to, served the same way (they have no separate English file).
GUIDE_DOCUMENTS = {"reports": _l("How the reports count")}
DOCS = Path(__file__).resolve().parents[2] / "docs"
#: A link inside a guide to another document of docs/: "guide-cadre.en.md#3-…", "reports.md".
_DOC_LINK = re.compile(r"\]\((?:docs/)?(guide-(?P<guide>[a-z]+)(?P<en>\.en)?|(?P<doc>[a-z]+))\.md(?P<anchor>#[^)]*)?\)")


def _guide_link(match, english: bool) -> str:
    """Where a link between documents points inside the platform (the files link to each other)."""
    anchor = match.group("anchor") or ""
    if match.group("doc") is not None:
        name = match.group("doc")
        if name not in GUIDE_DOCUMENTS:
            return match.group(0)
        return f"]({url_for('guide', name=name)}{anchor})"
    name, wants_english = match.group("guide"), bool(match.group("en"))
    if name not in GUIDES:
        return match.group(0)
    # "English version: guide-cadre.en.md" opens that language's text whatever the interface language.
    lang = {} if wants_english == english else {"lang": "en" if wants_english else "zh"}
    return f"]({url_for('guide', name=name, **lang)}{anchor})"


def guide(name):
    """The user guides of docs/ (and the documents they link to), in the interface language or ?lang=."""
    import markdown
    import nh3
    if name not in GUIDES and name not in GUIDE_DOCUMENTS:
        abort(404)
    lang = request.args.get("lang")
    english = lang == "en" if lang in ("en", "zh") else str(get_locale() or "zh") == "en"
    if name in GUIDE_DOCUMENTS:
        path = DOCS / f"{name}.md"
    else:
        path = DOCS / (f"guide-{name}.en.md" if english else f"guide-{name}.md")
    text = path.read_text("utf-8").replace("](screenshots/", "](" + url_for("guide_image", filename=""))
    text = _DOC_LINK.sub(lambda match: _guide_link(match, english), text)
    html = nh3.clean(markdown.markdown(text, extensions=["tables", "fenced_code", "toc"]),
                     tags=nh3.ALLOWED_TAGS | {"img"}, attributes={**nh3.ALLOWED_ATTRIBUTES, "img": {"src", "alt"},
                                                                    "h2": {"id"}, "h3": {"id"}, "a": {"href"}})
    title = GUIDES.get(name) or GUIDE_DOCUMENTS[name]
    return render_template("guide.html", html=html, title=title, guides=GUIDES, current=name)


def favicon():
    """The icon browsers ask for at /favicon.ico (pages also name the SVG one)."""
    from flask import send_from_directory
    return send_from_directory(Path(current_app.static_folder), "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


def guide_image(filename):
    from flask import send_from_directory
    return send_from_directory(DOCS / "screenshots", filename, max_age=3600)
