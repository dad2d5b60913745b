"""``python -m bot.cli …``: commands for operators and for ``make``.

- ``engine``: run the Rasa engine (replaces this process; used by the Procfile);
- ``engine-token``: print the token of the engine's HTTP API (for curl and local tools);
- ``scale-procfile --engines N --action-servers M``: print the Procfile of ``make demo-scale``
  (refuses unless ``LOTSE_DATABASE_URL`` is PostgreSQL and ``LOTSE_REDIS_URL`` Redis, both reachable);
- ``catalogs-update``: bring every language's catalog in line with the template, creating
  missing ones (``make catalogs``);
- ``catalogs-source``: make the German catalog the identity of the template (``make catalogs``);
- ``catalogs-check``: list every problem of the catalogs (exit 1 if there is one);
- ``db-upgrade``: create or migrate the database (``LOTSE_DATABASE_URL``) to the newest schema;
- ``backup <file>``: write a backup of the database (SQLite: online backup API; PostgreSQL:
  ``pg_dump``) to a new file readable by its owner only;
- ``restore <file> [--force]``: replace an empty (or, forced, any) database with a backup, migrate
  it to the newest schema and delete what is past its retention time;
- ``purge``: delete closed leads and idle conversations past their retention time;
- ``counsellor-add <username> --name … [--telegram-id …] [--role admin]``: create a counsellor
  (asks for the password, or reads it from stdin with ``--password-stdin``); ``--role admin`` may
  also export and delete leads; ``--totp`` sets up a second factor and prints its QR code; a new
  password ends the account's open logins;
- ``counsellor-logout <username> [--disable]``: end every inbox login of the account (a stolen
  laptop); ``--disable`` also deactivates it until ``counsellor-add`` gives it a new password.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.catalogs import check_catalogs, fill_source_catalog, update_catalogs
from bot.settings import PROJECT_ROOT, Settings, get_settings
from bot.stack import ENGINE_ENV, RASA, engine_command, engine_token, scale_procfile


def database_problem(url: str, attempts: int = 5, wait: float = 1.0) -> str | None:
    """Why the database at ``url`` cannot be used (after a few tries), or ``None``."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_fixed

    from bot.database import make_engine

    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_fixed(wait),
        reraise=True,
        retry=retry_if_exception_type(SQLAlchemyError),
    )
    try:
        for attempt in retrying:
            with attempt:
                engine = make_engine(url)
                try:
                    with engine.connect() as connection:
                        connection.execute(text("SELECT 1"))
                finally:
                    engine.dispose()
    except SQLAlchemyError as error:
        return type(error).__name__
    return None


def redis_problem(url: str, timeout: float = 3.0) -> str | None:
    """Why Redis at ``url`` cannot be used, or ``None``."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError) as error:
        return type(error).__name__
    return None


def _engine(args: argparse.Namespace, settings: Settings) -> int:
    if not RASA.is_file():
        print("The engine environment is missing. Run: make setup", file=sys.stderr)
        return 1
    problem = database_problem(settings.effective_database_url)
    if problem is not None:
        # Rasa would silently keep conversations in memory instead (and lose them): refuse.
        print(f"The database is not reachable ({problem}); not starting the engine.", file=sys.stderr)
        return 1
    problem = redis_problem(settings.redis_url) if settings.redis_url else None
    if problem is not None:
        # its lock store would fail every message: refuse to start rather than answer errors.
        print(f"Redis is not reachable ({problem}); not starting the engine.", file=sys.stderr)
        return 1
    command = engine_command(settings)
    env = {**os.environ, **ENGINE_ENV}
    os.chdir(PROJECT_ROOT)  # `python -m nlu.engine` and the model's nlu.components live here
    os.execve(command[0], command, env)


def _engine_token(args: argparse.Namespace, settings: Settings) -> int:
    print(engine_token(settings))
    return 0


def _scale_procfile(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.engine import make_url

    database = settings.database_url
    if not database or make_url(database).get_backend_name() != "postgresql":
        print(
            "Several engines share one PostgreSQL database: set LOTSE_DATABASE_URL=postgresql+psycopg://…",
            file=sys.stderr,
        )
        return 1
    if not settings.redis_url or not settings.redis_url.startswith(("redis://", "rediss://")):
        print("Several engines need Redis for their lock store: set LOTSE_REDIS_URL=redis://…", file=sys.stderr)
        return 1
    problem = database_problem(database)
    if problem is not None:
        print(f"The database is not reachable ({problem}).", file=sys.stderr)
        return 1
    problem = redis_problem(settings.redis_url)
    if problem is not None:
        print(f"Redis is not reachable ({problem}).", file=sys.stderr)
        return 1
    try:
        print(scale_procfile(settings, args.engines, args.action_servers), end="")
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def _scale_procfile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engines", type=int, default=2, help="how many engines (default 2)")
    parser.add_argument("--action-servers", type=int, default=1, help="how many action servers, 1..engines")


def _catalogs_update(args: argparse.Namespace, settings: Settings) -> int:
    for language, count in update_catalogs().items():
        print(f"{language}: {count} entries to translate" if count else f"{language}: complete")
    return 0


def _catalogs_source(args: argparse.Namespace, settings: Settings) -> int:
    print(f"de: {fill_source_catalog()} entries")
    return 0


def _catalogs_check(args: argparse.Namespace, settings: Settings) -> int:
    problems = check_catalogs()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def _facts_due(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.loader import load_knowledge
    from knowledge.schema import months_ago

    found = load_knowledge().due(months_ago(args.months))
    for where, checked, urls in found:
        print(f"{checked.isoformat()}  {where}  {' '.join(urls)}")
    print(f"{len(found)} due (checked more than {args.months} months ago)")
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.migrations import upgrade

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    print("database is up to date")
    return 0


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.database import make_engine, make_sessions
    from bot.inbox.throttle import LoginThrottler
    from bot.leads.erasure import purge_expired

    sessions = make_sessions(make_engine(settings.effective_database_url))
    purged = purge_expired(sessions, settings.lead_retention_days, settings.conversation_retention_days)
    throttled = LoginThrottler(sessions).forget_stale()
    print(f"purged {purged.leads} leads, {purged.conversations} conversations and {throttled} login-throttle rows")
    return 0


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.backup import KEEP_DAYS, BackupError, backup

    try:
        size = backup(settings.effective_database_url, args.file)
    except BackupError as error:
        print(f"No backup: {error}", file=sys.stderr)
        return 1
    print(f"backup written: {args.file} ({size:,} bytes, readable by its owner only)")
    print(f"It holds personal data: keep it encrypted and off this machine, and delete it after {KEEP_DAYS} days.")
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from bot.backup import BackupError, restore
    from bot.database import make_engine, make_sessions
    from bot.leads.audit import record_audit
    from bot.leads.erasure import purge_expired

    url = settings.effective_database_url
    try:
        restored = restore(url, args.file, force=args.force)
    except BackupError as error:
        print(f"Not restored: {error}", file=sys.stderr)
        return 1
    shown = ", ".join(f"{name} {count}" for name, count in sorted(restored.rows.items()) if count)
    print(f"restored and migrated to the newest schema: {shown or 'no rows'}")
    engine = make_engine(url)
    try:
        sessions = make_sessions(engine)
        purged = purge_expired(sessions, settings.lead_retention_days, settings.conversation_retention_days)
        with sessions.begin() as session:
            record_audit(session, "operator", "restore")
    finally:
        engine.dispose()
    print(f"past their retention time: purged {purged.leads} leads and {purged.conversations} conversations")
    print("What people had erased after this backup was taken is back in the database (README: Backups).")
    return 0


def _counsellor_add(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from bot.counsellors import WeakPassword, add_counsellor, totp_uri
    from bot.database import make_engine, make_sessions

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Passwort: ")
    try:
        counsellor = add_counsellor(
            make_sessions(make_engine(settings.effective_database_url)),
            args.username,
            args.name,
            password,
            args.telegram_id,
            args.role,
            args.totp,
        )
    except WeakPassword as error:
        print(f"Password too short: {error}", file=sys.stderr)
        return 1
    print(f"counsellor {args.username} saved")
    uri = totp_uri(counsellor) if args.totp else None
    if uri is not None:
        import segno  # rendered here, never sent to a QR service

        print("Scan this with an authenticator app (or type the URI in):")
        print(uri)
        segno.make(uri, error="m").terminal(compact=True)
    return 0


def _counsellor_logout(args: argparse.Namespace, settings: Settings) -> int:
    from bot.counsellors import end_logins
    from bot.database import make_engine, make_sessions

    sessions = make_sessions(make_engine(settings.effective_database_url))
    if not end_logins(sessions, args.username, disable=args.disable):
        print(f"no counsellor {args.username}", file=sys.stderr)
        return 1
    if args.disable:
        print(f"counsellor {args.username} disabled and logged out everywhere (counsellor-add enables it again)")
    else:
        print(f"counsellor {args.username} logged out everywhere")
    return 0


def _counsellor_logout_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("username")
    parser.add_argument("--disable", action="store_true", help="also deactivate the account (stolen device, left)")


def _facts_due_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--months", type=int, default=12, help="older than this many months (default 12)")


def _backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the backup to write (a new file; mode 0600)")


def _restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a file written by `backup` (same kind of database)")
    parser.add_argument("--force", action="store_true", help="replace a database that holds rows")


def _counsellor_add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("username")
    parser.add_argument("--name", required=True, help="display name, e.g. 'Anna Berg'")
    parser.add_argument("--telegram-id", type=int, default=None, help="Telegram user id (to claim cards)")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    parser.add_argument(
        "--role",
        choices=("counsellor", "admin"),
        default=None,
        help="counsellor (sees and changes leads) or admin (also exports and deletes); new accounts: counsellor",
    )
    parser.add_argument("--totp", action="store_true", help="require a TOTP code at login (prints a new QR code)")


@dataclass(frozen=True)
class Command:
    """One sub-command: its help line, what it does (returns the exit code) and its own arguments."""

    help: str
    run: Callable[[argparse.Namespace, Settings], int]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None


COMMANDS: dict[str, Command] = {
    "engine": Command("run the Rasa engine (on LOTSE_ENGINE_HOST, default 127.0.0.1)", _engine),
    "engine-token": Command("print the token of the engine's HTTP API", _engine_token),
    "scale-procfile": Command(
        "print the Procfile of make demo-scale (PostgreSQL + Redis)", _scale_procfile, _scale_procfile_arguments
    ),
    "catalogs-update": Command("update (or create) every language's catalog", _catalogs_update),
    "catalogs-source": Command("fill the German catalog from the template", _catalogs_source),
    "catalogs-check": Command("check every catalog; exit 1 on problems", _catalogs_check),
    "facts-due": Command("list facts, rules and occupations whose check is older", _facts_due, _facts_due_arguments),
    "db-upgrade": Command("create or migrate the database schema", _db_upgrade),
    "backup": Command("write a backup of the database to a new file", _backup, _backup_arguments),
    "restore": Command("restore a backup into an empty database, then migrate it", _restore, _restore_arguments),
    "purge": Command("delete what is past its retention time", _purge),
    "counsellor-add": Command("create or update a counsellor account", _counsellor_add, _counsellor_add_arguments),
    "counsellor-logout": Command(
        "end every inbox login of a counsellor; --disable also deactivates the account",
        _counsellor_logout,
        _counsellor_logout_arguments,
    ),
}


def parser() -> argparse.ArgumentParser:
    """The command line of ``COMMANDS``."""
    found = argparse.ArgumentParser(prog="python -m bot.cli", description=__doc__)
    commands = found.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        sub = commands.add_parser(name, help=command.help)
        if command.arguments is not None:
            command.arguments(sub)
    return found


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run one command."""
    args = parser().parse_args(argv)
    return COMMANDS[args.command].run(args, get_settings())


if __name__ == "__main__":
    raise SystemExit(main())
