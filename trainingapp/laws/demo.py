"""The demo's law library: a fictional regulation in two versions, clearly labelled as such.

No real law text ships with the platform: nothing on the build machine lets us verify one
against an authoritative source. An administrator imports the real texts (the guide says how);
the demo only shows the layout, the versions and the search.
"""
from __future__ import annotations

from datetime import date

from .services import LawMeta, import_law
from .text_parser import parse_text

TITLE = "示例镇干部学法用法规定（虚构文本，仅供演示）"
NOTE = "虚构文本，仅供演示，不是真实的法律法规"

_FIRST = """示例镇干部学法用法规定（虚构文本，仅供演示）
（2023年12月1日示例镇人民政府第十次常务会议通过）
第一章　总　　则
第一条　为了示范法规库的使用，编写本规定。本规定为虚构文本，仅供演示。
第二条　本规定适用于示例镇的在编干部。
第二章　学　　习
第三条　干部每年应当完成学法学时。
第四条　学法方式包括：
（一）参加集中培训；
（二）在线学习课程；
（三）参加普法活动。
第三章　考　　试
第五条　学法考试每年组织一次，满分一百分，六十分合格。
第六条　考试不合格的，可以参加一次补考。
第四章　附　　则
第七条　本规定自2024年1月1日起施行。
"""

_SECOND = """示例镇干部学法用法规定（虚构文本，仅供演示）
（2023年12月1日示例镇人民政府第十次常务会议通过　2025年10月15日示例镇人民政府第二十次常务会议修订）
第一章　总　　则
第一条　为了示范法规库的使用，编写本规定。本规定为虚构文本，仅供演示。
第二条　本规定适用于示例镇的在编干部和村（社区）法律明白人。
第二章　学　　习
第三条　干部每年应当完成四十学时的学法学时。
第三条之一　学时由平台按实际学习时间记录，不以页面计时为准。
第四条　学法方式包括：
（一）参加集中培训；
（二）在线学习课程；
（三）参加普法活动；
（四）参加模拟考试。
第三章　考　　试
第五条　学法考试每年组织一次，满分一百分，六十分合格，九十分以上为优秀。
第六条　考试不合格的，可以参加一次补考，取较高成绩。
前款规定的补考，应当在考试结束后三十日内组织。
第四章　附　　则
第七条　本规定自2026年1月1日起施行。
"""


def load_laws_demo() -> int:
    """Import the fictional regulation (both versions); returns the number of versions."""
    versions = ((_FIRST, date(2023, 12, 1), date(2024, 1, 1)), (_SECOND, date(2025, 10, 15), date(2026, 1, 1)))
    for body, issued, effective in versions:
        import_law(None, parse_text(body), "line",
                   LawMeta(title=TITLE, short_title="示例学法规定", issuer="示例镇人民政府", issued_on=issued,
                           effective_on=effective, note=NOTE), "demo.txt")
    return len(versions)
