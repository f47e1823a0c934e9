"""Demo courses over the laws of the sample question bank, with some study done in 2026.

The texts are short original summaries of the provisions they cite (article numbers of the
versions in force: 宪法 2018, 民法典 2020, 行政处罚法 2021, 安全生产法 2021, 行政强制法
2011, 人民调解法 2010). Called by the demo loader with department ids by name.
"""
# ruff: noqa: E501 - the course texts are Chinese prose, one Markdown paragraph a line.
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from ...accounts.models import Department, User
from ...accounts.tree import DepartmentTree
from ...platform.clock import now
from ...platform.extensions import db
from .models import Course, CourseCompletion, Material, StudyProgress
from .services import course_audience

XIANFA_1 = """## 宪法是国家的根本法

- 宪法以法律的形式确认了中国各族人民奋斗的成果，规定了国家的根本制度和根本任务，是国家的根本法，具有最高的法律效力（宪法序言）。
- 一切法律、行政法规和地方性法规都不得同宪法相抵触；一切国家机关和武装力量、各政党和各社会团体、各企业事业组织都必须遵守宪法和法律（第五条）。
- 中华人民共和国实行依法治国，建设社会主义法治国家（第五条）。

## 国家的根本制度

- 社会主义制度是中华人民共和国的根本制度。中国共产党领导是中国特色社会主义最本质的特征（第一条）。
- 中华人民共和国的一切权力属于人民。人民行使国家权力的机关是全国人民代表大会和地方各级人民代表大会（第二条）。

## 宪法宣誓

国家工作人员就职时应当依照法律规定公开进行宪法宣誓（第二十七条）。每年12月4日是国家宪法日。
"""

XIANFA_2 = """## 公民的基本权利和义务

- 凡具有中华人民共和国国籍的人都是中华人民共和国公民。公民在法律面前一律平等。国家尊重和保障人权（第三十三条）。
- 年满十八周岁的公民，除依照法律被剥夺政治权利的人外，都有选举权和被选举权（第三十四条）。
- 公民的人格尊严不受侵犯（第三十八条）；公民的住宅不受侵犯，禁止非法搜查或者非法侵入公民的住宅（第三十九条）。
- 公民有劳动的权利和义务（第四十二条），有受教育的权利和义务（第四十六条），有依照法律纳税的义务（第五十六条）。

> 基层工作提示：入户检查、查封场所等执法活动必须有法律依据并遵守法定程序，这是宪法保护人格尊严和住宅的要求。
"""

MINFADIAN_1 = """《中华人民共和国民法典》于2020年5月28日由第十三届全国人民代表大会第三次会议通过，自2021年1月1日起施行，共7编1260条：总则、物权、合同、人格权、婚姻家庭、继承、侵权责任，另有附则。

## 民事行为能力

| 年龄 | 民事行为能力 | 条文 |
| --- | --- | --- |
| 十八周岁以上 | 完全民事行为能力人 | 第十八条 |
| 十六周岁以上、以自己的劳动收入为主要生活来源 | 视为完全民事行为能力人 | 第十八条 |
| 八周岁以上的未成年人 | 限制民事行为能力人 | 第十九条 |
| 不满八周岁 | 无民事行为能力人 | 第二十条 |

## 诉讼时效

向人民法院请求保护民事权利的诉讼时效期间为三年，自权利人知道或者应当知道权利受到损害以及义务人之日起计算；自权利受到损害之日起超过二十年的，人民法院不予保护（第一百八十八条）。
"""

MINFADIAN_2 = """## 邻里之间

- 不动产的相邻权利人应当按照有利生产、方便生活、团结互助、公平合理的原则，正确处理相邻关系（第二百八十八条）。

## 高空抛物

- 禁止从建筑物中抛掷物品。造成他人损害的，由侵权人依法承担侵权责任；经调查难以确定具体侵权人的，除能够证明自己不是侵权人的外，由可能加害的建筑物使用人给予补偿（第一千二百五十四条）。
- 物业服务企业等建筑物管理人应当采取必要的安全保障措施防止此类情形发生；发生后，公安等机关应当依法及时调查，查清责任人（第一千二百五十四条）。
"""

CHUFA_1 = """## 行政处罚的种类（第九条）

1. 警告、通报批评；
2. 罚款、没收违法所得、没收非法财物；
3. 暂扣许可证件、降低资质等级、吊销许可证件；
4. 限制开展生产经营活动、责令停产停业、责令关闭、限制从业；
5. 行政拘留；
6. 法律、行政法规规定的其他行政处罚。

## 不予处罚与追责时效

- 违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚；初次违法且危害后果轻微并及时改正的，可以不予行政处罚（第三十三条）。
- 违法行为在二年内未被发现的，不再给予行政处罚；涉及公民生命健康安全、金融安全且有危害后果的，上述期限延长至五年（第三十六条）。
"""

CHUFA_2 = """## 程序要点

- 行政处罚应当由具有行政执法资格的执法人员实施，执法人员不得少于两人，法律另有规定的除外（第四十二条）。
- **简易程序**：违法事实确凿并有法定依据，对公民处以二百元以下、对法人或者其他组织处以三千元以下罚款或者警告的，可以当场作出行政处罚决定（第五十一条）。
- **听证**：拟作出较大数额罚款，没收较大数额违法所得、较大价值非法财物，降低资质等级、吊销许可证件，责令停产停业、责令关闭、限制从业等决定的，应当告知当事人有要求听证的权利；当事人要求听证的，应当在告知后五日内提出（第六十三条、第六十四条）。
- **缴纳罚款**：当事人应当自收到行政处罚决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款（第六十七条）。
"""

ANQUAN_1 = """《中华人民共和国安全生产法》于2021年6月10日第三次修正，自2021年9月1日起施行。

- 安全生产工作坚持中国共产党的领导，坚持人民至上、生命至上，把保护人民生命安全摆在首位，坚持安全第一、预防为主、综合治理的方针（第三条）。
- 安全生产工作实行管行业必须管安全、管业务必须管安全、管生产经营必须管安全（第三条）。
- 生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责（第五条）。
- 乡镇人民政府和街道办事处应当明确负责安全生产监督管理的有关工作机构及其职责，加强安全生产监管力量建设，按照职责对本行政区域内生产经营单位的安全生产状况进行监督检查（第九条）。
"""

ANQUAN_2 = """- 从业人员发现直接危及人身安全的紧急情况时，有权停止作业或者在采取可能的应急措施后撤离作业场所；生产经营单位不得因此降低其工资、福利等待遇或者解除劳动合同（第五十五条）。
- 从业人员发现事故隐患或者其他不安全因素，应当立即向现场安全生产管理人员或者本单位负责人报告（第五十九条）。
- 生产安全事故发生后，单位负责人接到报告应当迅速采取有效措施组织抢救，防止事故扩大，并按照国家有关规定立即如实报告当地负有安全生产监督管理职责的部门，不得隐瞒不报、谎报或者迟报（第八十三条）。
"""

ZONGHE_1 = """2018年12月，国务院办公厅印发《关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见》（国办发〔2018〕118号），要求全面推行行政执法"三项制度"：

1. **行政执法公示制度**：事前公开执法主体、职责、权限、依据、程序和救济渠道；执法时出示执法证件、表明身份；事后公开执法决定。
2. **执法全过程记录制度**：用文字和音像记录执法的启动、调查取证、审核决定、送达执行等全过程，做到全程留痕、可以回溯。
3. **重大执法决定法制审核制度**：作出重大执法决定前必须经过法制审核；未经审核或者审核未通过的，不得作出决定。
"""

ZONGHE_2 = """《中华人民共和国行政强制法》要点：

- 行政强制措施由法律、法规规定的行政机关在法定职权范围内实施，不得委托（第十七条）。
- 实施前须向行政机关负责人报告并经批准；由两名以上行政执法人员实施，出示执法身份证件，通知当事人到场，当场告知理由、依据以及当事人依法享有的权利和救济途径，听取陈述和申辩，制作现场笔录（第十八条）。
- 查封、扣押的期限不得超过三十日；情况复杂的，经行政机关负责人批准可以延长，但延长期限不得超过三十日，法律、行政法规另有规定的除外（第二十五条）。
- 行政机关不得在夜间或者法定节假日实施行政强制执行，情况紧急的除外；不得对居民生活采取停止供水、供电、供热、供燃气等方式迫使当事人履行相关行政决定（第四十三条）。
"""

ZONGHE_3 = """- 行政处罚应当由具有行政执法资格的执法人员实施（《行政处罚法》第四十二条）。执法辅助人员没有执法资格，不能独立作出行政处罚或者行政强制决定。
- 辅助人员在执法人员的指挥和监督下，依照本地有关规定从事宣传劝导、巡查发现、信息采集、协助调查取证等辅助性工作。
- 遇到当事人拒绝配合或者现场冲突时，立即报告带队执法人员，不擅自采取强制措施；全程记录设备保持开启。
"""

TIAOJIE_1 = """《中华人民共和国人民调解法》要点：

- 人民调解委员会是依法设立的调解民间纠纷的群众性组织（第七条）。村民委员会、居民委员会设立人民调解委员会（第八条）。
- 人民调解委员会调解民间纠纷，不收取任何费用（第四条）。
- 经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行（第三十一条）。
- 双方当事人认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认（第三十三条）。
"""

JIASHI_1 = """- 结婚年龄，男不得早于二十二周岁，女不得早于二十周岁（《民法典》第一千零四十七条）。
- **离婚冷静期**：自婚姻登记机关收到离婚登记申请之日起三十日内，任何一方不愿意离婚的，可以向婚姻登记机关撤回申请（第一千零七十七条）。
- 成年子女对父母负有赡养、扶助和保护的义务（第二十六条）。
- 宅基地使用权人依法对集体所有的土地享有占有和使用的权利，有权依法利用该土地建造住宅及其附属设施（第三百六十二条）。
"""


def _courses(ids: dict[str, int]) -> list[dict]:
    villages = ["共和社区", "来苏村", "平岭村"]
    return [
        dict(title="宪法基本知识", category="宪法", credits=1, published=datetime(2026, 2, 16, 1),
             description="学习宪法的地位、国家根本制度和公民的基本权利义务。全体干部必学。", audience=[],
             materials=[("text", "宪法的地位和国家根本制度", 10, XIANFA_1, None),
                        ("text", "公民的基本权利和义务", 10, XIANFA_2, None),
                        ("video", "宪法宣传视频（全国人大网）", 5, "在全国人大网观看宪法宣传片，了解宪法宣誓制度。",
                         "https://www.npc.gov.cn/")]),
        dict(title="民法典与群众生活", category="民法典", credits=1, published=datetime(2026, 3, 2, 1),
             description="民法典的结构、民事行为能力、诉讼时效和邻里纠纷中常用的条文。", audience=[],
             materials=[("text", "民法典概况与民事主体", 10, MINFADIAN_1, None),
                        ("text", "邻里纠纷：相邻关系与高空抛物", 10, MINFADIAN_2, None)]),
        dict(title="行政处罚法要点", category="行政处罚法", credits=1.5, published=datetime(2026, 3, 16, 1),
             description="处罚种类、不予处罚和追责时效，简易程序、听证与罚款缴纳。",
             audience=[{"department_id": ids["共和镇"], "categories": ["staff", "contract", "auxiliary"]}],
             materials=[("text", "处罚的种类与原则", 15, CHUFA_1, None),
                        ("text", "程序：简易程序、听证和罚款缴纳", 15, CHUFA_2, None)]),
        dict(title="安全生产法与乡镇安全监管", category="安全生产法", credits=1, published=datetime(2026, 4, 1, 1),
             description="安全生产的方针、乡镇的监管职责、从业人员的权利和事故报告。",
             audience=[{"department_id": ids[name], "categories": []}
                       for name in ("应急办", "市场监督", "食安办")],
             materials=[("text", "安全生产的方针和乡镇职责", 15, ANQUAN_1, None),
                        ("text", "从业人员的权利和事故报告", 10, ANQUAN_2, None)]),
        dict(title="综合法律知识线上培训", category="", credits=2, published=datetime(2026, 4, 13, 1),
             description="面向综合行政执法办在编执法人员和执法辅助人员：执法“三项制度”、行政强制法要点和辅助人员的工作边界。",
             audience=[{"department_id": ids["综合行政执法办"], "categories": ["staff", "auxiliary"]}],
             materials=[("text", "行政执法“三项制度”", 10, ZONGHE_1, None),
                        ("text", "行政强制措施与强制执行", 15, ZONGHE_2, None),
                        ("text", "执法辅助人员的工作边界", 10, ZONGHE_3, None),
                        ("video", "执法全过程记录（司法部网站）", 5, "在司法部网站学习行政执法规范化建设的有关内容。",
                         "https://www.moj.gov.cn/")]),
        dict(title="法律明白人：身边的法律", category="人民调解法", credits=1, published=datetime(2026, 5, 4, 1),
             description="面向村（社区）干部和法律明白人：人民调解，婚姻家庭、赡养和宅基地常识。",
             audience=[{"department_id": ids[name], "categories": ["village", "legal_literate"]} for name in villages],
             materials=[("text", "人民调解", 10, TIAOJIE_1, None),
                        ("text", "家事与宅基地常识", 10, JIASHI_1, None)]),
    ]


#: The demo "cadre" account's own record, so their credits show at once.
_CADRE_DONE = ("宪法基本知识", "综合法律知识线上培训")
_CADRE_STARTED = ("行政处罚法要点",)


def load_courses_demo(ids: dict[str, int]) -> None:
    """Six published courses and the study of some demo people in 2026 (one commit)."""
    author = db.session.scalar(select(User).where(User.login == "trainer")) or db.session.scalar(
        select(User).where(User.role == "admin"))
    courses = []
    for spec in _courses(ids):
        course = Course(title=spec["title"], category=spec["category"], credits=spec["credits"],
                        description=spec["description"], audience=spec["audience"], is_published=True,
                        published_at=spec["published"], created_at=spec["published"] - timedelta(days=3),
                        created_by_id=author.id if author else None)
        for position, (kind, title, minutes, body, url) in enumerate(spec["materials"]):
            course.materials.append(Material(position=position, title=title, kind=kind, minutes=minutes,
                                             body_markdown=body, video_url=url))
        db.session.add(course)
        courses.append(course)
    db.session.flush()
    _study(courses)
    db.session.commit()


def _study(courses: list[Course]) -> None:
    tree = DepartmentTree.from_rows(db.session.execute(select(Department.id, Department.name,
                                                              Department.parent_id)).all())
    people = db.session.scalars(select(User).where(User.status == "active", User.role.in_(("cadre", "liaison")))
                                .order_by(User.id)).all()
    rng = random.Random(2026)
    latest = min(now() - timedelta(days=1), datetime(2026, 11, 20))
    for course in courses:
        for person in people:
            if not course_audience(course).includes(person, tree):
                continue
            if person.login == "cadre":
                state = ("done" if course.title in _CADRE_DONE
                         else "started" if course.title in _CADRE_STARTED else None)
            else:
                roll = rng.random()
                state = "done" if roll < 0.45 else "started" if roll < 0.7 else None
            if state is None:
                continue
            span = (latest - course.published_at).days
            if span < 2:
                continue
            moment = course.published_at + timedelta(days=rng.randrange(1, span), hours=rng.randrange(0, 9))
            _progress(person, course, moment, done=state == "done")


def _progress(person: User, course: Course, moment: datetime, *, done: bool) -> None:
    for material in course.materials:
        moment += timedelta(seconds=material.seconds + 30)
        if done:
            db.session.add(StudyProgress(user_id=person.id, material_id=material.id,
                                         credited_seconds=material.seconds, last_beat_at=moment,
                                         completed_at=moment))
        else:
            # Half of the first material: a course started and left for later.
            db.session.add(StudyProgress(user_id=person.id, material_id=material.id,
                                         credited_seconds=material.seconds // 2, last_beat_at=moment))
            return
    db.session.add(CourseCompletion(user_id=person.id, course_id=course.id, completed_at=moment,
                                    credits=course.credits))
