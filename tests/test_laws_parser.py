"""The law text parser (pure): layout, numbering, 题注 dates and problems by line."""
from datetime import date

from tests.law_texts import WHOLE, text
from trainingapp.laws.text_parser import article_label, parse_lines, parse_text, to_number


def test_numerals_both_ways():
    assert [to_number(n) for n in ("一", "十", "十二", "二十", "一百零五", "一千二百六十", "12", "１２")] == \
        [1, 10, 12, 20, 105, 1260, 12, 12]
    assert article_label(1260) == "第一千二百六十条"
    assert article_label(12, 1) == "第十二条之一"
    assert article_label(110) == "第一百一十条"


def test_whole_text_title_note_headings_and_articles():
    law = parse_text(WHOLE)
    assert law.problems == []
    assert law.title == "中华人民共和国测试法"
    assert law.version_date == date(2021, 1, 22)  # the latest date of the 题注
    assert law.effective_date == date(2021, 7, 15)  # from the closing article
    assert law.issuer == "全国人民代表大会常务委员会"
    assert law.note.startswith("2017年9月1日") and law.note.endswith("修订")
    assert [(h.label, h.articles) for h in law.headings] == [
        ("第一编 总则", 5), ("第一章 一般规定", 2), ("第二章 罚款", 3), ("第一节 数额", 3), ("第二编 附则", 1)]
    assert [a.label for a in law.articles] == ["第一条", "第二条", "第三条", "第三条之一", "第四条", "第五条"]
    assert law.heading_path(law.articles[3]) == "第一编 总则 / 第二章 罚款 / 第一节 数额"
    assert law.heading_path(law.articles[-1]) == "第二编 附则"


def test_paragraphs_and_items_stay_inside_their_article():
    law = parse_text(WHOLE)
    second = law.articles[1]
    assert second.paragraphs == ["本法所称测试，是指：", "（一）书面测试；", "（二）口头测试。",
                                 "前款规定的测试，由行政机关组织。"]
    # A paragraph starting with a citation of an article is not a new article.
    assert law.articles[4].text == "第三条规定的罚款，当事人可以申请听证。"


def test_arabic_numbers_full_width_spaces_and_blank_lines():
    law = parse_text("示例\n\n第1条 甲。\n\n\u3000\u3000第2条\u3000乙；\n\u3000\u3000丙。\n")
    assert [(a.number, a.text) for a in law.articles] == [(1, "甲。"), (2, "乙；\n丙。")]
    assert law.problems == []


def test_numbering_gaps_and_repeats_are_reported_with_their_lines():
    law = parse_text(text("第一条　甲。", "第三条　丙。", "第三条　丙又一次。", "第二条　乙。"))
    by_line = {p.line: (p.kind, p.message) for p in law.problems}
    assert by_line[4] == ("gap", "第三条 follows 第一条: 第二条 is missing.")
    assert by_line[5][0] == "error" and "第三条 again" in by_line[5][1] and "line 4" in by_line[5][1]
    assert by_line[6][0] == "error" and "out of order" in by_line[6][1]
    assert law.blocking(excerpt=True) == law.errors


def test_an_excerpt_may_skip_articles_but_errors_still_block():
    law = parse_text(text("第五条　戊。", "第九条　壬。"))
    assert [p.kind for p in law.problems] == ["gap", "gap"]
    assert law.blocking(excerpt=True) == []
    assert len(law.blocking(excerpt=False)) == 2


def test_article_outside_chapters_stray_text_and_empty_article():
    law = parse_text("某规定\n第一条　甲。\n第一章　总则\n第二条\n这是一段正文之后的说明。\n第三条　丙。\n")
    messages = {p.line: p.message for p in law.errors}
    assert "outside any chapter" in messages[2]
    # 第二条 has a paragraph on the next line: not empty; the stray line belongs to it.
    assert law.articles[1].paragraphs == ["这是一段正文之后的说明。"]
    law = parse_text("某规定\n第一章　总则\n说明文字放在了条文之前。\n第一条\n第二条　乙。\n")
    messages = {p.line: p.message for p in law.errors}
    assert "before the first article" in messages[3]
    assert messages[4] == "第一条 has no text."


def test_an_unnumbered_closing_heading():
    law = parse_text("某法\n第一章　总则\n第一条　甲。\n附　　则\n第二条　本法自2020年1月1日起施行。\n")
    assert law.problems == []
    assert law.heading_path(law.articles[1]) == "附则"


def test_no_article_is_a_problem_of_the_whole_text():
    law = parse_text("只是一段文字。\n")
    assert [p.line for p in law.errors] == [None]


def test_docx_paragraph_numbers_name_the_place():
    law = parse_lines([(1, "某规定"), (2, "第一条　甲。"), (3, "第一条　又是甲。")], unit="paragraph")
    assert law.errors[0].describe("paragraph") == "paragraph 3: 第一条 again (the first is at paragraph 2)."


def test_issuer_of_a_local_body():
    law = parse_text(text("第一条　甲。", note="（2025年10月15日示例镇人民政府第二十次常务会议修订）"))
    assert law.issuer == "示例镇人民政府"


def test_effective_from_publication_takes_the_version_date():
    law = parse_text(text("第一条　甲。", "第二条　本规定自公布之日起施行。", note="（2024年3月1日发布）"))
    assert law.version_date == date(2024, 3, 1) and law.effective_date == date(2024, 3, 1)


def test_dates_written_in_chinese_numerals_or_full_width_digits():
    # Older texts and some gazettes write the 题注 and the closing article's dates in characters.
    note = ("（一九九六年三月十七日第八届全国人民代表大会第四次会议通过　根据二〇〇九年八月二十七日"
            "第十一届全国人民代表大会常务委员会第十次会议《关于修改部分法律的决定》第一次修正）")
    law = parse_text(text("第一条　甲。", "第二条　本法自一九九六年十月一日起施行。", note=note))
    assert law.version_date == date(2009, 8, 27) and law.effective_date == date(1996, 10, 1)
    assert law.issuer == "全国人民代表大会常务委员会"
    law = parse_text(text("第一条　甲。", "第二条　本规定自２０２４年３月１日起施行。",
                          note="（２０２４年１月３０日发布）"))
    assert law.version_date == date(2024, 1, 30) and law.effective_date == date(2024, 3, 1)
    # A date that does not exist is not a date.
    law = parse_text(text("第一条　甲。", note="（二〇二一年一月二十二日通过　二〇二三年二月三十日修正）"))
    assert law.version_date == date(2021, 1, 22)


# A constitution-shaped text: the 目录 lists the 序言, whose paragraphs stand before the first chapter.
CONSTITUTION = """中华人民共和国示例宪法
（1982年12月4日第五届全国人民代表大会第五次会议通过）
目　　录
序　　言
第一章　总纲
第二章　公民的基本权利和义务
序　　言
中国是世界上历史最悠久的国家之一。
本宪法以法律的形式确认了各族人民奋斗的成果。
第一章　总　　纲
第一条　中华人民共和国是社会主义国家。
第二条　中华人民共和国的一切权力属于人民。
第二章　公民的基本权利和义务
第三条　中华人民共和国公民在法律面前一律平等。
"""


def test_a_preamble_before_the_first_chapter_is_kept_not_refused():
    law = parse_text(CONSTITUTION)
    assert law.problems == []
    assert law.preamble == "中国是世界上历史最悠久的国家之一。\n本宪法以法律的形式确认了各族人民奋斗的成果。"
    assert [a.label for a in law.articles] == ["第一条", "第二条", "第三条"]
    assert [h.label for h in law.headings] == ["第一章 总纲", "第二章 公民的基本权利和义务"]
    # Without any paragraph the 序言 is named as the problem.
    paragraphs = "中国是世界上历史最悠久的国家之一。\n本宪法以法律的形式确认了各族人民奋斗的成果。\n"
    empty = parse_text(CONSTITUTION.replace(paragraphs, ""))
    assert any("序言" in p.message for p in empty.problems)
