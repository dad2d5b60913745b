"""The relay: after claiming a lead, its counsellor and the person write to each other through Lotse.

A counsellor writes from the counsellors' Telegram chat (a reply to the lead's card, or in the
lead's forum topic) or from the inbox; the person gets it in their own channel, marked as coming
from a person ("Anna vom Beratungsteam schreibt:", in the person's language). What the person types
back goes to the same thread. While a counsellor holds the conversation, Lotse does not answer the
person's typed text; it ends when the counsellor ends it ("Gespräch beenden", ``/done``, or
"Erledigt"), or after ``LOTSE_RELAY_QUIET_MINUTES`` without a message either way — the person is
told either way.

Ready-made replies (``TEMPLATES``) are German msgids with placeholders the counsellor fills; they
reach the person in their language from the catalogs (dates and times formatted for it). Free text
passes as written; the counsellor gets a hint when it looks German and the person chose another
language. "📅 Termin vorschlagen" also stores the appointment it proposes, which the person answers
with buttons (``bot.leads.appointments``).

Every message is a ``relay_message`` row (personal data: it goes with its lead) and an outbox row
for whoever delivers it (``bot.leads.outbox``); every counsellor message is audited, without its
content. Each public function is one unit of work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.database import utcnow
from bot.i18n import LANGUAGES, N_, babel_locale, translate
from bot.inbound import clean_text
from bot.leads.appointments import add_proposal
from bot.leads.audit import record_audit
from bot.leads.models import Counsellor, Lead, OutboxMessage, RelayMessage
from bot.leads.outbox import (
    POSTED_ABOUT_THE_PERSON,
    RELAY_COUNSELLORS,
    RELAY_ENDED,
    RELAY_KINDS,
    TOPIC_OPEN,
    person_kind,
    person_recipient,
)
from bot.leads.store import Sessions, sessions_or_default

logger = structlog.get_logger(__name__)

MAX_CHARS = 2000
"""Longest message either way (Telegram's limit is 4096; the header needs some room)."""

HEADER = N_("{name} vom Beratungsteam schreibt:")
"""Above every counsellor's message, in the person's language."""
FIRST_HINT = N_("Du kannst hier direkt antworten – deine Nachricht geht an das Beratungsteam, nicht an den Chatbot.")
"""Below a conversation's first message."""
TEAM = N_("Jemand")
"""Who writes, when a counsellor's first name is unknown ("Jemand vom Beratungsteam schreibt:")."""


@dataclass(frozen=True)
class Field:
    """A placeholder of a ready-made reply, as the counsellor fills it."""

    name: str
    label: str
    """German, for the counsellor (with an example)."""
    kind: str = "text"
    """``date`` and ``time`` are formatted for the person's language; ``text`` passes as written."""


@dataclass(frozen=True)
class Template:
    """A ready-made reply: a German msgid with ``{placeholders}``."""

    key: str
    label: str
    """German, on the counsellor's button."""
    msgid: str
    fields: tuple[Field, ...]


_DATE = Field("date", "Datum (z. B. 12.01.)", "date")
_TIME = Field("time", "Uhrzeit (z. B. 10:30)", "time")
MEET = "meet"
"""The ready-made reply that proposes an appointment (``bot.leads.appointments``): the person
answers it with buttons."""
TEMPLATES: dict[str, Template] = {
    template.key: template
    for template in (
        Template("call", "📞 Anruf ankündigen", N_("Ich rufe dich am {date} um {time} Uhr an."), (_DATE, _TIME)),
        Template(
            MEET,
            "📅 Termin vorschlagen",
            N_("Ich schlage dir einen Termin vor: am {date} um {time} Uhr, {place}. Passt dir das?"),
            (_DATE, _TIME, Field("place", "Ort oder Telefon (z. B. Jobcenter Schwerin, Raum 2.14)")),
        ),
        Template(
            "documents",
            "📄 Unterlagen mitbringen",
            N_("Bitte bring diese Unterlagen mit: {documents}"),
            (Field("documents", "Unterlagen (z. B. Zeugnisse, Lebenslauf, Ausweis)"),),
        ),
        Template(
            "address",
            "📍 Adresse",
            N_("Hier findest du uns: {address}"),
            (Field("address", "Adresse (z. B. Am Margaretenhof 14, 19057 Schwerin)"),),
        ),
        Template(
            "send",
            "📨 Bitte schicken",
            N_("Bitte schick uns: {items}"),
            (Field("items", "Was (z. B. ein Foto deines Zeugnisses)"),),
        ),
    )
}


# --- ready-made replies ------------------------------------------------------------------------

_DAY_MONTH = re.compile(r"(?P<day>\d{1,2})\.\s*(?P<month>\d{1,2})\.?\s*(?P<year>\d{2,4})?")
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})")
_CLOCK = re.compile(r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?(?:\s*(?:Uhr|h))?", re.IGNORECASE)


def parse_date(raw: str, today: date | None = None) -> date | None:
    """``12.01.``, ``12.1.2027``, ``12.01.27`` or ``2027-01-12``; without a year the next such day."""
    today = today or utcnow().date()
    text = raw.strip()
    found = _ISO.fullmatch(text) or _DAY_MONTH.fullmatch(text)
    if found is None:
        return None
    year_text = found["year"]
    year = int(year_text) if year_text else today.year
    year += 2000 if year_text and len(year_text) == 2 else 0
    try:
        day = date(year, int(found["month"]), int(found["day"]))
    except ValueError:
        return None
    if not year_text and day < today:
        day = day.replace(year=today.year + 1)
    return day


def parse_time(raw: str) -> time | None:
    """``10:30``, ``10.30``, ``10 Uhr``."""
    found = _CLOCK.fullmatch(raw.strip())
    if found is None:
        return None
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _formatted(field: Field, value: str, language: str) -> str:
    """A filled placeholder as the person reads it: dates and times in their language's format."""
    from babel.dates import format_date, format_time

    if field.kind == "date" and (day := parse_date(value)) is not None:
        return format_date(day, format="full", locale=babel_locale(language))
    if field.kind == "time" and (clock := parse_time(value)) is not None:
        return format_time(clock, format="HH:mm", locale=babel_locale(language))
    return value


def split_values(raw: str, template: Template) -> list[str] | None:
    """The placeholders' values, one a line (or separated by ``;``); ``None`` if some are missing."""
    parts = [p.strip() for p in re.split(r"[\n;]", raw) if p.strip()]
    if len(template.fields) == 1 and parts:
        return [" ".join(parts)]
    return parts if len(parts) == len(template.fields) else None


def appointment_start(values: list[str], zone: str, today: date | None = None) -> datetime | None:
    """The start of a proposed appointment (date and time, the first two values) in the office's
    time zone ``zone``; ``None`` if either cannot be read."""
    day, clock = parse_date(values[0], today), parse_time(values[1])
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, ZoneInfo(zone))


def render_template(template: Template, values: list[str], language: str) -> str:
    """The ready-made reply in ``language``, its placeholders filled."""
    filled = {
        field.name: _formatted(field, value, language) for field, value in zip(template.fields, values, strict=True)
    }
    return translate(language, template.msgid, **filled)


def prompt_text(template: Template) -> str:
    """What the counsellor is asked to fill in (German)."""
    lines = [f"{i}. {field.label}" for i, field in enumerate(template.fields, 1)]
    return "\n".join(lines)


# --- what the person sees ----------------------------------------------------------------------


def first_name(counsellor: Counsellor) -> str:
    """The counsellor's first name: what the person sees."""
    return (counsellor.display_name.split() or [""])[0][:80]


def header(language: str, author: str) -> str:
    """ "Anna vom Beratungsteam schreibt:" in ``language``."""
    return translate(language, HEADER, name=author or translate(language, TEAM))


def person_text(language: str, author: str, text: str, first: bool) -> str:
    """A counsellor's message as the person gets it in Telegram: the header, the message, and on
    the first message of a conversation how to answer."""
    parts = [header(language, author), text]
    if first:
        parts.append(translate(language, FIRST_HINT))
    return "\n\n".join(parts)


def counsellor_text(lead: Lead, text: str) -> str:
    """The person's answer as the counsellors see it (German), with the person's language."""
    language = LANGUAGES[lead.language].endonym if lead.language in LANGUAGES else lead.language
    return f"💬 {lead.first_name} ({lead.language} · {language}) schreibt:\n\n{text}"


def writes_german_to_another_language(text: str, language: str) -> bool:
    """Whether free text looks German (a sure detection) while the person chose another language."""
    from bot.langid import ASK_SCORE, detect, same_language

    if same_language(language, "de"):
        return False
    detection = detect(text)
    return detection.language == "de" and detection.score >= ASK_SCORE and len(text.split()) >= 2


def _office_timezone() -> str:
    from bot.settings import get_settings

    return get_settings().office_timezone


# --- the conversation ---------------------------------------------------------------------------


def _is_active(lead: Lead, quiet: timedelta, now: datetime) -> bool:
    return lead.relay_since is not None and lead.relay_last_at is not None and lead.relay_last_at > now - quiet


def _end(session: Session, lead: Lead) -> bool:
    """End the lead's conversation (if one is going on) and tell the person, once."""
    if lead.relay_since is None:
        return False
    kind = person_kind(RELAY_ENDED, lead.conversation_id)
    key = f"relay-end:{lead.id}:{lead.relay_since.timestamp():.6f}"
    if kind is not None and session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is None:
        session.add(OutboxMessage(lead_id=lead.id, kind=kind, dedup_key=key))
    lead.relay_since = lead.relay_last_at = None
    return True


def end_relay_in(session: Session, lead: Lead) -> bool:
    """End the lead's conversation in the caller's unit of work (a lead closed with "Erledigt")."""
    return _end(session, lead)


def queue_topic(session: Session, lead: Lead) -> None:
    """Queue the lead's forum topic (opened only if the counsellors' chat is a forum), once."""
    key = f"topic:{lead.id}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is None:
        session.add(OutboxMessage(lead_id=lead.id, kind=TOPIC_OPEN, dedup_key=key))


@dataclass(frozen=True)
class Written:
    """The outcome of a counsellor's message to the person."""

    ok: bool
    reason: str
    """``sent``; or why not: ``unknown_lead``, ``not_counsellor``, ``not_claimed``, ``not_holder``,
    ``closed``, ``empty``, ``missing_values``, ``unknown_template``, ``no_channel``; for a proposed
    appointment ``bad_date`` (date or time unreadable) and ``past``."""
    language: str = ""
    """The person's language (code)."""
    holder: str = ""
    """Who holds the lead (display name), for the note to another counsellor."""
    german_hint: bool = False
    """Free German text to a person who chose another language."""


REFUSALS = {
    "unknown_lead": "Diese Anfrage gibt es nicht mehr (gelöscht).",
    "not_counsellor": "Du bist nicht als Beraterin oder Berater freigeschaltet.",
    "not_claimed": "Übernimm die Anfrage zuerst (Knopf „Übernehmen“), dann kannst du der Person schreiben.",
    "not_holder": "Diese Anfrage hat {holder} übernommen. Nur {holder} oder ein Admin kann der Person schreiben.",
    "closed": "Diese Anfrage ist erledigt. Der Person kann niemand mehr über Lotse schreiben.",
    "empty": "Die Nachricht ist leer.",
    "missing_values": "Es fehlen Angaben für die Vorlage: bitte eine Angabe pro Zeile.",
    "unknown_template": "Diese Vorlage gibt es nicht.",
    "no_channel": "Die Person ist über keinen Chat erreichbar (Kanal unbekannt).",
    "bad_date": "Datum oder Uhrzeit des Termins nicht erkannt. Bitte so: 12.01.2027 und 10:30.",
    "past": "Dieser Termin liegt in der Vergangenheit.",
}
"""German notes for the counsellor, by ``Written.reason``."""


def refusal(written: Written) -> str:
    """The German note for a message that was not relayed."""
    return REFUSALS.get(written.reason, "Nicht gesendet.").format(holder=written.holder or "jemand anderes")


def _may_write(lead: Lead, counsellor: Counsellor) -> str | None:
    if lead.status == "closed":
        return "closed"
    if lead.claimed_by_id is None:
        return "not_claimed"
    if lead.claimed_by_id != counsellor.id and not counsellor.is_admin:
        return "not_holder"
    return None


def write_to_person(
    sessions: Sessions | None,
    lead_id: str,
    counsellor_id: int,
    text: str = "",
    *,
    template: str | None = None,
    values: str = "",
    via: str = "telegram",
    chat_message_id: int | None = None,
    timezone: str | None = None,
) -> Written:
    """A counsellor's message to the person of ``lead_id``: free ``text``, or the ready-made reply
    ``template`` with ``values`` (one a line). Only who holds the lead (or an admin) may write.

    The ready-made reply ``meet`` proposes an appointment (``bot.leads.appointments``) at its date
    and time in ``timezone`` (the office's, ``LOTSE_OFFICE_TIMEZONE``, by default): the person gets
    it with the buttons to answer."""
    zone = timezone or _office_timezone()
    now = utcnow()
    with sessions_or_default(sessions).begin() as session:
        lead = session.get(Lead, lead_id)
        counsellor = session.get(Counsellor, counsellor_id)
        if lead is None:
            return Written(False, "unknown_lead")
        if counsellor is None or not counsellor.active:
            return Written(False, "not_counsellor")
        holder = lead.claimed_by.display_name if lead.claimed_by else ""
        refused = _may_write(lead, counsellor)
        if refused is not None:
            return Written(False, refused, lead.language, holder)
        recipient = person_recipient(lead.conversation_id)
        kind = RELAY_KINDS.get(recipient) if recipient is not None else None
        if kind is None:
            return Written(False, "no_channel", lead.language, holder)
        hint = False
        starts_at: datetime | None = None
        place = ""
        if template is not None:
            chosen = TEMPLATES.get(template)
            if chosen is None:
                return Written(False, "unknown_template", lead.language, holder)
            filled = split_values(clean_text(values), chosen)
            if filled is None:
                return Written(False, "missing_values", lead.language, holder)
            filled = [v[:300] for v in filled]
            if chosen.key == MEET:
                starts_at = appointment_start(filled, zone)  # (the day as the sentence shows it)
                if starts_at is None:
                    return Written(False, "bad_date", lead.language, holder)
                if starts_at <= now:
                    return Written(False, "past", lead.language, holder)
                place = filled[2]
            body = render_template(chosen, filled, lead.language)
        else:
            body = clean_text(text)[:MAX_CHARS]
            if not body:
                return Written(False, "empty", lead.language, holder)
            hint = writes_german_to_another_language(body, lead.language)
        if lead.relay_since is None:
            lead.relay_since = now
        lead.relay_last_at = now
        if lead.status == "claimed":
            lead.status = "contacted"
        message = RelayMessage(
            lead_id=lead.id,
            direction="to_person",
            counsellor_id=counsellor.id,
            author=first_name(counsellor),
            text=body,
            template=template,
            language=lead.language,
            via=via,
            chat_message_id=chat_message_id,
            created_at=now,
        )
        session.add(message)
        session.flush()
        appointment = (
            add_proposal(session, lead, message, counsellor, starts_at, zone, place) if starts_at is not None else None
        )
        session.add(
            OutboxMessage(
                lead_id=lead.id,
                kind=kind,
                dedup_key=f"relay:{message.id}",
                relay_message_id=message.id,
                appointment_id=appointment.id if appointment is not None else None,
            )
        )
        record_audit(session, counsellor.username, "relay", lead.id, via=via, template=template)
        logger.info("relay.to_person", via=via, template=template, language=lead.language)
        return Written(True, "sent", lead.language, holder, hint)


def take_from_person(
    sessions: Sessions | None, conversation_id: str, text: str, channel: str, quiet_minutes: int
) -> bool:
    """The person typed ``text``: if a counsellor holds their conversation, it goes to the lead's
    thread and Lotse stays silent (``True``). A conversation past its quiet time ends here, the
    person is told, and Lotse answers (``False``)."""
    now = utcnow()
    with sessions_or_default(sessions).begin() as session:
        lead = session.scalar(select(Lead).where(Lead.conversation_id == conversation_id))
        if lead is None or lead.relay_since is None:
            return False
        if not _is_active(lead, timedelta(minutes=quiet_minutes), now) or lead.status == "closed":
            _end(session, lead)
            logger.info("relay.ended", reason="quiet")
            return False
        lead.relay_last_at = now
        message = RelayMessage(
            lead_id=lead.id,
            direction="from_person",
            text=text[:MAX_CHARS],
            language=lead.language,
            via=channel,
            created_at=now,
        )
        session.add(message)
        session.flush()
        session.add(
            OutboxMessage(
                lead_id=lead.id, kind=RELAY_COUNSELLORS, dedup_key=f"relay:{message.id}", relay_message_id=message.id
            )
        )
    logger.info("relay.from_person", channel=channel)
    return True


def holds_conversation(sessions: Sessions | None, conversation_id: str, quiet_minutes: int) -> bool:
    """Whether a counsellor holds this conversation now."""
    with sessions_or_default(sessions)() as session:
        lead = session.scalar(select(Lead).where(Lead.conversation_id == conversation_id))
        return lead is not None and _is_active(lead, timedelta(minutes=quiet_minutes), utcnow())


def end_relay(sessions: Sessions | None, lead_id: str, counsellor_id: int) -> Written:
    """The counsellor who holds the lead (or an admin) hands the person back to Lotse; the person
    is told. ``reason`` is ``ended``, or ``not_active`` when no conversation was going on."""
    with sessions_or_default(sessions).begin() as session:
        lead = session.get(Lead, lead_id)
        counsellor = session.get(Counsellor, counsellor_id)
        if lead is None:
            return Written(False, "unknown_lead")
        if counsellor is None or not counsellor.active:
            return Written(False, "not_counsellor")
        holder = lead.claimed_by.display_name if lead.claimed_by else ""
        if lead.claimed_by_id is not None and lead.claimed_by_id != counsellor.id and not counsellor.is_admin:
            return Written(False, "not_holder", lead.language, holder)
        if not _end(session, lead):
            return Written(True, "not_active", lead.language, holder)
        record_audit(session, counsellor.username, "relay_end", lead.id)
        logger.info("relay.ended", reason="counsellor")
        return Written(True, "ended", lead.language, holder)


def end_quiet_relays(sessions: Sessions | None, quiet_minutes: int, now: datetime | None = None) -> int:
    """End every conversation without a message for ``quiet_minutes``; the people are told."""
    now = now or utcnow()
    with sessions_or_default(sessions).begin() as session:
        quiet = session.scalars(
            select(Lead).where(
                Lead.relay_since.is_not(None), Lead.relay_last_at <= now - timedelta(minutes=quiet_minutes)
            )
        ).all()
        for lead in quiet:
            _end(session, lead)
            record_audit(session, "system", "relay_end", lead.id, reason="quiet")
    if quiet:
        logger.info("relay.ended", reason="quiet", count=len(quiet))
    return len(quiet)


# --- finding a lead's thread in the counsellors' chat --------------------------------------------


def lead_of_chat_message(sessions: Sessions | None, telegram_message_id: int) -> str | None:
    """The lead whose card, topic header or relayed answer is this message of the counsellors' chat."""
    with sessions_or_default(sessions)() as session:
        return session.scalar(
            select(OutboxMessage.lead_id).where(
                OutboxMessage.telegram_message_id == telegram_message_id,
                OutboxMessage.kind.in_(POSTED_ABOUT_THE_PERSON),
                OutboxMessage.lead_id.is_not(None),
            )
        )


def lead_of_topic(sessions: Sessions | None, topic_id: int) -> str | None:
    """The lead whose topic this is."""
    with sessions_or_default(sessions)() as session:
        return session.scalar(select(Lead.id).where(Lead.topic_id == topic_id))


def card_message_id(session: Session, lead_id: str) -> int | None:
    """The lead's card in the counsellors' chat (where relayed answers are replies to)."""
    return session.scalar(
        select(OutboxMessage.telegram_message_id)
        .where(
            OutboxMessage.lead_id == lead_id,
            OutboxMessage.kind.in_(POSTED_ABOUT_THE_PERSON),
            OutboxMessage.telegram_message_id.is_not(None),
        )
        .order_by(OutboxMessage.id)
    )


def relay_messages(sessions: Sessions | None, lead_id: str) -> list[RelayMessage]:
    """The lead's relay messages, oldest first (detached: read-only)."""
    with sessions_or_default(sessions)() as session:
        return list(
            session.scalars(select(RelayMessage).where(RelayMessage.lead_id == lead_id).order_by(RelayMessage.id))
        )


def counsellor_of_telegram(sessions: Sessions | None, telegram_user_id: int) -> int | None:
    """The active counsellor behind a Telegram account (their id), if any."""
    with sessions_or_default(sessions)() as session:
        return session.scalar(
            select(Counsellor.id).where(Counsellor.telegram_user_id == telegram_user_id, Counsellor.active.is_(True))
        )


def may_write(sessions: Sessions | None, lead_id: str, counsellor_id: int) -> Written:
    """Whether this counsellor may write to the lead's person now (``reason`` ``ok`` if so); with
    the person's first name in ``holder`` when allowed, for the counsellor's prompt."""
    with sessions_or_default(sessions)() as session:
        lead = session.get(Lead, lead_id)
        counsellor = session.get(Counsellor, counsellor_id)
        if lead is None:
            return Written(False, "unknown_lead")
        if counsellor is None or not counsellor.active:
            return Written(False, "not_counsellor")
        holder = lead.claimed_by.display_name if lead.claimed_by else ""
        refused = _may_write(lead, counsellor)
        if refused is not None:
            return Written(False, refused, lead.language, holder)
        return Written(True, "ok", lead.language, lead.first_name)
