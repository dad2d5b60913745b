"""``python -m bot.cli …``: commands for operators and for ``make``.

- ``engine``: run the Rasa engine (replaces this process; used by the Procfile);
- ``engine-token``: print the token of the engine's HTTP API (for curl and local tools);
- ``catalogs-update``: bring every language's catalog in line with the template, creating
  missing ones (``make catalogs``);
- ``catalogs-source``: make the German catalog the identity of the template (``make catalogs``);
- ``catalogs-check``: list every problem of the catalogs (exit 1 if there is one);
- ``db-upgrade``: create or migrate the database (``LOTSE_DATABASE_URL``) to the newest schema;
- ``purge``: delete closed leads and idle conversations past their retention time;
- ``counsellor-add <username> --name … [--telegram-id …]``: create a counsellor (asks for the
  password, or reads it from stdin with ``--password-stdin``).
"""

from __future__ import annotations

import argparse
import os
import sys

from bot.catalogs import check_catalogs, fill_source_catalog, update_catalogs
from bot.settings import PROJECT_ROOT, get_settings
from bot.stack import ENGINE_ENV, RASA, engine_command, engine_token


def database_problem(url: str, attempts: int = 5, wait: float = 1.0) -> str | None:
    """Why the database at ``url`` cannot be used (after a few tries), or ``None``."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_fixed

    from bot.database import make_engine

    retrying = Retrying(stop=stop_after_attempt(attempts), wait=wait_fixed(wait), reraise=True,
                        retry=retry_if_exception_type(SQLAlchemyError))
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


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run one command."""
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("engine", help="run the Rasa engine on 127.0.0.1")
    commands.add_parser("engine-token", help="print the token of the engine's HTTP API")
    commands.add_parser("catalogs-update", help="update (or create) every language's catalog")
    commands.add_parser("catalogs-source", help="fill the German catalog from the template")
    commands.add_parser("catalogs-check", help="check every catalog; exit 1 on problems")
    due = commands.add_parser("facts-due", help="list facts, rules and occupations whose check is older")
    due.add_argument("--months", type=int, default=12, help="older than this many months (default 12)")
    commands.add_parser("db-upgrade", help="create or migrate the database schema")
    commands.add_parser("purge", help="delete what is past its retention time")
    add = commands.add_parser("counsellor-add", help="create or update a counsellor account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name, e.g. 'Anna Berg'")
    add.add_argument("--telegram-id", type=int, default=None, help="Telegram user id (to claim cards)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    args = parser.parse_args(argv)
    settings = get_settings()

    if args.command == "engine":
        if not RASA.is_file():
            print("The engine environment is missing. Run: make setup", file=sys.stderr)
            return 1
        problem = database_problem(settings.effective_database_url)
        if problem is not None:
            # Rasa would silently keep conversations in memory instead (and lose them): refuse.
            print(f"The database is not reachable ({problem}); not starting the engine.", file=sys.stderr)
            return 1
        command = engine_command(settings)
        env = {**os.environ, **ENGINE_ENV}
        os.chdir(PROJECT_ROOT)  # `python -m nlu.engine` and the model's nlu.components live here
        os.execve(command[0], command, env)
    if args.command == "engine-token":
        print(engine_token(settings))
    if args.command == "catalogs-update":
        for language, count in update_catalogs().items():
            print(f"{language}: {count} entries to translate" if count else f"{language}: complete")
    if args.command == "catalogs-source":
        print(f"de: {fill_source_catalog()} entries")
    if args.command == "facts-due":
        from knowledge.loader import load_knowledge
        from knowledge.schema import months_ago

        found = load_knowledge().due(months_ago(args.months))
        for where, checked, urls in found:
            print(f"{checked.isoformat()}  {where}  {' '.join(urls)}")
        print(f"{len(found)} due (checked more than {args.months} months ago)")
    if args.command == "db-upgrade":
        from bot.migrations import upgrade

        settings.var_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.effective_database_url)
        print("database is up to date")
    if args.command == "purge":
        from bot.database import make_engine, make_sessions
        from bot.leads.service import purge_expired

        engine = make_engine(settings.effective_database_url)
        purged = purge_expired(make_sessions(engine), settings.lead_retention_days,
                               settings.conversation_retention_days)
        print(f"purged {purged.leads} leads and {purged.conversations} conversations")
    if args.command == "counsellor-add":
        import getpass

        from bot.counsellors import WeakPassword, add_counsellor
        from bot.database import make_engine, make_sessions

        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Passwort: ")
        try:
            add_counsellor(make_sessions(make_engine(settings.effective_database_url)), args.username,
                           args.name, password, args.telegram_id)
        except WeakPassword as error:
            print(f"Password too short: {error}", file=sys.stderr)
            return 1
        print(f"counsellor {args.username} saved")
    if args.command == "catalogs-check":
        problems = check_catalogs()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
