"""Laws, versions and articles made directly with the models, for the tests of what questions cite."""
from datetime import date

from trainingapp.platform.extensions import db

PENALTY_2017 = {63: ("行政机关作出责令停产停业、吊销许可证或者执照、较大数额罚款等行政处罚决定之前，"
                     "应当告知当事人有要求举行听证的权利。"),
                64: "听证依照以下程序组织：当事人要求听证的，应当在行政机关告知后三日内提出。"}
PENALTY_2021 = {63: ("行政机关拟作出下列行政处罚决定，应当告知当事人有要求听证的权利，"
                     "当事人要求听证的，行政机关应当组织听证。"),
                64: "听证应当依照以下程序组织：当事人要求听证的，应当在行政机关告知后五日内提出。",
                65: "听证结束后，行政机关应当根据听证笔录，依照本法第五十七条的规定，作出决定。"}


def make_law(app, title="中华人民共和国行政处罚法", short="行政处罚法", versions=None, repealed_on=None):
    """A law with its versions: [(effective_on, {article number: text})]; returns (law id, [version ids])."""
    from trainingapp.laws.models import Article, Law, LawVersion
    versions = versions if versions is not None else [(date(2017, 9, 1), PENALTY_2017)]
    with app.app_context():
        law = Law(title=title, short_title=short, repealed_on=repealed_on)
        db.session.add(law)
        ids = []
        for effective_on, articles in versions:
            version = LawVersion(law=law, issued_on=effective_on, effective_on=effective_on)
            for position, (number, text) in enumerate(sorted(articles.items())):
                suffix = 0
                if isinstance(number, tuple):
                    number, suffix = number
                version.articles.append(Article(number=number, suffix=suffix, position=position, text=text))
            db.session.add(version)
            db.session.flush()
            ids.append(version.id)
        db.session.commit()
        return law.id, ids


def add_version(app, law_id, effective_on, articles):
    """A new version of a law (not yet announced to the question bank); its id."""
    from trainingapp.laws.models import Article, LawVersion
    with app.app_context():
        version = LawVersion(law_id=law_id, issued_on=effective_on, effective_on=effective_on)
        for position, (number, text) in enumerate(sorted(articles.items())):
            version.articles.append(Article(number=number, suffix=0, position=position, text=text))
        db.session.add(version)
        db.session.commit()
        return version.id


def announce(app, law_id, old_version_id, new_version_id):
    """What laws does when a version becomes current (or the law is repealed): send law_changed and commit."""
    from trainingapp.platform.signals import answers, law_changed
    with app.app_context():
        marked = answers(law_changed, law_id=law_id, old_version_id=old_version_id, new_version_id=new_version_id)
        db.session.commit()
        return marked


def cite(app, make, basis, qtype="single", **kwargs):
    """A question with this legal basis, its citations built as the bank builds them on save."""
    from trainingapp.questionbank import citing
    from trainingapp.questionbank.models import Question
    question = make.question(qtype, **kwargs)
    with app.app_context():
        stored = db.session.get(Question, question.id)
        stored.basis = basis
        db.session.flush()
        citing.rebuild([question.id])
        db.session.commit()
    return question.id
