"""Builds the peer application's data for `python -m bench.rush capacity --peer-python ...`.

The peer is FlaskBB 2.2.0 (PyPI), a forum on the same stack as ours (Flask 3.1, Flask-Login,
Flask-WTF, Flask-SQLAlchemy, SQLAlchemy 2, psycopg 3). Its write endpoint closest to our answer
save is a reply to a topic: a signed-in, CSRF-checked POST that stores one row. This script runs
with the peer's own Python (3.12, its own virtualenv; it cannot import trainingapp) and prints
JSON: the config file, the users' logins and one topic per user (so, as with our attempts, no
two virtual users write to the same parent row).

    python3.12 -m venv /tmp/peer-venv
    /tmp/peer-venv/bin/pip install flaskbb==2.2.0 gunicorn "psycopg[binary]"
    /tmp/peer-venv/bin/python bench/peer_flaskbb.py --folder F --database-url URL --users 32

FlaskBB 2.2.0 is written for Python 3.14 (annotations evaluated lazily: some name types imported
only for type checkers), which is not on this machine; `sitecustomize.py`, written into the
folder and put on PYTHONPATH by the bench, compiles FlaskBB's modules as if they began with
`from __future__ import annotations`, which has the same effect. Its `users.password` column
is 120 characters, shorter than the werkzeug scrypt hash it stores (162), which only SQLite lets
pass: the column is widened on PostgreSQL. Nothing else of FlaskBB is changed.
"""
import argparse
import json
import os
import subprocess  # noqa: S404 - the peer's own Python, arguments we build
import sys
from pathlib import Path

SITECUSTOMIZE = '''\
import __future__
import importlib.abc
import importlib.machinery
import sys


class _LazyAnnotationsLoader(importlib.machinery.SourceFileLoader):
    def source_to_code(self, data, path, *, _optimize=-1):
        return compile(data, path, "exec", flags=__future__.annotations.compiler_flag, dont_inherit=True,
                       optimize=_optimize)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if not name.startswith("flaskbb"):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = _LazyAnnotationsLoader(spec.loader.name, spec.loader.path)
        return spec


sys.meta_path.insert(0, _Finder())
'''

CONFIG = '''\
SQLALCHEMY_DATABASE_URI = {database_url!r}
SECRET_KEY = {secret!r}
WTF_CSRF_SECRET_KEY = {secret!r}
USE_DEFAULT_LOGGING = False
# Every virtual user comes from 127.0.0.1: as with our per-address sign-in limit (raised by the
# bench), the peer's sign-in limit would refuse the load (FlaskBB 2.2.0 then fails with a 500).
RATELIMIT_ENABLED = False
WHOOSHEE_DIR = {whoosh!r}
CELERY_CONFIG = {{"task_always_eager": True, "broker_url": "memory://", "result_backend": "cache+memory://"}}
'''

PASSWORD = "bench-pass-2026"  # noqa: S105 - the peer's bench users, a throwaway database


def write_files(folder: Path, database_url: str, secret: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    config = folder / "flaskbb.cfg"
    config.write_text(CONFIG.format(database_url=database_url, secret=secret, whoosh=str(folder / "whoosh")))
    return config


def build(config: Path, users: int) -> dict:
    from flaskbb import create_app
    from flaskbb.extensions import db
    from flaskbb.forum.models import Category, Forum, Post, Topic
    from flaskbb.utils.populate import (
        create_default_groups,
        create_default_settings,
        create_latest_db,
        create_user,
        run_plugin_migrations,
    )
    from sqlalchemy import text

    app = create_app(str(config))
    with app.app_context():
        create_latest_db()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ALTER TABLE users ALTER COLUMN password TYPE varchar(255)"))
            db.session.commit()
        create_default_groups()
        create_default_settings()
        run_plugin_migrations()
        admin = create_user("benchadmin", PASSWORD, "benchadmin@example.org", "admin")
        category = Category(title="Bench", position=1)
        category.save()
        forum = Forum(title="Bench", description="bench/peer_flaskbb.py", category_id=category.id)
        forum.save()
        logins, topics = [], []
        for n in range(1, users + 1):
            login = f"peer{n:03d}"
            create_user(login, PASSWORD, f"{login}@example.org", "member")
            topic = Topic(title=f"Topic {n}")
            topic.save(user=admin, forum=forum, post=Post(content=f"Topic {n} for the bench."))
            logins.append(login)
            topics.append(topic.id)
    return {"logins": logins, "topics": topics, "password": PASSWORD}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--users", type=int, default=32)
    args = parser.parse_args()
    config = write_files(args.folder, args.database_url, args.secret)
    sys.path.insert(0, str(args.folder))
    import sitecustomize  # noqa: F401 - the loader above, before FlaskBB is imported
    result = build(config, args.users)
    # A first start registers the plugins; left to gunicorn, two workers race to do it and one fails.
    # A fresh process: FlaskBB's blueprints cannot be set up twice in one.
    subprocess.run([sys.executable, "-c", f"from flaskbb import create_app; create_app({str(config)!r})"],  # noqa: S603
                   check=True, env={**os.environ, "PYTHONPATH": str(args.folder)}, stdout=subprocess.DEVNULL)
    result["config"] = str(config)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
