"""Law texts the tests build (fictional, in the official layout)."""

TITLE = "中华人民共和国测试法"

#: A whole text: title, 题注 over two lines, 目录, 编/章/节, 第X条之一, 款 and 项.
WHOLE = """中华人民共和国测试法

（2017年9月1日第十二届全国人民代表大会常务委员会第二十九次会议通过
　2021年1月22日第十三届全国人民代表大会常务委员会第二十五次会议修订）

目　　录
第一编　总　　则
第一章　一般规定
第二章　罚款
　第一节　数额
第二编　附　　则

第一编　总　　则
第一章　一般规定
第一条　为了规范测试行为，制定本法。
第二条　本法所称测试，是指：
（一）书面测试；
（二）口头测试。
前款规定的测试，由行政机关组织。
第二章　罚款
第一节　数额
第三条　罚款的数额不得超过五千元。
第三条之一　罚款应当当场出具收据。
第四条　第三条规定的罚款，当事人可以申请听证。
第二编　附　　则
第五条　本法自2021年7月15日起施行。
"""


def text(*articles, title=TITLE, note="（2020年5月1日某某会议通过）", chapters=False):
    """A small text of numbered articles: text("第一条　甲。", "第二条　乙。")."""
    body = "\n".join(articles)
    return f"{title}\n{note}\n" + ("第一章　总则\n" if chapters else "") + body + "\n"
