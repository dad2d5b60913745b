"""Simulated people in the web chat, for ``make soak`` (``bench/soak.py``) and the scaling benchmark
(``bench/scale.py``): a person talks through the real gateway's ``POST /api/chat`` as the chat page
does, keeps its event stream open, resends like the page, and does what people do (the scenarios
below). Every turn is tagged with its *kind* (``KINDS``), so that latency can be read per kind.

A person retries like the chat page (``bot/web/static/chat.js``): on a 5xx or no answer the message
is sent again, waiting 2, 4 … 30 s, and given up after a few minutes; a 429 waits ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import httpx

from devtools.soak import OK, RATE_LIMITED, REFUSED, Tally, classify

GIVE_UP_AFTER_SECONDS = 240.0
"""A person stops resending one message after this long (longer than an engine's cold start)."""
RETRY_MIN_SECONDS, RETRY_MAX_SECONDS = 2.0, 30.0
"""As the chat page: 2 s, doubling, at most 30 s."""
EVENTS_RETRY_SECONDS = 5.0

# What a turn is, as the person sees it (README: *Benchmark*).
SMALL_TALK = "small talk"
ANSWER = "answer"
"""A question about a route, or an aspect of it (a button), answered from the knowledge."""
FORM = "form step"
"""A step of the check or of the contact form (consent included), answered with the next question."""
RECOMMENDATION = "recommendation"
"""The check's last answer, answered with the recommended routes."""
LEAD = "lead"
"""The contact form's last answer: the lead is stored and confirmed."""
DELETE = "delete"
"""The person's data: "what do you know about me", "delete my data" and its confirmation."""
KINDS = (SMALL_TALK, ANSWER, FORM, RECOMMENDATION, LEAD, DELETE)


class Abandoned(Exception):
    """The person gave up: one message found no answer for ``GIVE_UP_AFTER_SECONDS``."""


class Chats(Protocol):
    """Where people chat and what is counted: the gateway's URL, one HTTP client, the tally."""

    client: httpx.AsyncClient
    url: str
    rng: random.Random
    events: bool
    """Whether people keep the chat's event stream open."""

    @property
    def tally(self) -> Tally:
        """Where every turn is counted."""
        ...

    def think(self) -> float:
        """Seconds a person reads and types before the next message."""
        ...


def payloads(body: dict[str, Any] | None) -> list[str]:
    """The buttons of an answer."""
    if not body:
        return []
    return [b["payload"] for m in body.get("messages") or [] for b in m.get("buttons") or []]


def texts(body: dict[str, Any] | None) -> str:
    return "\n".join(m.get("text") or "" for m in (body or {}).get("messages") or [])


class Person:
    """One person in the web chat: a chat id, the buttons last offered, and their pace.

    ``rng``: their own random choices (default: the shared one of ``chats``) — with one of their own
    a person does the same things in every run, however the turns of several people interleave.
    ``session``: their chat id (default: a random one)."""

    def __init__(
        self, chats: Chats, language: str, rng: random.Random | None = None, session: str | None = None
    ) -> None:
        self.chats, self.language = chats, language
        self.rng = rng or chats.rng
        self.session = session or str(uuid.uuid4())
        self.sender = f"web:{self.session}"
        self.offered: list[str] = []
        self.confirmed = self.erased = False
        self.listening: asyncio.Task[None] | None = None

    async def say(self, typed: str, kind: str) -> dict[str, Any]:
        """Type ``typed`` and read the answer (a turn of ``kind``)."""
        return await self._send({"text": typed}, kind)

    async def press(self, payload: str, kind: str, title: str = "") -> dict[str, Any]:
        """Press a button (sent as the chat page does: the payload, its title as text)."""
        if payload not in self.offered:
            self.chats.tally.off_script += 1
        return await self._send({"payload": payload, "text": title or payload}, kind)

    async def press_one_of(self, prefix: str, kind: str) -> dict[str, Any] | None:
        """Press one of the offered buttons whose payload starts with ``prefix``, if there is one."""
        fitting = [p for p in self.offered if p.startswith(prefix)]
        if not fitting:
            self.chats.tally.off_script += 1
            return None
        return await self.press(self.rng.choice(fitting), kind)

    async def listen(self) -> None:
        """The chat page's event stream, open while the person chats (reconnects like EventSource)."""
        chats = self.chats
        while True:
            try:
                async with chats.client.stream(
                    "GET",
                    f"{chats.url}/api/events",
                    params={"session": self.session},
                    timeout=httpx.Timeout(None, connect=10),
                ) as response:
                    async for line in response.aiter_lines():
                        if line.startswith("data:"):
                            chats.tally.events += 1
            except httpx.HTTPError:
                pass
            await asyncio.sleep(EVENTS_RETRY_SECONDS)

    def stop_listening(self) -> None:
        if self.listening is not None:
            self.listening.cancel()

    async def _send(self, fields: dict[str, str], kind: str) -> dict[str, Any]:
        chats, waited, delay = self.chats, 0.0, RETRY_MIN_SECONDS
        body_of_request = {"session": self.session, "language": self.language, **fields}
        while True:
            started = time.perf_counter()
            status: int | None = None
            body: Any = None
            retry_after = 0.0
            try:
                response = await chats.client.post(f"{chats.url}/api/chat", json=body_of_request)
                status = response.status_code
                retry_after = float(response.headers.get("retry-after") or 0)
                try:
                    body = response.json()
                except ValueError:
                    body = None
            except httpx.HTTPError:
                pass
            latency = (time.perf_counter() - started) * 1000 if status is not None else None
            outcome = classify(status, body)
            chats.tally.record(self.sender, outcome, latency, kind)
            if outcome == OK:
                self.offered = payloads(body)
                if body.get("erased"):
                    self.erased = True
                if self.listening is None and chats.events and not body.get("erased"):
                    self.listening = asyncio.create_task(self.listen())
                await asyncio.sleep(chats.think())
                return dict(body)
            if outcome == REFUSED:  # the page gives the text back; the person goes on
                await asyncio.sleep(chats.think())
                return dict(body) if isinstance(body, dict) else {}
            if outcome == RATE_LIMITED:
                pause = max(retry_after, 1.0)
            else:  # 5xx, no answer, or an empty one: the page keeps the message and sends it again
                pause, delay = delay, min(delay * 2, RETRY_MAX_SECONDS)
            waited += pause + (latency or 0) / 1000
            if waited > GIVE_UP_AFTER_SECONDS:
                raise Abandoned(self.sender)
            await asyncio.sleep(pause)


# --- what people do -------------------------------------------------------------------------------

GREETING = {"de": "hallo", "en": "hello", "uk": "привіт"}
QUESTIONS = {
    "de": ["was ist die externenprüfung", "wie lange dauert das", "was kostet eine umschulung?", "danke"],
    "en": ["what is an external exam", "who pays for it", "recognition of my diploma from ukraine", "thanks"],
    "uk": ["що таке екстерний іспит", "хто платить", "визнання мого диплома з україни", "дякую"],
}
"""A route question (then an aspect button), a follow-up, another route, thanks."""
ASK_FOR_COUNSELLOR = {
    "de": "ich möchte eine beratung",
    "en": "i want to talk to a counsellor",
    "uk": "хочу консультацію",
}
SHOW_MY_DATA = {"de": "was weißt du über mich", "en": "i want to see my data"}
DELETE_MY_DATA = {"de": "lösch meine daten", "en": "delete my data", "uk": "видалити мої дані"}
NAMES = ["Olena", "Ahmad", "Maria", "Tuan", "Zeynep", "Mariusz", "Fatemeh", "Ion", "Sergej", "Jana"]
CHECK = {
    "de": {
        "start": "welcher weg passt zu mir",
        "age": "ich bin {}",
        "occupations": ["Koch in einem Restaurant", "Lagerarbeiter", "Verkäuferin im Supermarkt"],
        "years": ["seit 2021", "5 Jahre", "drei Jahre"],
        "german": ["b1", "a2", "b2"],
        "places": ["schwerin", "wismar", "ludwigslust"],
        "part_time": "nein",
    },
    "en": {
        "start": "which route fits me",
        "age": "i am {}",
        "occupations": ["cook in a restaurant", "warehouse worker"],
        "years": ["5 years", "three years"],
        "german": ["b1", "a2"],
        "places": ["schwerin", "wismar"],
        "part_time": "no",
    },
    "uk": {
        "start": "який шлях мені підходить",
        "age": "мені {}",
        "occupations": ["працював кухарем", "працював водієм вантажівки"],
        "years": ["5 років", "3 роки"],
        "german": ["трохи", "b1"],
        "places": ["у Шверіні", "у Вісмарі"],
        "part_time": "так",
    },
}
"""The check's typed answers by language: age, occupation, years in it, German, where, part time."""


async def greet(person: Person) -> None:
    await person.say(GREETING[person.language], SMALL_TALK)


async def ask_questions(person: Person) -> None:
    first, *rest, thanks = QUESTIONS[person.language]
    await person.say(first, ANSWER)
    await person.press_one_of("/ask_", ANSWER)  # an aspect of the route: costs, duration …
    for question in rest:
        await person.say(question, ANSWER)
    await person.say(thanks, SMALL_TALK)


async def do_the_check(person: Person) -> None:
    """The whole check, typed answers and buttons, in the person's language (German if it has none)."""
    rng, answers = person.rng, CHECK.get(person.language, CHECK["de"])
    await person.say(str(answers["start"]), FORM)
    await person.say(str(answers["age"]).format(rng.randint(22, 55)), FORM)
    await person.press('/inform{"qualification": "none"}', FORM)
    await person.say(rng.choice(answers["occupations"]), FORM)
    await person.say(rng.choice(answers["years"]), FORM)
    await person.press(rng.choice(['/inform{"status": "employed"}', '/inform{"status": "unemployed"}']), FORM)
    await person.say(rng.choice(answers["german"]), FORM)
    await person.say(rng.choice(answers["places"]), FORM)
    await person.say(str(answers["part_time"]), RECOMMENDATION)


async def leave_contact(person: Person) -> None:
    """Consent, then the contact form, to the confirmation that shows the number (in E.164)."""
    rng = person.rng
    digits = str(rng.randrange(10**7, 10**8))
    await person.say(ASK_FOR_COUNSELLOR[person.language], FORM)
    await person.press('/request_counsellor{"consent": "contact"}', FORM)
    await person.say(rng.choice(NAMES), FORM)
    await person.press('/inform{"contact_method": "phone"}', FORM)
    await person.say(f"0176 {digits}", FORM)
    await person.press(rng.choice(['/inform{"contact_time": "morning"}', '/inform{"contact_time": "any"}']), FORM)
    done = await person.press(
        rng.choice(['/inform{"contact_language": "de"}', '/inform{"contact_language": "interpreter"}']), LEAD
    )
    if f"+49176{digits}" in texts(done):
        person.confirmed = True


async def delete_my_data(person: Person) -> None:
    await person.say(DELETE_MY_DATA[person.language], DELETE)
    await person.press('/delete_my_data{"confirmed": true}', DELETE)


async def check_and_lead(person: Person) -> None:
    await do_the_check(person)
    await leave_contact(person)


async def lead_and_delete(person: Person) -> None:
    await leave_contact(person)
    await person.say(SHOW_MY_DATA[person.language], DELETE)
    await delete_my_data(person)


async def whole_visit(person: Person) -> None:
    """Everything once: greeting, route questions, the check, consent and contact to a lead, "delete
    my data" (``bench/scale.py``)."""
    await greet(person)
    await ask_questions(person)
    await do_the_check(person)
    await leave_contact(person)
    await delete_my_data(person)


Scenario = Callable[[Person], Awaitable[None]]
SCENARIOS: list[tuple[str, Scenario, list[str], int]] = [
    ("questions", ask_questions, ["de", "en", "uk"], 3),
    ("check", do_the_check, ["de"], 2),
    ("check_and_lead", check_and_lead, ["de"], 2),
    ("lead_and_delete", lead_and_delete, ["de", "en"], 1),
]
"""The soak's: name, what the person does, their languages, how often (weight)."""
VISIT: tuple[str, Scenario, list[str], int] = ("visit", whole_visit, ["de", "en", "uk"], 1)
"""The scaling benchmark's: everything once, in German, English or Ukrainian."""
