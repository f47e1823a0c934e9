"""Report settings an admin can change."""
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..platform.extensions import db

DENOMINATORS = ("participants", "required")


class ReportSetting(db.Model):
    __tablename__ = "report_setting"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


def get_setting(key: str, default: str) -> str:
    found = db.session.get(ReportSetting, key)
    return found.value if found else default


def set_setting(key: str, value: str) -> None:
    found = db.session.get(ReportSetting, key)
    if found is None:
        db.session.add(ReportSetting(key=key, value=value))
    else:
        found.value = value
    db.session.commit()


def rate_denominator() -> str:
    """What 合格率 and 优秀率 divide by: 实际参考人数 (default) or 应参考人数."""
    value = get_setting("rate_denominator", "participants")
    return value if value in DENOMINATORS else "participants"


#: The item analysis setting's bounds (an exam of one town rarely has more than a few thousand).
MIN_ANSWERS_RANGE = (1, 10000)


def item_min_answers() -> int:
    """How many answers a question needs before item analysis may flag its key (default 10)."""
    from .items import MIN_ANSWERS
    value = get_setting("item_min_answers", str(MIN_ANSWERS))
    try:
        number = int(value)
    except ValueError:
        return MIN_ANSWERS
    low, high = MIN_ANSWERS_RANGE
    return number if low <= number <= high else MIN_ANSWERS
