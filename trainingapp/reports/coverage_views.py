"""The coverage page: the question bank against the year's 普法责任清单."""
from flask import render_template

from ..platform.clock import now
from ..platform.params import year_arg
from ..questionbank.forms import DIFFICULTY_LABELS, QTYPE_LABELS
from . import bp, coverage


@bp.route("/coverage")
def question_coverage():
    year = year_arg("year", now().year)
    return render_template("reports/coverage.html", coverage=coverage.build(year), qtypes=QTYPE_LABELS,
                           difficulties=DIFFICULTY_LABELS)
