"""``python -m bot.cli …``: commands for operators and for ``make``.

- ``engine``: run the Rasa engine (replaces this process; used by the Procfile);
- ``engine-token``: print the token of the engine's HTTP API (for curl and local tools);
- ``catalogs-source``: make the German catalog the identity of the template (``make catalogs``);
- ``catalogs-check``: list every problem of the catalogs (exit 1 if there is one).
"""

from __future__ import annotations

import argparse
import os
import sys

from bot.catalogs import check_catalogs, fill_source_catalog
from bot.settings import get_settings
from bot.stack import ENGINE_ENV, RASA, engine_command, engine_token


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run one command."""
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("engine", help="run the Rasa engine on 127.0.0.1")
    commands.add_parser("engine-token", help="print the token of the engine's HTTP API")
    commands.add_parser("catalogs-source", help="fill the German catalog from the template")
    commands.add_parser("catalogs-check", help="check every catalog; exit 1 on problems")
    args = parser.parse_args(argv)
    settings = get_settings()

    if args.command == "engine":
        if not RASA.is_file():
            print("The engine environment is missing. Run: make setup", file=sys.stderr)
            return 1
        command = engine_command(settings)
        env = {**os.environ, **ENGINE_ENV}
        os.execve(command[0], command, env)
    if args.command == "engine-token":
        print(engine_token(settings))
    if args.command == "catalogs-source":
        print(f"de: {fill_source_catalog()} entries")
    if args.command == "catalogs-check":
        problems = check_catalogs()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
