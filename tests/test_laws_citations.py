"""The 依据条款 parser (laws/citations.py): a table of spellings and what they cite."""
import pytest

from trainingapp.laws.citations import ArticleRef, article_label, chinese_numeral, parse_basis, to_number

A = ArticleRef

TABLE = [
    # the spellings of issue #27
    ("《中华人民共和国行政处罚法》第六十四条", [("中华人民共和国行政处罚法", [A(64)])], ""),
    ("《行政处罚法》第64条", [("行政处罚法", [A(64)])], ""),
    ("行政处罚法第六十四条第一款", [("行政处罚法", [A(64, 0, 1)])], ""),
    ("中华人民共和国行政处罚法第一百零五条", [("中华人民共和国行政处罚法", [A(105)])], ""),
    # several articles, ranges
    ("《行政处罚法》第六十三条、第六十四条", [("行政处罚法", [A(63), A(64)])], ""),
    ("《行政处罚法》第六十三条、六十四条", [("行政处罚法", [A(63), A(64)])], ""),
    ("《行政处罚法》第63、64条", [("行政处罚法", [A(63), A(64)])], ""),
    ("《行政处罚法》第六十三条和第六十四条", [("行政处罚法", [A(63), A(64)])], ""),
    ("《行政处罚法》第六十三条及第六十四条", [("行政处罚法", [A(63), A(64)])], ""),
    ("《行政处罚法》第六十三条，第六十四条", [("行政处罚法", [A(63), A(64)])], ""),
    ("《行政处罚法》第三十条至第三十二条", [("行政处罚法", [A(30), A(31), A(32)])], ""),
    ("《行政处罚法》第30条-第32条", [("行政处罚法", [A(30), A(31), A(32)])], ""),
    ("《行政处罚法》第三十条至三十二条、第四十条", [("行政处罚法", [A(30), A(31), A(32), A(40)])], ""),
    # 款, 项, 之一
    ("《行政处罚法》第六十四条第一款、第二款", [("行政处罚法", [A(64, 0, 1), A(64, 0, 2)])], ""),
    ("《行政处罚法》第九条第（一）项", [], None),  # (一) is not a number: the 项 is left as text
    ("《行政处罚法》第九条第一款第三项", [("行政处罚法", [A(9, 0, 1, 3)])], ""),
    ("《安全生产法》第一百一十四条之一", [("安全生产法", [A(114, 1)])], ""),
    ("《刑法》第一百三十四条之一第二项", [("刑法", [A(134, 1, None, 2)])], ""),
    # full-width digits, spaces, other marks
    ("行政复议法第 １２ 条", [("行政复议法", [A(12)])], ""),
    ("〈行政许可法〉第十二条", [("行政许可法", [A(12)])], ""),
    ("《行政复议法》", [("行政复议法", [])], ""),
    # several laws, words around them
    ("《行政处罚法》第六十四条；《行政强制法》第十条", [("行政处罚法", [A(64)]), ("行政强制法", [A(10)])], ""),
    ("根据行政处罚法第63、64条及《行政许可法》第十二条；另见教材第三章",
     [("行政处罚法", [A(63), A(64)]), ("行政许可法", [A(12)])], "另见教材第三章"),
    ("依据《信访工作条例》第二十条", [("信访工作条例", [A(20)])], ""),
    ("行政处罚法第六十四条及行政强制法第十条", [("行政处罚法", [A(64)]), ("行政强制法", [A(10)])], ""),
    # junk
    ("", [], ""),
    ("见教材", [], "见教材"),
    ("第六十四条", [], "第六十四条"),
    ("《行政处罚法》第零条", [("行政处罚法", [])], "第零条"),
]


@pytest.mark.parametrize("text,expected,remainder", TABLE, ids=[row[0] or "empty" for row in TABLE])
def test_parsing_table(text, expected, remainder):
    parsed = parse_basis(text)
    if text == "《行政处罚法》第九条第（一）项":
        assert [(c.title, list(c.articles)) for c in parsed.citations] == [("行政处罚法", [A(9)])]
        assert "(一)项" in parsed.remainder
        return
    assert [(c.title, list(c.articles)) for c in parsed.citations] == expected
    assert parsed.remainder == remainder


def test_the_span_as_written_is_kept():
    parsed = parse_basis("根据《行政处罚法》第六十三条、第六十四条，以及《行政强制法》第十条的规定")
    assert [c.text for c in parsed.citations] == ["《行政处罚法》第六十三条、第六十四条", "《行政强制法》第十条"]
    assert parsed.remainder == "以及；的规定"


def test_a_long_range_is_not_expanded():
    parsed = parse_basis("《行政处罚法》第一条至第三百条")
    assert list(parsed.citations[0].articles) == [A(1), A(300)]


@pytest.mark.parametrize("written,number", [("六十四", 64), ("一百零五", 105), ("十二", 12), ("二十", 20),
                                            ("一千零一十", 1010), ("64", 64), ("两百", 200), ("", 0)])
def test_numerals(written, number):
    assert to_number(written) == number


@pytest.mark.parametrize("number", [1, 10, 11, 20, 64, 100, 105, 110, 1000, 1010, 2021])
def test_chinese_numerals_round_trip(number):
    assert to_number(chinese_numeral(number)) == number


def test_article_labels():
    assert article_label(64, 0, 1) == "第六十四条第一款"
    assert article_label(114, 1, None, 2) == "第一百一十四条之一第二项"
    assert A(12).label == "第十二条"
