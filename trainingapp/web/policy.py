"""Who may call which endpoint, and within which object scope (ASVS 8.2).

This table is the only declaration of access: web/access.py enforces it before every view,
and the navigation shows an entry only to roles it admits. Every endpoint of the app must
appear here (the app refuses to start otherwise); tests/test_security_policy.py walks every
URL rule for every role and checks the answer against this table. "public" needs no
sign-in; "signed_in" is anyone signed in (object checks in the view limit them to their own
things); a tuple names the roles. The scope text says what the view's own checks allow.
"""
PUBLIC, SIGNED_IN = "public", "signed_in"
ADMIN, TRAINER, LIAISON = ("admin",), ("admin", "trainer"), ("admin", "liaison")
STAFF_READERS = ("admin", "trainer", "liaison")

POLICY: dict[str, tuple[object, str]] = {
    # platform
    "static": (PUBLIC, "static files"),
    "bootstrap.static": (PUBLIC, "Bootstrap's static files"),
    "healthz": (PUBLIC, "no data"),
    "home": (SIGNED_IN, "own start page"),
    "one_time_download": (SIGNED_IN, "only files staged for the signed-in person, once"),
    "guide": (SIGNED_IN, "the user guides"),
    "guide_image": (SIGNED_IN, "the guides' screenshots"),
    "favicon": (PUBLIC, "the site icon browsers ask for"),
    # accounts
    "accounts.login": (PUBLIC, "a doubling delay per login; failures limited per address"),
    "accounts.logout": (SIGNED_IN, "own sessions"),
    "accounts.change_password": (SIGNED_IN, "own password"),
    "accounts.set_language": (PUBLIC, "own preference"),
    "accounts.profile": (SIGNED_IN, "own account"),
    "accounts.list_people": (LIAISON, "liaisons: their department subtree"),
    "accounts.create_person": (LIAISON, "liaisons: cadres in their subtree"),
    "accounts.edit_person": (LIAISON, "liaisons: cadres and liaisons in their subtree"),
    "accounts.reset_password": (LIAISON, "liaisons: cadres and liaisons in their subtree"),
    "accounts.clear_login_delay": (LIAISON, "liaisons: cadres and liaisons in their subtree"),
    "accounts.upload_roster": (LIAISON, "liaisons: rows of their subtree only"),
    "accounts.preview_roster": (LIAISON, "the uploader's own staged file"),
    "accounts.confirm_roster": (LIAISON, "the uploader's own staged file"),
    "accounts.export_roster": (LIAISON, "liaisons: their subtree"),
    "accounts.roster_template": (LIAISON, "no data"),
    "accounts.list_departments": (ADMIN, "all"),
    "accounts.create_department": (ADMIN, "all"),
    "accounts.edit_department": (ADMIN, "all"),
    "accounts.delete_department": (ADMIN, "all"),
    "accounts.audit_log": (ADMIN, "all, read-only"),
    # laws: the library is read by everyone signed in; trainers import, admins repeal
    "laws.index": (SIGNED_IN, "every law, read-only"),
    "laws.search": (SIGNED_IN, "every law's articles, read-only"),
    "laws.law": (SIGNED_IN, "every law and version, read-only"),
    "laws.article": (SIGNED_IN, "every article, read-only"),
    "laws.upload": (TRAINER, "the whole library"),
    "laws.preview": (TRAINER, "the uploader's own staged file"),
    "laws.repeal": (ADMIN, "the whole library"),

    # notifications
    "notifications.list_notifications": (SIGNED_IN, "own notifications"),
    "notifications.mark_read": (SIGNED_IN, "own notifications (404 for anyone else's)"),
    "notifications.mark_all_read": (SIGNED_IN, "own notifications"),
    "notifications.settings": (SIGNED_IN, "own e-mail choice"),
    "notifications.outbox": (ADMIN, "all outgoing messages"),
    "notifications.retry": (ADMIN, "all outgoing messages"),
    "notifications.webhooks_page": (ADMIN, "every department's group robot"),
    "notifications.delete_webhook": (ADMIN, "every department's group robot"),
    "notifications.remind_not_taken": (LIAISON, "liaisons: candidates of their subtree, once per person, exam and day"),
    # question bank
    "questionbank.list_questions": (TRAINER, "the whole bank"),
    "questionbank.create_question": (TRAINER, "the whole bank"),
    "questionbank.edit_question": (TRAINER, "the whole bank"),
    "questionbank.toggle_question": (TRAINER, "the whole bank"),
    "questionbank.delete_question": (TRAINER, "unused questions"),
    "questionbank.upload_questions": (TRAINER, "the whole bank"),
    "questionbank.preview_questions": (TRAINER, "the uploader's own staged file"),
    "questionbank.confirm_questions": (TRAINER, "the uploader's own staged file"),
    "questionbank.template": (TRAINER, "no data"),
    "questionbank.format_help": (TRAINER, "no data"),
    "questionbank.export_questions": (TRAINER, "the whole bank"),
    "questionbank.export_word": (TRAINER, "the whole bank"),
    "questionbank.word_template": (TRAINER, "no data"),
    "questionbank.review_questions": (TRAINER, "the whole bank"),
    "questionbank.confirm_review": (TRAINER, "the whole bank"),
    "questionbank.unresolved_citations": (TRAINER, "the whole bank"),
    "questionbank.resolve_citations": (TRAINER, "the whole bank"),
    # exams: managing
    "exams.list_exams": (TRAINER, "trainers: exams they created"),
    "exams.create_exam": (TRAINER, "new exam"),
    "exams.edit_exam": (TRAINER, "trainers: exams they created"),
    "exams.overview": (TRAINER, "trainers: exams they created"),
    "exams.edit_paper": (TRAINER, "trainers: exams they created"),
    "exams.edit_audience": (TRAINER, "trainers: exams they created"),
    "exams.publish": (TRAINER, "trainers: exams they created"),
    "exams.candidates": (TRAINER, "trainers: exams they created"),
    "exams.attempt_detail": (TRAINER, "trainers: attempts of exams they created"),
    "exams.regrade": (TRAINER, "trainers: exams they created"),
    "exams.correct_key": (TRAINER, "trainers: questions only exams they created use"),
    "exams.marking_overview": (TRAINER, "markers: exams they manage or were added to mark"),
    "exams.marking_next": (TRAINER, "markers: exams they manage or were added to mark"),
    "exams.mark_answer": (TRAINER, "markers: exams they manage or were added to mark; names hidden when anonymous"),
    "exams.marking_settings": (TRAINER, "trainers: exams they created"),
    "exams.marking_markers": (TRAINER, "trainers: exams they created"),
    # exams: taking
    "exams.my_exams": (SIGNED_IN, "exams the person is a candidate of"),
    "exams.exam_rules": (SIGNED_IN, "exams the person is a candidate of"),
    "exams.start": (SIGNED_IN, "exams the person is a candidate of"),
    "exams.start_personal_mock": (SIGNED_IN, "exams the person is a candidate of that offer personal mocks"),
    "exams.take": (SIGNED_IN, "own attempts"),
    "exams.result": (SIGNED_IN, "own attempts"),
    "exams.download_document": (SIGNED_IN, "own result only (the exam's candidate; nothing for anyone else's)"),
    "exams.verify_certificate": (PUBLIC, "only what the document with this 128-bit code states; rate-limited"),
    "exams.certificate_settings": (ADMIN, "the issuing unit"),
    "exams.api.list_exams": (SIGNED_IN, "exams the person is a candidate of"),
    "exams.api.start_attempt": (SIGNED_IN, "exams the person is a candidate of"),
    "exams.api.get_attempt": (SIGNED_IN, "own attempts (404 for anyone else's)"),
    "exams.api.save_answer": (SIGNED_IN, "own attempts (404 for anyone else's)"),
    "exams.api.submit": (SIGNED_IN, "own attempts (404 for anyone else's)"),
    "exams.api.event": (SIGNED_IN, "own attempts (404 for anyone else's)"),
    # reports
    "reports.index": (STAFF_READERS, "trainers: their exams; liaisons: their subtree"),
    "reports.exam_report": (STAFF_READERS, "trainers: their exams; liaisons: their subtree"),
    "reports.exam_people": (STAFF_READERS, "trainers: their exams; liaisons: their subtree"),
    "reports.export_exam": (STAFF_READERS, "trainers: their exams; liaisons: their subtree"),
    "reports.print_summary": (STAFF_READERS, "trainers: their exams; liaisons: their subtree"),
    "reports.item_analysis": (TRAINER, "trainers: their exams"),
    "reports.exam_followup": (LIAISON, "liaisons: their subtree"),
    "reports.year_followup": (LIAISON, "liaisons: their subtree"),
    "reports.settings": (ADMIN, "all"),
    "reports.question_coverage": (TRAINER, "the whole bank against every responsibility list"),
    "reports.training_report": (LIAISON, "liaisons: their subtree"),
    "reports.training_sessions": (LIAISON, "liaisons: their subtree"),
    "reports.training_events": (LIAISON, "liaisons: their subtree"),
    "reports.export_training": (LIAISON, "liaisons: their subtree"),
    "reports.annual_summary": (LIAISON, "liaisons: their subtree"),
    # training sessions and check-in
    "sessions.list_sessions": (STAFF_READERS, "liaisons: sessions of their subtree, read-only"),
    "sessions.show_session": (STAFF_READERS, "liaisons: sessions of their subtree, read-only"),
    "sessions.signin_sheet": (STAFF_READERS, "liaisons: sessions of their subtree, read-only"),
    "sessions.export_attendance": (STAFF_READERS, "liaisons: sessions of their subtree, read-only"),
    "sessions.create_session": (TRAINER, "new session"),
    "sessions.edit_session": (TRAINER, "trainers: sessions they created or run"),
    "sessions.delete_session": (TRAINER, "trainers: sessions they created or run"),
    "sessions.edit_expected": (TRAINER, "trainers: sessions they created or run"),
    "sessions.mark_attendance": (TRAINER, "trainers: sessions they created or run"),
    "sessions.mark_all_present": (TRAINER, "trainers: sessions they created or run"),
    "sessions.add_walk_in": (TRAINER, "trainers: sessions they created or run"),
    "sessions.unlock_checkin": (TRAINER, "trainers: sessions they created or run"),
    "sessions.projector": (TRAINER, "trainers: sessions they created or run"),
    "sessions.signin_template": (TRAINER, "trainers: sessions they created or run"),
    "sessions.upload_signin": (TRAINER, "trainers: sessions they created or run"),
    "sessions.preview_signin": (TRAINER, "the uploader's own staged file"),
    "sessions.confirm_signin": (TRAINER, "the uploader's own staged file"),
    "sessions.checkin_home": (SIGNED_IN, "own attendance"),
    "sessions.checkin_session": (SIGNED_IN, "own attendance, inside the window, with the code"),
    # outreach
    "outreach.list_events": (STAFF_READERS, "liaisons: their subtree"),
    "outreach.show_event": (STAFF_READERS, "liaisons: their subtree"),
    "outreach.create_event": (STAFF_READERS, "liaisons: their subtree"),
    "outreach.edit_event": (STAFF_READERS, "trainers: events they recorded; liaisons: their subtree"),
    "outreach.delete_event": (STAFF_READERS, "trainers: events they recorded; liaisons: their subtree"),
    "outreach.upload_files": (STAFF_READERS, "trainers: events they recorded; liaisons: their subtree"),
    "outreach.download_file": (STAFF_READERS, "liaisons: their subtree"),
    "outreach.delete_file": (STAFF_READERS, "trainers: events they recorded; liaisons: their subtree"),
    "outreach.responsibilities": (STAFF_READERS, "liaisons: their subtree"),
    "outreach.edit_item": (STAFF_READERS, "liaisons: their subtree"),
    "outreach.delete_item": (STAFF_READERS, "liaisons: their subtree"),
    # courses, practice, learning
    "courses.list_courses": (SIGNED_IN, "published courses for the person's department and category"),
    "courses.view_course": (SIGNED_IN, "published courses for the person; managers see all"),
    "courses.study_material": (SIGNED_IN, "published courses for the person"),
    "courses.material_file": (SIGNED_IN, "files of courses the person may see"),
    "courses.heartbeat": (SIGNED_IN, "own study progress"),
    "courses.manage_courses": (TRAINER, "all courses"),
    "courses.create_course": (TRAINER, "all courses"),
    "courses.edit_course": (TRAINER, "all courses"),
    "courses.delete_course": (TRAINER, "all courses"),
    "courses.publish_course": (TRAINER, "all courses"),
    "courses.create_material": (TRAINER, "all courses"),
    "courses.edit_material": (TRAINER, "all courses"),
    "courses.delete_material": (TRAINER, "all courses"),
    "courses.move_material": (TRAINER, "all courses"),
    "practice.practice_home": (SIGNED_IN, "own practice"),
    "practice.start_practice": (SIGNED_IN, "own practice"),
    "practice.practice_round": (SIGNED_IN, "own practice rounds"),
    "practice.answer": (SIGNED_IN, "own practice rounds"),
    "practice.next_question": (SIGNED_IN, "own practice rounds"),
    "practice.end_round": (SIGNED_IN, "own practice rounds"),
    "practice.wrong_answer_book": (SIGNED_IN, "own wrong-answer book"),
    "learning.my_learning": (SIGNED_IN, "own record"),
    "learning.person_learning": (SIGNED_IN, "admins: anyone; liaisons: people they manage; others: 403"),
}


def admits(who, role: str | None) -> bool:
    """Whether a person of `role` (None: nobody signed in) passes the decision `who`."""
    if who == PUBLIC:
        return True
    if role is None:
        return False
    return who == SIGNED_IN or role in who


def may_open(endpoint: str, role: str | None) -> bool:
    """Whether the table lets `role` call `endpoint`; an endpoint it does not name admits nobody."""
    entry = POLICY.get(endpoint)
    return entry is not None and admits(entry[0], role)
