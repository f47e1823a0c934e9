"""Start the platform: `python run.py` (see `python run.py --help`).

On first start with the embedded SQLite database, served on this computer only (the default
127.0.0.1), this creates instance/, builds the schema, loads the demo data set and prints the
demo logins. Every other first start (--no-demo, another --host, DATABASE_URL) is a real one:
it creates an administrator. Nothing is served beyond this computer while a demo account still
has the published demo password (trainingapp/first_start.py). `flask --app run ...` finds
`create_app` here for the command-line tools.
"""
import argparse
import os
import sys

try:
    import resource
except ImportError:  # Windows: no per-process descriptor limit to raise
    resource = None

from trainingapp import create_app  # noqa: F401  (flask --app run finds the factory)

#: A town's whole staff in one exam: 1,500 browsers, each holding one or two keep-alive
#: connections (a page load briefly opens up to six), with room to spare. Waitress's own default
#: is 100: the 101st browser waited in the listen queue until it timed out.
CONNECTION_LIMIT = 5000
#: Descriptors beyond the connections: the SQLite files, the WAL, logs, the listening socket.
SPARE_FILES = 256


def waitress_settings(threads: int = 16, connection_limit: int = CONNECTION_LIMIT) -> dict:
    """The keyword arguments `python run.py` passes to waitress.serve: enough connections, queue and
    descriptors for 1,500 browsers, idle keep-alive connections closed after 2 minutes.

    - connection_limit: open connections before waitress stops accepting (its default is 100).
    - backlog: connections the kernel queues while a sign-in wave arrives (capped by somaxconn).
    - asyncore_use_poll: poll() rather than select(), which cannot watch a descriptor above 1023.
    - channel_timeout: an idle connection (no request in progress) is closed after 120 s; a page
      that autosaves every 15 s keeps its connection, a closed laptop does not keep one for ever.
    - threads: 16 workers (docs/performance.md, "Embedded default": against 8, the start's p95
      fell from 901 to 390 ms and the save's from 705 to 579 ms in a 1,500-candidate rush): SQLite
      serialises the writes anyway, but a request waiting for a password check (two at a time) or
      for the writer must not hold up the saves behind it. app_settings gives each a connection.
    """
    return {"threads": threads, "connection_limit": connection_limit, "backlog": 2048,
            "asyncore_use_poll": True, "channel_timeout": 120, "cleanup_interval": 30,
            "ident": "trainingapp"}


def app_settings(threads: int) -> dict:
    """The configuration `python run.py` gives create_app: a database pool of at least one connection
    per waitress thread (the pool has no overflow, so a 16th thread would otherwise wait for one of
    DB_POOL_SIZE's 15 connections, and fail after 30 s)."""
    from trainingapp.platform.config import Config
    options = dict(Config.SQLALCHEMY_ENGINE_OPTIONS)
    options["pool_size"] = max(int(options.get("pool_size", 0)), threads)
    return {"SQLALCHEMY_ENGINE_OPTIONS": options}


def raise_open_file_limit(wanted: int) -> int:
    """Raise this process's soft limit of open files towards `wanted` (never above the hard limit,
    never lowering it); returns the soft limit now in force (`wanted` where there is no such limit)."""
    if resource is None:
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def serve_embedded(app, host: str, port: int, threads: int) -> None:
    """Serve `app` with waitress as the embedded default: file limit raised, the scheduled jobs
    (closing overdue attempts, sending the outbox, reminders, law versions, the daily backup)
    running in the background (there is no cron), then waitress until Ctrl+C."""
    from waitress import serve

    from trainingapp.web.scheduled import start_jobs
    limit = raise_open_file_limit(CONNECTION_LIMIT + SPARE_FILES)
    connections = CONNECTION_LIMIT
    if resource is not None and limit != resource.RLIM_INFINITY and limit < CONNECTION_LIMIT + SPARE_FILES:
        connections = max(limit - SPARE_FILES, 100)
        print(f"Warning: this system allows {limit} open files per process, so at most {connections} "
              "browsers at once (raise `ulimit -n` for more).")
    start_jobs(app)
    serve(app, host=host, port=port, **waitress_settings(threads, connections))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Start trainingapp, the legal training and exam platform. Without DATABASE_URL it "
                    "uses SQLite in instance/; on 127.0.0.1 it loads a demo data set on first start, "
                    "otherwise the first start creates an administrator.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"),
                        help="address to listen on (default 127.0.0.1, this computer only; 0.0.0.0 serves "
                             "the whole network and is refused while demo accounts keep the published password)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")),
                        help="port to listen on (default 5000)")
    parser.add_argument("--no-demo", action="store_true",
                        help="never load the demo data set: a real first start creates an administrator")
    parser.add_argument("--demo", action="store_true",
                        help="load the demo data set into an empty database even when DATABASE_URL is set "
                             "or --host is not 127.0.0.1 (it is still served on this computer only)")
    parser.add_argument("--threads", type=int, default=16, help="worker threads (default 16)")
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error(f"--threads must be at least 1 (got {args.threads})")
    if args.demo and args.no_demo:
        parser.error("--demo and --no-demo exclude each other")

    app = create_app(app_settings(args.threads))
    from flask_migrate import upgrade

    from trainingapp.web import first_start
    from trainingapp.web.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
    with app.app_context():
        upgrade()
        embedded = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
        loaded = False
        if first_start.should_load_demo(host=args.host, embedded=embedded, demo=args.demo,
                                        no_demo=args.no_demo, load_demo_setting=app.config["LOAD_DEMO"]):
            loaded = load_demo()
        administrator = None if loaded else first_start.ensure_administrator(interactive=sys.stdin.isatty())
        published = first_start.demo_accounts_with_published_password()
    refusal = first_start.serving_refusal(args.host, published)
    if refusal:
        print(refusal, file=sys.stderr)
        sys.exit(2)
    if administrator is not None:
        login, password = administrator
        print(f"Administrator account created: login {login}", end="")
        print(f", password {password} (shown only this once; it must be changed at first sign-in)"
              if password else "")
    everywhere = args.host in ("0.0.0.0", "::")  # noqa: S104 - only to print a clickable address
    address = f"http://{'127.0.0.1' if everywhere else args.host}:{args.port}/"
    print(f"trainingapp is running at {address}")
    if loaded:
        print("Demo data loaded.")
    if published:
        print("Demo logins (this computer only; never use the demo data for real work):")
        for login, what in DEMO_LOGINS:
            print(f"  {login:<20} {what}")
        print(f"  password: {DEMO_PASSWORD}")
    print("Press Ctrl+C to stop.")
    serve_embedded(app, args.host, args.port, args.threads)


if __name__ == "__main__":
    main()
