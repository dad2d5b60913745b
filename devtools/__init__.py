"""What the tests and the benchmark (``bench/``) share: a fake Telegram Bot API server over HTTP
(``fake_telegram``), Debian's Chromium settings for Playwright (``browser``), the gateway and a
partner's website served on localhost (``servers``), a fresh PostgreSQL database (``databases``),
simulated people in the web chat (``people``), the memory and CPU time of processes (``processes``),
and the arithmetic of ``make soak`` (``soak``) and of the scaling benchmark (``scale``).

Development tools only: never imported by ``bot/``, ``actions/``, ``knowledge/`` or ``nlu/``
(an import-linter contract in ``pyproject.toml`` checks it), and not part of the installed package.
"""
