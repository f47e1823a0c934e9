"""Configuration: defaults here, environment variables override them."""
import os
from datetime import timedelta


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")  # None: a stable key is generated into instance/
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite in instance/
    #: Up to DB_POOL_SIZE connections per process, kept open once opened: SQLAlchemy's default
    #: (5 kept + 10 overflow) closed and reopened connections on every burst, and a new PostgreSQL
    #: connection costs a process fork. Keep it at least gunicorn's --threads.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": int(os.environ.get("DB_POOL_SIZE", "15")), "max_overflow": 0}
    #: A pooled connection idle this long is tested before use (database.ping_idle_connections).
    DB_PING_AFTER_IDLE_SECONDS = float(os.environ.get("DB_PING_AFTER_IDLE_SECONDS", "10"))
    #: Waits bounded when the database is slow or silent (database.py). A connection must open
    #: within DB_CONNECT_TIMEOUT_SECONDS (PostgreSQL; at least 2); a request waits at most
    #: DB_POOL_TIMEOUT_SECONDS for a free pooled connection.
    DB_CONNECT_TIMEOUT_SECONDS = int(os.environ.get("DB_CONNECT_TIMEOUT_SECONDS", "3"))
    DB_POOL_TIMEOUT_SECONDS = float(os.environ.get("DB_POOL_TIMEOUT_SECONDS", "5"))
    #: PostgreSQL ends a statement running longer (the slowest report query takes about 16 s on
    #: a county's data, scale.md), and a transaction left idle longer; a statement whose answer
    #: does not come back a second after its timeout has its connection cut (a silent server).
    DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "60000"))
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = int(os.environ.get("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", "300000"))
    #: The health check and the exam API are done with the database within this many seconds
    #: or answer 503 (PostgreSQL; a silent SQLite file does not happen).
    DB_REQUEST_BUDGET_SECONDS = float(os.environ.get("DB_REQUEST_BUDGET_SECONDS", "5"))
    #: Starts one worker process runs at once (exams/admission.py): at an exam's opening minute
    #: the rest wait up to START_QUEUE_WAIT_SECONDS for a place, then are answered 503 "in the
    #: queue, number N, about M seconds" and retry by themselves, instead of all slowing down together.
    START_CONCURRENCY = int(os.environ.get("START_CONCURRENCY", "4"))
    START_QUEUE_WAIT_SECONDS = float(os.environ.get("START_QUEUE_WAIT_SECONDS", "2"))
    #: Where the demo data set is loaded: on first start with SQLite served on 127.0.0.1; with
    #: DATABASE_URL only when this is set (still on 127.0.0.1 only) or run.py --demo is given.
    LOAD_DEMO = _bool("LOAD_DEMO", False)
    #: The address people outside the office reach the platform at (https://xuefa.example.gov.cn),
    #: printed in the QR codes of certificates so anyone can check them; unset, the address the
    #: cadre downloading the certificate browsed on (often an intranet one).
    PUBLIC_URL = (os.environ.get("PUBLIC_URL") or "").strip().rstrip("/") or None

    #: E-mail reminders (notifications/sending.py, through Flask-Mailman's SMTP backend). Without
    #: MAIL_SERVER no e-mail is queued; in-app notifications and group robots work regardless.
    MAIL_SERVER = (os.environ.get("MAIL_SERVER") or "").strip() or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "xuefa@localhost")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "20"))
    #: Always SMTP (Flask-Mailman would switch to an in-memory backend under TESTING).
    MAIL_BACKEND = "smtp"
    #: `flask notifications send`: tries per message before it is marked failed; the wait after
    #: the n-th failed try is NOTIFY_BACKOFF_SECONDS × 2^(n-1); a message being sent is leased
    #: for NOTIFY_LEASE_SECONDS (a sender that dies leaves it to be sent again after that).
    NOTIFY_MAX_TRIES = int(os.environ.get("NOTIFY_MAX_TRIES", "6"))
    NOTIFY_BACKOFF_SECONDS = int(os.environ.get("NOTIFY_BACKOFF_SECONDS", "60"))
    NOTIFY_LEASE_SECONDS = int(os.environ.get("NOTIFY_LEASE_SECONDS", "300"))
    #: Where the group robots are reached: the services' own https hosts. Only addresses there are
    #: accepted as webhooks (no SSRF); a network that reaches them through a relay names it here
    #: (ROBOT_BASE_URL_WECOM, ROBOT_BASE_URL_DINGTALK).
    ROBOT_BASE_URLS = {"wecom": os.environ.get("ROBOT_BASE_URL_WECOM", "https://qyapi.weixin.qq.com"),
                       "dingtalk": os.environ.get("ROBOT_BASE_URL_DINGTALK", "https://oapi.dingtalk.com")}
    #: Seconds to wait for a group robot's answer.
    WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))

    #: Hash methods (accounts/hashing.py): people's own passwords, and the temporary ones an
    #: admin or an import sets (changed at first sign-in, so a cheaper cost keeps a 50,000-row
    #: import fast). Older hashes still verify and are rehashed at the next sign-in.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "argon2id:9216:4:1")
    #: Password checks one process runs at once (each takes 9 MiB and tens of ms of a core).
    PASSWORD_CHECKS_AT_ONCE = int(os.environ.get("PASSWORD_CHECKS_AT_ONCE", "2"))
    INITIAL_PASSWORD_HASH_METHOD = os.environ.get("INITIAL_PASSWORD_HASH_METHOD", "scrypt:16384:8:1")

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    LANGUAGES = {"zh": "简体中文", "en": "English"}

    BOOTSTRAP_SERVE_LOCAL = True  # government intranets have no internet: never a CDN
    BOOTSTRAP_BOOTSWATCH_THEME = None

    # A CSRF token must outlive the longest exam: it lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    #: The per-address failure budgets (sign-in, check-in): in memory per process, or shared through
    #: Redis between processes and servers. Per-login delays live in the database.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    #: Sign-in throttling (accounts/throttle.py). Per login: LOGIN_FREE_FAILURES wrong passwords,
    #: then a delay of LOGIN_DELAY_SECONDS that doubles with each further failure up to
    #: LOGIN_DELAY_MAX_SECONDS; no lock for good (kept in the database: survives restarts).
    LOGIN_FREE_FAILURES = int(os.environ.get("LOGIN_FREE_FAILURES", "5"))
    LOGIN_DELAY_SECONDS = int(os.environ.get("LOGIN_DELAY_SECONDS", "60"))
    LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("LOGIN_DELAY_MAX_SECONDS", "1800"))
    #: Failed sign-ins one address may make across all logins before its failures get no free
    #: tries (password spraying). Successes are never counted or limited: a whole exam hall
    #: behind one NAT address signs in while someone in it guesses.
    LOGIN_FAILURES_PER_ADDRESS = os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "50 per 10 minutes")
    #: Self check-in: wrong codes one person may type for one session before their self check-in
    #: to it is locked (until a trainer unlocks it); wrong codes one address may type in all.
    CHECKIN_WRONG_CODES_BEFORE_LOCK = int(os.environ.get("CHECKIN_WRONG_CODES_BEFORE_LOCK", "5"))
    CHECKIN_FAILURES_PER_ADDRESS = os.environ.get("CHECKIN_FAILURES_PER_ADDRESS", "50 per 10 minutes")
    #: Signed-in sessions end after this long without a request (never while an exam attempt is
    #: within its deadline plus grace).
    IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "120")))
    ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("ABSOLUTE_TIMEOUT_HOURS", "12")))
    #: How often the embedded server (`python run.py`) closes attempts past their deadline and
    #: grace in its background jobs (web/scheduled.py); under gunicorn a cron job runs
    #: `flask --app run exams finalize` instead.
    FINALIZE_EVERY_SECONDS = float(os.environ.get("FINALIZE_EVERY_SECONDS", "60"))
    #: The embedded server's daily backups: kept this many days (0: none), in this folder
    #: (default: backups/ in the instance folder). Under gunicorn the backup is a cron job.
    EMBEDDED_BACKUP_DAYS = int(os.environ.get("EMBEDDED_BACKUP_DAYS", "30"))
    EMBEDDED_BACKUP_FOLDER = os.environ.get("EMBEDDED_BACKUP_FOLDER", "")

    #: Reverse proxies in front of the app (nginx: 1): their X-Forwarded-For/-Proto are trusted,
    #: so per-address limits and the audit log see the real client address.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    #: The addresses (or CIDR networks) those proxies connect from: forwarded headers from any
    #: other peer are ignored (trainingapp/proxies.py). Default: nginx on the same machine.
    TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "127.0.0.1, ::1")

    #: Response compression (Flask-Compress; trainingapp/compression.py): brotli where the browser
    #: offers it (HTTPS and localhost), gzip elsewhere. Off (COMPRESS=0) when a proxy compresses.
    COMPRESS_REGISTER = _bool("COMPRESS", True)
    COMPRESS_ALGORITHM = ["br", "gzip"]
    #: For pages and JSON, encoded afresh on every request: brotli 3 encodes an exam's paper (16 KB
    #: of JSON) in a third of brotli 5's time (0.17 ms against 0.59 ms) for 5.8 KB against 4.8 KB,
    #: and thousands of papers go out in an exam's first minute. Static files are encoded once
    #: per process at the levels below instead (compression.py).
    COMPRESS_BR_LEVEL = 3
    #: Bootstrap's CSS: 23.5 KB at brotli 10 (a fifth of a second, once) against 28 KB at 5;
    #: 31 KB at gzip 9 or 6.
    COMPRESS_STATIC_BR_LEVEL = 10
    COMPRESS_STATIC_GZIP_LEVEL = 9
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                          "image/svg+xml"]
    #: Below about one network packet, compressing saves no round trip and costs CPU: the answer
    #: saves of an exam (a hundred bytes of JSON) go out as they are.
    COMPRESS_MIN_SIZE = 1024
    #: Streams are downloads (xlsx, docx, pdf, images: compressed already) and ranged replies.
    COMPRESS_STREAMS = False

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024
    ROSTER_MAX_ROWS = int(os.environ.get("ROSTER_MAX_ROWS", "100000"))
    QUESTION_IMPORT_MAX_MB = int(os.environ.get("QUESTION_IMPORT_MAX_MB", "10"))
    QUESTION_IMPORT_MAX_ROWS = int(os.environ.get("QUESTION_IMPORT_MAX_ROWS", "20000"))
    SIGNIN_MAX_ROWS = int(os.environ.get("SIGNIN_MAX_ROWS", "20000"))
    #: What each import's workbook may unpack to (a zip bomb is refused before parsing): our own
    #: roster export of 100,000 people is about 60 MB unpacked; 20,000 long questions about 30 MB.
    #: Each import also reads at most its rows × 30 cells (tabular.limits_for).
    ROSTER_MAX_UNZIPPED_MB = int(os.environ.get("ROSTER_MAX_UNZIPPED_MB", "100"))
    QUESTION_IMPORT_MAX_UNZIPPED_MB = int(os.environ.get("QUESTION_IMPORT_MAX_UNZIPPED_MB", "60"))
    SIGNIN_MAX_UNZIPPED_MB = int(os.environ.get("SIGNIN_MAX_UNZIPPED_MB", "20"))
    #: An uploaded workbook is parsed in a child process (sandbox.py) with at most this much memory
    #: and time (CPU and wall seconds), and at most this many such parses at once per process. Our
    #: roster export of 100,000 people takes about 120 MB and 6 s to parse (scale.md, "Hostile uploads").
    UPLOAD_PARSE_MEMORY_MB = int(os.environ.get("UPLOAD_PARSE_MEMORY_MB", "1024"))
    UPLOAD_PARSE_SECONDS = float(os.environ.get("UPLOAD_PARSE_SECONDS", "60"))
    UPLOAD_PARSES_AT_ONCE = int(os.environ.get("UPLOAD_PARSES_AT_ONCE", "2"))


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL")
    WTF_CSRF_ENABLED = False
    LOAD_DEMO = False
    # Strong hashing is exercised by its own test; everywhere else it would only slow the suite.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name, tests only
    INITIAL_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105
