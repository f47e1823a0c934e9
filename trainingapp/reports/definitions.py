"""What each exam report figure means (口径), in the interface language.

The page shows them in the reader's language; exports, which go into official documents,
take the Chinese (exports.definitions). One wording, kept with docs/reports.md.
"""
from __future__ import annotations

from flask_babel import gettext as _

from .exam_report import DENOMINATOR_LABELS


def definitions(denominator: str, *, show_empty: bool = False, pending: int = 0) -> list[tuple[str, str]]:
    """(figure, meaning) pairs; the rates' line names the denominator this report uses, the
    departments' line whether departments without candidates are listed; with results awaiting
    marks (`pending`), what 待阅卷 means and how it weighs on the rates.

    The rule (docs/reports.md): a candidate with a finished attempt awaiting marks, in the exam
    or its make-up, has taken it (参考) but is in none of 合格 / 优秀 / 不合格 until marking is
    complete. The rates keep their denominators (participants, pending included, or required),
    so while anyone is pending a rate is a floor, shown beside the pending count."""
    base = DENOMINATOR_LABELS[denominator]
    waiting = [
        (_("Awaiting marks (待阅卷)"),
         _("Participants with a submitted attempt, in the exam or its make-up, whose subjective answers are not all "
           "marked yet: they count as participants, but in none of passed, excellent or failed, and not in the "
           "scores, until marking is complete.")),
        (_("Rates while results await marks"),
         _("The pass and excellence rates still divide by %(base)s, people awaiting marks included: until marking "
           "is complete they are not final and can only rise; the number awaiting marks is shown beside them.",
           base=base)),
    ] if pending else []
    return [
        (_("Required candidates (应参考人数)"),
         _("The exam's candidate list minus exemptions, counted in the department each person had at "
           "publication; a department includes all departments below it.")),
        (_("Participants (实际参考人数)"),
         _("Required candidates with at least one submitted (or automatically submitted) attempt in this "
           "exam or its make-up.")),
        (_("Participation rate"), _("Participants ÷ required candidates.")),
        (_("Passed / excellent"),
         _("Participants whose counting result (the best or the last attempt, as the exam is set, and the "
           "better of the exam and its make-up) reaches the pass / excellent mark.")),
        (_("Pass rate / excellence rate"),
         _("Passed / excellent ÷ %(base)s (the denominator this report uses).", base=base)),
        *waiting,
        (_("Average / highest / lowest score"), _("Over the participants' counting results.")),
        (_("Departments listed"),
         _("Every department is listed, including those without candidates.") if show_empty else
         _("Departments without candidates (nobody required, nobody exempt) are not listed; the total includes "
           "every candidate.")),
        ("“—”", _("The denominator is 0: the rate or score cannot be computed (an empty cell in Excel).")),
    ]


def followup_definitions() -> list[tuple[str, str]]:
    """(term, meaning) pairs of the list of people who did not pass or did not take an exam, in the
    same terms as the exam report, so its counts can be checked against the report's."""
    return [
        (_("Exams listed"),
         _("Published exams that count (a make-up counts through its main exam); a yearly list takes every "
           "such exam of the year, and lists a person once per exam.")),
        (_("Fail (不合格)"),
         _("A required candidate whose counting result (the best or the last attempt, as the exam is set, and the "
           "better of the exam and its make-up) is below the pass mark; the counting result is shown. Their number "
           "is the report's participants minus passed minus those awaiting marks.")),
        (_("Awaiting marks (待阅卷)"),
         _("A candidate with a submitted attempt whose subjective answers are not all marked yet is neither failed "
           "nor not taken, and is not listed until marking is complete.")),
        (_("Not taken (未参考)"),
         _("A required candidate without a submitted (or automatically submitted) attempt in the exam or its "
           "make-up. Their number is the report's required candidates minus participants.")),
        (_("Exempt (免考)"), _("Exempt candidates are never listed, whatever they scored.")),
        (_("Department"), _("The department each person had on the candidate list at publication, as in the report.")),
        (_("Provisional (临时)"),
         _("While the exam or its make-up is open, or an attempt is still running, the list may change: it is marked "
           "provisional until both are over.")),
    ]
