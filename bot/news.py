"""News for open web chats: an open chat's event stream looks at once when something for it is committed.

The database stays the source of truth: news for a web chat is an outbox row (a counsellor took
the request, wrote to the person, ended the conversation; ``bot.leads.outbox``), taken by the
chat's event stream (``GET /api/events``). A stream looks for it now and then (``poll_seconds``),
and at once when the bell rings for its chat:

- :func:`ring_on_commit` rings the bell after each commit (of the gateway's sessions) that queued
  news for a web chat, whichever service queued it (a claim in the inbox or on the card, a relayed
  message, a conversation ended after the quiet time);
- :class:`NewsBell` (the default) wakes the streams open on this gateway instance;
- :class:`RedisNewsBell` (``LOTSE_REDIS_URL`` set) also publishes the chat's id on the Redis
  channel ``lotse:news``, which every gateway instance listens to: a claim made on one instance
  reaches a chat whose stream is open on another at once. A missed message (Redis down or
  restarting) only delays the news until the next look;
- :class:`PostgresNewsBell` (no Redis, the database is PostgreSQL) does the same with PostgreSQL's
  own ``NOTIFY`` / ``LISTEN`` on the channel ``lotse_news``: several gateways on one PostgreSQL
  need no Redis for it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.leads.models import Lead, OutboxMessage
from bot.leads.outbox import Recipient, kinds_for

logger = structlog.get_logger(__name__)

CHANNEL = "lotse:news"
LOCAL_POLL_SECONDS = 1.0
"""Without Redis: how often an open stream looks anyway (news queued by another process)."""
SHARED_POLL_SECONDS = 5.0
"""With Redis: the bell reaches every instance, so a look now and then catches only what it missed."""
RECONNECT_SECONDS = 1.0
_PENDING = "lotse_news"
"""``Session.info`` key: the web chats with news queued in the session's transaction."""
_WEB_KINDS = frozenset(kinds_for(Recipient.PERSON_WEB))


class Doorbell:
    """One open stream's bell: set when news for its chat was committed."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()

    def clear(self) -> None:
        """Before a look: what rings during the look wakes the next wait."""
        self.event.clear()

    async def wait(self, timeout: float) -> bool:
        """Until the bell rings or ``timeout`` seconds pass; whether it rang."""
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return False
        return True


class NewsBell:
    """Wakes the event streams open on this gateway instance."""

    poll_seconds = LOCAL_POLL_SECONDS

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, set[Doorbell]] = {}

    @contextmanager
    def listening(self, chat: str) -> Iterator[Doorbell]:
        """A doorbell for ``chat`` (a conversation id) while an event stream for it is open."""
        bell = Doorbell()
        with self._lock:
            self._open.setdefault(chat, set()).add(bell)
        try:
            yield bell
        finally:
            with self._lock:
                bells = self._open.get(chat, set())
                bells.discard(bell)
                if not bells:
                    self._open.pop(chat, None)

    def wake(self, chats: Iterable[str]) -> None:
        """Wake the streams of ``chats`` open here; from any thread."""
        with self._lock:
            bells = [bell for chat in chats for bell in self._open.get(chat, ())]
        for bell in bells:
            try:
                bell.loop.call_soon_threadsafe(bell.event.set)
            except RuntimeError:  # its loop has just closed (the gateway is stopping)
                continue

    def ring(self, chats: Iterable[str]) -> None:
        """News for ``chats`` was committed (called from the thread that committed)."""
        self.wake(chats)

    async def run(self) -> None:
        """Listen for news from other instances (none without Redis)."""

    async def aclose(self) -> None:
        """Let go of connections, if any."""


class SharedNewsBell(NewsBell):
    """A bell that also tells, and hears from, the other gateway instances (Redis or PostgreSQL)."""

    poll_seconds = SHARED_POLL_SECONDS

    def __init__(self) -> None:
        super().__init__()
        self._instance = uuid.uuid4().hex  # its own messages were delivered here already

    def _message(self, chats: list[str]) -> str:
        return json.dumps({"from": self._instance, "chats": chats})

    def _heard(self, data: str) -> None:
        try:
            news: dict[str, Any] = json.loads(data)
            chats = [chat for chat in news["chats"] if isinstance(chat, str)]
        except (ValueError, KeyError, TypeError):
            logger.warning("news.malformed")
            return
        if news.get("from") != self._instance:
            self.wake(chats)


class RedisNewsBell(SharedNewsBell):
    """Also tells, and hears from, every other gateway instance through Redis pub/sub."""

    def __init__(self, url: str) -> None:
        from redis import Redis  # only imported where Redis is configured
        from redis.asyncio import Redis as AsyncRedis

        super().__init__()
        # a commit rings from a worker thread: a blocking client there, short timeouts
        self._publisher = Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._subscriber = AsyncRedis.from_url(url, decode_responses=True)

    def ring(self, chats: Iterable[str]) -> None:
        from redis.exceptions import RedisError

        chats = list(chats)
        self.wake(chats)
        try:
            self._publisher.publish(CHANNEL, self._message(chats))
        except RedisError as error:  # the other instances find the news on their next look
            logger.error("news.redis_unavailable", error=type(error).__name__)

    async def run(self) -> None:
        """Listen on ``lotse:news`` until cancelled; after a Redis failure, again a moment later."""
        from redis.exceptions import RedisError

        while True:
            try:
                async with self._subscriber.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._heard(message["data"])
            except RedisError as error:
                logger.error("news.redis_unavailable", error=type(error).__name__)
            await asyncio.sleep(RECONNECT_SECONDS)

    async def aclose(self) -> None:
        self._publisher.close()
        await self._subscriber.aclose()


PG_CHANNEL = "lotse_news"
PG_CHATS_PER_NOTIFY = 100
"""A ``NOTIFY`` payload holds less than 8,000 bytes: a web chat's id is 40 characters."""


def libpq_url(database_url: str) -> str:
    """``postgresql+psycopg://…`` (SQLAlchemy) as the ``postgresql://…`` URL libpq reads."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresNewsBell(SharedNewsBell):
    """Also tells, and hears from, every other gateway instance through PostgreSQL's ``NOTIFY`` /
    ``LISTEN`` — for several gateways on one PostgreSQL database without Redis.

    A commit rings from a worker thread: one blocking autocommit connection, kept and shared under a
    lock, sends ``pg_notify``; the listener is one async connection per instance. A notification
    missed (PostgreSQL restarting) only delays the news until the next look."""

    poll_seconds = LOCAL_POLL_SECONDS
    """A look every second, as without it: only the gateways ring, news queued by another process
    (or on sessions without :func:`ring_on_commit`) is found by the look."""

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self._url = libpq_url(database_url)
        self._publisher: Any = None
        self._publisher_lock = threading.Lock()

    def ring(self, chats: Iterable[str]) -> None:
        import psycopg

        chats = list(chats)
        self.wake(chats)
        with self._publisher_lock:
            try:
                if self._publisher is None or self._publisher.closed:
                    self._publisher = psycopg.connect(self._url, autocommit=True, connect_timeout=2)
                for start in range(0, len(chats), PG_CHATS_PER_NOTIFY):
                    message = self._message(chats[start : start + PG_CHATS_PER_NOTIFY])
                    self._publisher.execute("SELECT pg_notify(%s, %s)", (PG_CHANNEL, message))
            except psycopg.Error as error:  # the other instances find the news on their next look
                logger.error("news.postgres_unavailable", error=type(error).__name__)
                self._close_publisher()

    def _close_publisher(self) -> None:
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            publisher.close()

    async def run(self) -> None:
        """``LISTEN lotse_news`` until cancelled; after a failure, again a moment later."""
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True, connect_timeout=2
                ) as connection:
                    await connection.execute(f"LISTEN {PG_CHANNEL}")
                    async for notification in connection.notifies():
                        self._heard(notification.payload)
            except psycopg.Error as error:
                logger.error("news.postgres_unavailable", error=type(error).__name__)
            await asyncio.sleep(RECONNECT_SECONDS)

    async def aclose(self) -> None:
        with self._publisher_lock:
            self._close_publisher()


def news_bell(redis_url: str | None, database_url: str | None = None) -> NewsBell:
    """Redis when configured; else PostgreSQL's NOTIFY when the database is PostgreSQL; else this
    instance only (SQLite: one gateway)."""
    if redis_url:
        return RedisNewsBell(redis_url)
    if database_url and database_url.startswith("postgresql"):
        return PostgresNewsBell(database_url)
    return NewsBell()


def ring_on_commit(sessions: sessionmaker, bell: NewsBell) -> None:
    """Ring ``bell`` for the web chats that a transaction of ``sessions`` queued news for, once it commits."""

    def queued(session: Session, _context: object) -> None:
        leads = {row.lead_id for row in session.new if isinstance(row, OutboxMessage) and row.kind in _WEB_KINDS}
        leads.discard(None)
        if not leads:
            return
        chats = session.info.setdefault(_PENDING, set())
        for lead_id in leads:
            lead = session.identity_map.get(session.identity_key(Lead, lead_id))
            if isinstance(lead, Lead):
                chats.add(lead.conversation_id)
            else:  # not loaded in this session: read it on the flush's own connection
                found = session.connection().scalar(select(Lead.conversation_id).where(Lead.id == lead_id))
                if found is not None:
                    chats.add(found)

    def committed(session: Session) -> None:
        chats = session.info.pop(_PENDING, None)
        if not chats:
            return
        try:
            bell.ring(chats)
        except Exception as error:  # noqa: BLE001 - committed already: the streams' next look finds it
            logger.error("news.ring_failed", error=type(error).__name__)

    def rolled_back(session: Session, _previous: object = None) -> None:
        session.info.pop(_PENDING, None)

    event.listen(sessions, "after_flush", queued)
    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_soft_rollback", rolled_back)
