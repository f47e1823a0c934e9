"""Start the platform: `python run.py` (see `python run.py --help`).

On first start with the embedded SQLite database this creates instance/, builds the
schema, loads the demo data set and prints the demo logins. `flask --app run ...` finds
`create_app` here for the command-line tools.
"""
import argparse
import os

from trainingapp import create_app  # noqa: F401  (flask --app run finds the factory)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Start trainingapp, the legal training and exam platform. Without DATABASE_URL it "
                    "uses SQLite in instance/ and loads a demo data set on first start.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"),
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 serves the whole network)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")),
                        help="port to listen on (default 5000)")
    parser.add_argument("--no-demo", action="store_true", help="never load the demo data set")
    parser.add_argument("--demo", action="store_true",
                        help="load the demo data set into an empty database even when DATABASE_URL is set")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    args = parser.parse_args(argv)

    app = create_app()
    from flask_migrate import upgrade

    from trainingapp.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
    with app.app_context():
        upgrade()
        embedded = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
        loaded = False
        if not args.no_demo and (embedded or args.demo or app.config["LOAD_DEMO"]):
            loaded = load_demo()
    everywhere = args.host in ("0.0.0.0", "::")  # noqa: S104 - only to print a clickable address
    address = f"http://{'127.0.0.1' if everywhere else args.host}:{args.port}/"
    print(f"trainingapp is running at {address}")
    if loaded:
        print("Demo data loaded. Demo logins (password for all: %s):" % DEMO_PASSWORD)
    if loaded or (embedded and not args.no_demo):
        for login, what in DEMO_LOGINS:
            print(f"  {login:<20} {what}")
        print(f"  password: {DEMO_PASSWORD}")
    print("Press Ctrl+C to stop.")
    from waitress import serve
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="trainingapp")


if __name__ == "__main__":
    main()
