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

from trainingapp import create_app  # noqa: F401  (flask --app run finds the factory)


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
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    args = parser.parse_args(argv)
    if args.demo and args.no_demo:
        parser.error("--demo and --no-demo exclude each other")

    app = create_app()
    from flask_migrate import upgrade

    from trainingapp import first_start
    from trainingapp.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
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
    from waitress import serve
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="trainingapp")


if __name__ == "__main__":
    main()
