"""Random Telegram updates through the real aiogram dispatcher (issue 16, "Bad input, at scale").

The real ``Bot`` talks to the fake Bot API server; the dispatcher is ``create_dispatcher`` with
the people's chat and the counsellors' card buttons, a real SQLite database with a counsellor and
a lead, and the engine's URL on a closed port (people then get the honest "not reachable" answer).

Generated: messages, edited messages, channel posts, media, shared contacts, callback queries with
unknown, oversized or card data, from chats of every type, and updates from the counsellors' chat
by strangers. Properties: no exception out of the dispatcher; no message to the counsellors' chat
(nor an edited card) caused by someone who is not a counsellor; no answer to a group, supergroup
or channel. ``LOTSE_FUZZ_EXAMPLES`` sets how many (``make fuzz``).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation import Conversations
from bot.counsellors import add_counsellor
from bot.database import make_engine, make_sessions
from bot.engine import Engine
from bot.leads.submission import submit_lead
from bot.migrations import upgrade
from bot.settings import Settings
from bot.starter import free_port
from bot.telegram import create_dispatcher, make_bot
from devtools.fake_telegram import FakeTelegram
from tests.support.databases import give_consent, submission

EXAMPLES = int(os.environ.get("LOTSE_FUZZ_EXAMPLES", "200"))
COUNSELLOR = 5_000_001
"""The Telegram user id of the one counsellor."""
COUNSELLORS_CHAT = -1_001_234_567_890
PERSON = 7_000_001
STRANGERS = [7_000_002, 7_000_003, 1, 2**40]
GROUPS = [-42, -1_009_999_999_999, COUNSELLORS_CHAT]
MESSAGES_TO_A_CHAT = {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto", "sendDocument"}
_ids = itertools.count(1)


@dataclass
class Wired:
    loop: asyncio.AbstractEventLoop
    bot: Bot
    dispatcher: Dispatcher
    telegram: FakeTelegram
    lead_id: str
    kinds: Counter[str] = field(repr=False)
    elapsed: list[float] = field(repr=False)


@pytest.fixture(scope="module")
def wired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wired]:
    tmp = tmp_path_factory.mktemp("fuzz-telegram")
    url = f"sqlite:///{tmp / 'fuzz.db'}"
    upgrade(url)
    database = make_engine(url)
    sessions = make_sessions(database)
    add_counsellor(sessions, "anna", "Anna Berg", "correct horse battery", telegram_user_id=COUNSELLOR)
    conversation = str(uuid.uuid4())
    give_consent(sessions, conversation, "contact", "2026-11-28", "web")
    lead_id = str(submit_lead(sessions, submission(conversation)).id)
    telegram = FakeTelegram().start()
    settings_ = Settings(
        var_dir=tmp,
        database_url=url,
        telegram_token="42:FUZZ",
        telegram_api_base=telegram.base_url,
        counsellor_chat_id=COUNSELLORS_CHAT,
        public_url="https://lotse.example",
    )
    loop = asyncio.new_event_loop()
    engine = Engine(f"http://127.0.0.1:{free_port()}", 2.0)
    conversations = Conversations.from_settings(engine, settings_, sessions)
    bot = make_bot(settings_)
    try:
        yield Wired(loop, bot, create_dispatcher(settings_, sessions, conversations), telegram, lead_id, Counter(), [])
    finally:
        loop.run_until_complete(bot.session.close())
        loop.run_until_complete(conversations.aclose())
        loop.run_until_complete(engine.aclose())
        loop.close()
        telegram.stop()
        database.dispose()


# --- updates ---------------------------------------------------------------------------------

texts = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "/start",
            "/start partner-x",
            "/start " + "x" * 300,
            "/delete",
            "/language",
            "/privacy",
            "/help",
            '/inform{"age": -5}',
            '/request_counsellor{"consent": "contact"}',
            "/inform" + '{"a":' * 200 + "1" + "}" * 200,
            "<script>alert(1)</script>",
            "\u202e\x00\ufeff",
        ]
    ),
    st.builds(lambda text, n: text * n, st.sampled_from(["a", "ü ", "😀"]), st.integers(1, 5000)),
)

users = st.builds(
    lambda user_id, is_bot, name, language: {
        "id": user_id,
        "is_bot": is_bot,
        "first_name": name,
        **({"language_code": language} if language is not None else {}),
    },
    st.sampled_from([PERSON, COUNSELLOR, *STRANGERS]),
    st.booleans(),
    st.text(min_size=1, max_size=20),
    st.none() | st.sampled_from(["de", "uk", "ar", "fa", "xx", "zh-hans", ""]),
)


@st.composite
def chats(draw: st.DrawFn, user: dict[str, Any]) -> dict[str, Any]:
    kind = draw(st.sampled_from(["private", "group", "supergroup", "channel"]))
    if kind == "private":
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    return {"id": draw(st.sampled_from(GROUPS)), "type": kind, "title": draw(st.text(max_size=20))}


contents = st.one_of(
    texts.map(lambda text: {"text": text}),
    st.builds(
        lambda own, phone: {"contact": {"phone_number": phone, "first_name": "X", **({"user_id": own} if own else {})}},
        st.none() | st.sampled_from([PERSON, *STRANGERS]),
        st.text(max_size=30),
    ),
    st.just({"photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]}),
    st.just({"voice": {"file_id": "f", "file_unique_id": "u", "duration": 3}}),
    st.just(
        {
            "sticker": {
                "file_id": "f",
                "file_unique_id": "u",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        }
    ),
    st.just({"location": {"latitude": 53.6, "longitude": 11.4}}),
    st.just({"new_chat_members": [{"id": 42, "is_bot": True, "first_name": "Lotse"}]}),
    st.just({}),
)

callback_data = st.one_of(
    st.none(),
    st.text(max_size=64),
    st.text(min_size=65, max_size=5000),  # over Telegram's 64 bytes: only a forger sends it
    st.sampled_from(["lead:claim:LEAD", "lead:close:LEAD", "lead:claim:", "lead:claim:x:y", "lead:delete:LEAD"]),
    st.builds(lambda action, lead: f"lead:{action}:{lead}", st.sampled_from(["claim", "close"]), st.text(max_size=50)),
    st.sampled_from(["consent:contact", "/request_counsellor", '/inform{"age": -5}', "p:" + "0" * 24]),
    st.from_regex(r"appt:[A-Za-z0-9_-]{0,70}:(yes|other|maybe)", fullmatch=True),  # an appointment's answer, forged
)


@st.composite
def updates(draw: st.DrawFn) -> tuple[str, dict[str, Any], int, int]:
    """(kind, update, sender's user id, chat id)."""
    user = draw(users)
    chat = draw(chats(user))
    message = {"message_id": next(_ids), "date": 0, "chat": chat, **draw(contents)}
    if chat["type"] != "channel" or draw(st.booleans()):
        message["from"] = user
    kind = draw(st.sampled_from(["message", "edited_message", "channel_post", "callback_query"]))
    if kind == "edited_message":
        message["edit_date"] = 1
    if kind != "callback_query":
        return kind, {"update_id": next(_ids), kind: message}, user["id"], chat["id"]
    query: dict[str, Any] = {"id": str(next(_ids)), "from": user, "chat_instance": "ci"}
    if draw(st.booleans()):
        query["message"] = {**message, "from": {"id": 42, "is_bot": True, "first_name": "Lotse"}}
    data = draw(callback_data)
    if data is not None:
        query["data"] = data
    return kind, {"update_id": next(_ids), "callback_query": query}, user["id"], chat["id"]


def _sent_to_chats(telegram: FakeTelegram, since: int) -> list[tuple[str, int]]:
    return [
        (call.method, int(call.params["chat_id"]))
        for call in telegram.calls[since:]
        if call.method in MESSAGES_TO_A_CHAT and "chat_id" in call.params
    ]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(generated=updates())
def test_random_updates_crash_nothing_and_reach_no_group(wired: Wired, generated: tuple[str, dict, int, int]) -> None:
    kind, raw, user_id, _chat_id = generated
    callback = raw.get("callback_query", {})
    if "data" in callback:
        callback["data"] = callback["data"].replace("LEAD", wired.lead_id)
    update = Update.model_validate(raw, context={"bot": wired.bot})
    since = len(wired.telegram.calls)
    started = time.perf_counter()
    wired.loop.run_until_complete(wired.dispatcher.feed_update(wired.bot, update))  # raises what a handler raises
    wired.elapsed.append(time.perf_counter() - started)
    wired.kinds[kind] += 1
    for method, chat in _sent_to_chats(wired.telegram, since):
        # to a group, supergroup, channel or the counsellors' chat only: a counsellor's tap that
        # updates the card the button is on
        assert chat > 0 or (user_id == COUNSELLOR and method.startswith("edit")), (
            f"{method} to chat {chat} after a {kind} from {user_id}"
        )


def test_figures(wired: Wired) -> None:
    """Prints what the run above did (``make fuzz`` shows it with ``-s``)."""
    total = sum(wired.kinds.values())
    assert total > 0
    calls = Counter(call.method for call in wired.telegram.calls)
    print(
        f"\nfuzz telegram: {total} updates, {total / sum(wired.elapsed):.0f} updates/s in the dispatcher "
        f"({', '.join(f'{kind}: {n}' for kind, n in sorted(wired.kinds.items()))}); "
        f"Bot API calls: {', '.join(f'{method}: {n}' for method, n in sorted(calls.items()))}"
    )
