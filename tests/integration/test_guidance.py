"""Route answers, the triage form and the recommendation, through the real engine."""

from __future__ import annotations

import re
import subprocess
import uuid

import httpx
import pytest

from bot.bidi import strip_marks
from bot.database import make_engine, make_sessions
from bot.plan import find_plan
from bot.settings import PROJECT_ROOT
from bot.stack import ENGINE_ENV, RASA
from bot.starter import DEMO_MODEL, Stack


def _sender() -> str:
    return f"test:{uuid.uuid4()}"


def _texts(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages if "text" in m)


def _payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def test_a_route_question_gets_a_short_answer_with_buttons_to_go_deeper(stack: Stack) -> None:
    sender = _sender()
    reply = stack.say(sender, "was ist die externenprüfung", "de")
    assert _texts(reply).startswith("Externenprüfung: ")
    payloads = _payloads(reply)
    assert '/ask_externenpruefung{"aspect": "costs"}' in payloads and "/start_check" in payloads
    costs = stack.say(sender, '/ask_externenpruefung{"aspect": "costs"}', "de")
    assert _texts(costs).startswith("Kosten: Externenprüfung")
    # a follow-up without the route is about the route talked about last
    assert _texts(stack.say(sender, "wie lange dauert das", "de")).startswith("Dauer: Externenprüfung")


def test_a_question_naming_a_route_is_answered_for_that_route(stack: Stack) -> None:
    assert _texts(stack.say(_sender(), "was kostet eine umschulung?", "de")).startswith("Kosten: Umschulung")


def test_unverified_facts_are_hedged(stack: Stack) -> None:
    costs = _texts(stack.say(_sender(), '/ask_externenpruefung{"aspect": "costs"}', "de"))
    assert "bitte frag bei der Kammer oder in deiner Beratung nach" in costs


def test_triage_by_text_and_taps_recommends_the_exam(stack: Stack) -> None:
    sender = _sender()
    say = lambda text: stack.say(sender, text, "de")  # noqa: E731
    started = _texts(say("welcher weg passt zu mir"))
    assert "kurze Fragen" in started and "Wie alt bist du?" in started
    asked = say("ich bin 31")
    assert "Berufsabschluss" in _texts(asked) and '/inform{"qualification": "none"}' in _payloads(asked)
    assert "welchem Beruf" in _texts(say('/inform{"qualification": "none"}'))
    assert "Wie viele Jahre" in _texts(say("Koch in einem Restaurant"))
    assert "Was machst du gerade" in _texts(say("seit 2021"))  # 5.5 years by 2026-12 (from mid-2021)
    assert "Deutsch" in _texts(say('/inform{"status": "employed"}'))
    assert "Wo wohnst du" in _texts(say("b1"))
    assert "Teilzeit" in _texts(say("schwerin"))
    result = say("nein")
    text = _texts(result)
    assert "Das passt am besten zu dir: Externenprüfung" in text
    assert "4,5 Jahre" in text and "IHK zu Schwerin" in text
    assert "Rechtsgrundlage: § 45 Abs. 2 BBiG, § 37 Abs. 2 HwO – " in text
    assert "Das bringst du mit:" in text and "Arbeitszeugnisse von deinen Arbeitgebern" in text
    assert "Graf-Schack-Allee 12" in text  # the office, with its address
    tracker = httpx.get(f"{stack.engine_url}/conversations/{sender}/tracker", params={"token": stack.token}).json()
    slots = tracker["slots"]
    assert slots["recommended_routes"][:2] == ["externenpruefung", "validierung"]
    assert slots["occupation"] == "Koch/Köchin" and slots["training_years"] == 3.0
    assert slots["age"] == 31 and slots["needs_part_time"] is False


def test_side_question_why_and_two_failures_during_the_check(stack: Stack) -> None:
    sender = _sender()
    say = lambda text: stack.say(sender, text, "de")  # noqa: E731
    say("/start_check")
    side = _texts(say("was kostet eine umschulung"))
    assert "Kosten: Umschulung" in side and "Wie alt bist du?" in side
    why = _texts(say("/help"))
    assert "ab 25" in why and "Wie alt bist du?" in why
    first = _texts(say("blau"))
    assert "Schreib bitte dein Alter als Zahl" in first
    second = say("grün")
    assert "Sollen wir weitermachen?" in _texts(second)
    assert '/inform{"skip": true}' in _payloads(second)
    skipped = _texts(say('/inform{"skip": true}'))
    assert "Hast du schon einen Berufsabschluss?" in skipped


def test_restart_ends_the_check(stack: Stack) -> None:
    sender = _sender()
    stack.say(sender, "/start_check", "de")
    restarted = stack.say(sender, "neu starten", "de")
    assert _texts(restarted) == "Okay, wir fangen von vorne an."
    assert "/start_check" in _payloads(restarted)
    tracker = httpx.get(f"{stack.engine_url}/conversations/{sender}/tracker", params={"token": stack.token}).json()
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")


def test_the_http_api_can_ask_for_a_recommendation_without_chatting(stack: Stack) -> None:
    sender = _sender()
    params = {"token": stack.token}
    profile = {
        "age": 40,
        "qualification": "foreign",
        "occupation": "Friseur",
        "experience_years": 2.0,
        "status": "unemployed",
        "german_level": "a2",
        "residence": "nordwestmecklenburg",
        "needs_part_time": False,
        "language": "en",
    }
    # start the session first: otherwise /execute starts one and the slots are gone
    events = [{"event": "action", "name": "action_session_start"}, {"event": "session_started"}]
    events += [{"event": "slot", "name": name, "value": value} for name, value in profile.items()]
    response = httpx.post(
        f"{stack.engine_url}/conversations/{sender}/tracker/events", params=params, json=events, timeout=30
    )
    assert response.status_code == 200
    executed = httpx.post(
        f"{stack.engine_url}/conversations/{sender}/execute",
        params=params,
        json={"name": "action_recommend_routes"},
        timeout=30,
    ).json()
    assert executed["messages"][0]["text"].startswith("This fits you best: Recognition (Anerkennung)")
    tracker = httpx.get(f"{stack.engine_url}/conversations/{sender}/tracker", params=params).json()
    # a foreign qualification not recognised yet does not close TQ and Umschulung
    assert tracker["slots"]["recommended_routes"] == ["anerkennung", "teilqualifikation", "umschulung", "ausbildung"]


def _recommend(stack: Stack, profile: dict[str, object], sender: str | None = None) -> list[str]:
    sender = sender or _sender()
    params = {"token": stack.token}
    events = [{"event": "action", "name": "action_session_start"}, {"event": "session_started"}]
    events += [{"event": "slot", "name": name, "value": value} for name, value in profile.items()]
    httpx.post(
        f"{stack.engine_url}/conversations/{sender}/tracker/events", params=params, json=events, timeout=30
    ).raise_for_status()
    executed = httpx.post(
        f"{stack.engine_url}/conversations/{sender}/execute",
        params=params,
        json={"name": "action_recommend_routes"},
        timeout=30,
    ).json()
    return [m.get("text") or "" for m in executed["messages"]]


def test_a_nurse_is_told_her_real_route_with_its_law(stack: Stack) -> None:
    texts = _recommend(
        stack,
        {
            "age": 41,
            "qualification": "none",
            "occupation": "Krankenschwester",
            "experience_years": 12.0,
            "language": "de",
        },
    )
    assert texts[0].startswith("Das passt am besten zu dir: Umschulung")
    assert len(texts[0]) <= 350  # the first message fits a phone screen
    text = "\n".join(texts)
    assert "keine Externenprüfung und keine Validierung" in text and "§ 12 PflBG" in text
    assert "Rechtsgrundlage: § 180 Abs. 4 SGB III" in text
    assert "Landesamt für Gesundheit und Soziales" in text


def test_the_recommendation_links_to_mein_plan_and_telegram_gets_the_plan_itself(stack: Stack) -> None:
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    texts = _recommend(
        stack, {"age": 34, "qualification": "foreign", "occupation": "Elektroniker", "language": "uk"}, sender=sender
    )
    link = next(t for t in texts if "/plan/" in t)
    token = re.search(r"/plan/([A-Za-z0-9_-]{40,})", link).group(1)
    sides = [t for t in texts if t.startswith("📄")]  # the engine sends each side as its own message
    assert len(sides) == 2 and "Anerkennung" in sides[0] and sides[1].startswith("📄 Mein Plan")
    assert "☐" in sides[0] and "☐" in sides[1]
    sessions = make_sessions(make_engine(stack.settings.effective_database_url))
    stored = find_plan(sessions, token, 30)
    assert stored is not None and stored.conversation_id == sender and stored.language == "uk"
    web = _recommend(stack, {"age": 34, "qualification": "none", "language": "de"})
    assert any(t.startswith("Dein Plan zum Ausdrucken und Vorzeigen: http") for t in web)
    assert not any(t.startswith("📄") for t in web)  # the web chat gets the printable page


@pytest.mark.parametrize("language", ["ar", "uk", "fa"])
def test_the_law_line_and_checklist_are_translated(stack: Stack, language: str) -> None:
    texts = _recommend(
        stack, {"age": 30, "qualification": "none", "occupation": "Koch", "experience_years": 6.0, "language": language}
    )
    text = strip_marks("\n".join(texts))
    assert "§ 45 Abs. 2 BBiG" in text and "Rechtsgrundlage" not in text
    assert "Das bringst du mit" not in text and "IHK zu Schwerin" in text


def test_rasa_story_tests() -> None:
    result = subprocess.run(
        [
            str(RASA),
            "test",
            "core",
            "--model",
            str(DEMO_MODEL),
            "--stories",
            "tests/data/stories",
            "--fail-on-prediction-errors",
            "--out",
            str(PROJECT_ROOT / "var" / "results" / "core"),
            "--no-plot",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**ENGINE_ENV, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


@pytest.mark.parametrize(
    ("language", "answer", "occupation"),
    [
        ("ar", "كنت طبّاخ في مطعم", "Koch/Köchin"),
        ("uk", "працював водієм вантажівки", "Berufskraftfahrer/Berufskraftfahrerin"),
        ("fa", "در افغانستان دریور بودم", "Berufskraftfahrer/Berufskraftfahrerin"),
        ("vi", "tôi làm đầu bếp", "Koch/Köchin"),
    ],
)
def test_the_occupation_is_understood_in_the_users_language(
    stack: Stack, language: str, answer: str, occupation: str
) -> None:
    sender = _sender()
    stack.say(sender, "/start_check", language)
    stack.say(sender, "31", language)
    stack.say(sender, '/inform{"qualification": "none"}', language)
    stack.say(sender, answer, language)
    slots = httpx.get(f"{stack.engine_url}/conversations/{sender}/tracker", params={"token": stack.token}).json()[
        "slots"
    ]
    assert slots["occupation"] == occupation, "no need to know the German word"
    assert slots["training_years"] in (2.0, 3.0)


def test_a_ukrainian_types_every_answer_in_ukrainian(stack: Stack) -> None:
    """No button pressed, no German word needed: the whole check typed in Ukrainian."""
    sender = _sender()
    say = lambda text: stack.say(sender, text, "uk")  # noqa: E731
    say("/start_check")
    for answer in ("мені 34", "ні", "працював кухарем", "5 років", "безробітний", "трохи", "у Шверіні", "так"):
        say(answer)
    slots = httpx.get(f"{stack.engine_url}/conversations/{sender}/tracker", params={"token": stack.token}).json()[
        "slots"
    ]
    assert slots["qualification"] == "none" and slots["occupation"] == "Koch/Köchin"
    assert slots["status"] == "unemployed" and slots["german_level"] == "a2"
    assert slots["residence"] == "schwerin" and slots["needs_part_time"] is True
    assert slots["recommended_routes"], "the check reached its recommendation"
