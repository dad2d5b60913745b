"""The web chat in a real browser (Debian's Chromium) against the real gateway, engine and actions.

Each test gets a fresh browser profile on a 360 px phone screen. What the bot says comes from the
real engine; only the link test answers ``/api/chat`` in the browser, to show the page's handling of
texts a bot could send.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Frame, Page, Route, expect

from actions.nlg import render
from bot.bidi import strip_marks
from bot.counsellors import add_counsellor
from bot.database import make_engine, make_sessions
from bot.i18n import gettext_for, translate
from bot.leads.outbox import CLAIMED_NOTICE
from bot.leads.submission import submit_lead
from bot.starter import Stack
from bot.web.pages import PAGE_TEXTS
from devtools.browser import PHONE, screenshot
from devtools.servers import Gateway, PartnerSite
from tests.support.databases import give_consent, submission

pytestmark = pytest.mark.integration

ARABIC = re.compile(r"[\u0600-\u06ff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _open(page: Page, gateway: Gateway, language: str) -> None:
    page.goto(f"{gateway.url}/chat?lang={language}")
    expect(page.locator(".msg--bot").first).to_be_visible()


def _write(page: Page, language: str, text: str) -> None:
    """Type into the text field (found by its label, as a screen reader would) and press Enter."""
    page.get_by_label(gettext_for(language, PAGE_TEXTS["input_label"])).fill(text)
    page.keyboard.press("Enter")


def _bot_texts(page: Page | Frame) -> list[str]:
    return [strip_marks(t) for t in page.locator(".msg--bot .msg__text").all_inner_texts()]


def _no_horizontal_scrolling(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide"


def _within_screen(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None
    size = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 0.5, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 0.5, selector


def test_arabic_on_a_phone_right_to_left_with_buttons(page: Page, gateway: Gateway) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    _open(page, gateway, "ar")

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    greeting = _bot_texts(page)[0]
    assert greeting == strip_marks(render("utter_greet", "ar")["text"])
    assert ARABIC.search(greeting) and "Lotse" in greeting
    assert page.get_by_placeholder(gettext_for("ar", PAGE_TEXTS["placeholder"])).is_visible()

    # RTL layout: the bot's bubble starts on the right, the user's on the left
    page.get_by_role("button", name=strip_marks(render("utter_greet", "ar")["buttons"][1]["title"])).tap()
    expect(page.locator(".msg--bot")).to_have_count(2)
    help_text = strip_marks(render("utter_help", "ar")["text"])
    assert _bot_texts(page)[1] == help_text
    user = page.locator(".msg--user").first.bounding_box()
    bot = page.locator(".msg--bot").first.bounding_box()
    assert user is not None and bot is not None
    assert user["x"] < bot["x"], "in Arabic the user's messages sit on the left"
    _no_horizontal_scrolling(page)
    _within_screen(page, "#composer button")
    screenshot(page, "chat-ar-phone")

    # no third-party requests: everything from the gateway's own origin
    own = urlsplit(gateway.url).netloc
    assert requests and all(urlsplit(url).netloc == own for url in requests), requests


def test_the_language_picker_switches_and_keeps_the_conversation(page: Page, gateway: Gateway) -> None:
    _open(page, gateway, "de")
    page.get_by_label(gettext_for("de", PAGE_TEXTS["language_label"])).select_option("uk")
    page.wait_for_url(re.compile(r"lang=uk"))
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.locator(".msg--bot")).to_have_count(2)  # the German greeting stays, then Ukrainian
    texts = _bot_texts(page)
    assert texts[0] == strip_marks(render("utter_greet", "de")["text"])
    assert texts[1] == strip_marks(render("utter_language_changed", "uk")["text"])
    assert CYRILLIC.search(texts[1])
    assert page.get_by_placeholder(gettext_for("uk", PAGE_TEXTS["placeholder"])).is_visible()


def test_the_session_survives_a_reload(page: Page, gateway: Gateway) -> None:
    _open(page, gateway, "en")
    session = page.evaluate("localStorage.getItem('lotse.session')")
    _write(page, "en", "what is an Umschulung?")
    expect(page.locator(".msg--bot")).to_have_count(2)
    before = _bot_texts(page)

    page.reload()
    expect(page.locator(".msg--bot")).to_have_count(2)
    assert _bot_texts(page) == before, "the conversation is shown again, not greeted anew"
    assert page.evaluate("localStorage.getItem('lotse.session')") == session


def test_offline_messages_wait_visibly_and_go_when_back_online(
    page: Page, context: BrowserContext, gateway: Gateway
) -> None:
    _open(page, gateway, "de")
    context.set_offline(True)
    _write(page, "de", "Was ist eine Externenprüfung?")

    pending = page.locator(".msg--user.msg--pending")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text(gettext_for("de", PAGE_TEXTS["pending"]))
    expect(page.locator("#status")).to_have_text(gettext_for("de", PAGE_TEXTS["offline"]))
    assert json.loads(page.evaluate("sessionStorage.getItem('lotse.pending')"))[0]["text"] == (
        "Was ist eine Externenprüfung?"
    ), "kept, even if the page is closed now"
    screenshot(page, "chat-de-offline")

    context.set_offline(False)
    expect(page.locator(".msg--pending")).to_have_count(0)
    expect(page.locator(".msg--bot")).to_have_count(2)
    assert "Externenprüfung" in _bot_texts(page)[1]
    expect(page.locator("#status")).to_be_hidden()
    assert json.loads(page.evaluate("sessionStorage.getItem('lotse.pending')")) == []


def test_keyboard_only(page: Page, gateway: Gateway) -> None:
    _open(page, gateway, "de")
    buttons = render("utter_greet", "de")["buttons"]
    # Tab from the top: language picker, then the first quick reply
    page.locator("body").focus()
    for _ in range(8):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent")
        if focused == buttons[1]["title"]:
            break
    else:
        pytest.fail("the quick replies cannot be reached with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert float(outline.removesuffix("px")) >= 2, "focus is visible"
    page.keyboard.press("Enter")
    expect(page.locator(".msg--bot")).to_have_count(2)
    assert _bot_texts(page)[1] == strip_marks(render("utter_help", "de")["text"])

    page.get_by_label(gettext_for("de", PAGE_TEXTS["input_label"])).focus()
    page.keyboard.type("Wer bezahlt eine Umschulung?")
    page.keyboard.press("Enter")
    # a long answer comes as a few phone-sized messages; the first one names the route
    expect(page.locator(".msg--bot").nth(2)).to_contain_text("Umschulung")
    expect(page.locator(".msg--bot")).not_to_have_count(2)


@pytest.mark.parametrize("language", ["ar", "de"])
def test_wcag_2_1_aa_with_axe(page: Page, gateway: Gateway, language: str) -> None:
    _open(page, gateway, language)
    page.locator(".quick button").nth(1).click()  # "what can you do?": one answer with buttons
    expect(page.locator(".msg--bot")).to_have_count(2)
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        },
    )
    assert results.violations_count == 0, results.generate_report()


def test_text_at_200_percent_on_a_phone(page: Page, gateway: Gateway) -> None:
    _open(page, gateway, "ru")
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    page.locator(".quick button").nth(1).click()
    expect(page.locator(".msg--bot")).to_have_count(2)
    _no_horizontal_scrolling(page)
    _within_screen(page, "#text")
    _within_screen(page, "#composer button")
    screenshot(page, "chat-ru-200-percent")


def test_read_aloud_speaks_the_message_in_its_language(context: BrowserContext, gateway: Gateway) -> None:
    # record what the page asks the browser to speak (headless Chromium has no voices)
    context.add_init_script("""
        window.__spoken = [];
        speechSynthesis.getVoices = () => [{lang: 'fa-IR', name: 'Dara'}, {lang: 'de-DE', name: 'Anna'}];
        speechSynthesis.speak = (u) => window.__spoken.push({text: u.text, lang: u.lang});
    """)
    page = context.new_page()
    _open(page, gateway, "fa")
    page.get_by_role("button", name=gettext_for("fa", PAGE_TEXTS["read_aloud"])).first.click()
    spoken = page.evaluate("window.__spoken")
    assert spoken == [{"text": strip_marks(render("utter_greet", "fa")["text"]), "lang": "fa"}]


def test_read_aloud_is_offered_only_where_the_browser_can_speak(context: BrowserContext, gateway: Gateway) -> None:
    context.add_init_script("speechSynthesis.getVoices = () => [{lang: 'en-US', name: 'Sam'}];")
    page = context.new_page()
    _open(page, gateway, "vi")
    expect(page.locator(".msg__speak")).to_have_count(0)


def test_html_from_users_is_shown_as_text(page: Page, gateway: Gateway) -> None:
    _open(page, gateway, "en")
    attack = '<img src=x onerror="window.__pwned=1"><b>bold</b>'
    _write(page, "en", attack)
    expect(page.locator(".msg--bot")).to_have_count(2)
    assert page.locator(".msg--user .msg__text").inner_text() == attack
    assert page.locator("#log img, #log b").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_only_allowlisted_links_become_links(page: Page, gateway: Gateway) -> None:
    text = (
        "Handwerkskammer: https://www.hwk-schwerin.de, Notice: "
        f"{gateway.url}/privacy?lang=de. Elsewhere: https://evil.example/phish <a href='x'>x</a>"
    )

    def answer(route: Route) -> None:
        route.fulfill(json={"messages": [{"text": text, "buttons": []}], "language": "de", "dir": "ltr"})

    page.route("**/api/chat", answer)
    _open(page, gateway, "de")
    links = page.locator(".msg--bot a")
    expect(links).to_have_count(2)
    assert links.nth(0).get_attribute("href") == "https://www.hwk-schwerin.de/"
    assert links.nth(1).get_attribute("href") == f"{gateway.url}/privacy?lang=de"
    assert links.nth(0).get_attribute("rel") == "noopener noreferrer"
    assert page.locator(".msg--bot .msg__text").inner_text() == text


def test_the_partner_site_embeds_the_launcher(page: Page, gateway: Gateway, partner: PartnerSite, stack: Stack) -> None:
    partner.script_tag = (
        f'<script src="{gateway.url}/widget.js" defer data-lang="ar" '
        'data-colour="#8a1538" data-start="jobcenter_flyer"></script>'
    )
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/chat") else None)
    page.goto(partner.url())
    launcher = page.get_by_role("button", name=gettext_for("ar", PAGE_TEXTS["open"]))
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(page.locator("button.lotse-launcher")).to_have_attribute("aria-expanded", "true")
    frame_box = page.locator("iframe.lotse-frame").bounding_box()
    assert frame_box is not None and frame_box["width"] == PHONE["width"], "full screen on a phone"

    chat = page.frame_locator("iframe.lotse-frame")
    expect(chat.locator(".msg--bot").first).to_be_visible()
    assert chat.locator("html").get_attribute("dir") == "rtl"
    assert ARABIC.search(chat.locator(".msg--bot .msg__text").first.inner_text())
    screenshot(page, "widget-ar-partner-site")

    # the start payload became the conversation's lead source
    assert sent and sent[0]["source"] == "jobcenter_flyer"
    session = sent[0]["session"]
    with ThreadPoolExecutor(1) as other_thread:  # Playwright's sync API owns this thread's loop
        slots = other_thread.submit(asyncio.run, stack.slots(f"web:{session}")).result()
    assert slots["lead_source"] == "jobcenter_flyer"

    # Escape closes the chat and gives the focus back to the launcher
    chat.locator("#text").press("Escape")
    expect(page.locator("iframe.lotse-frame")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_other_sites_may_not_frame_the_chat(page: Page, gateway: Gateway, partner: PartnerSite) -> None:
    partner.script_tag = f'<script src="{gateway.url}/widget.js" defer data-lang="de"></script>'
    page.goto(partner.url(host="localhost"))  # another origin, not in LOTSE_WIDGET_ORIGINS
    with page.expect_response(re.compile(r"/chat\?")) as answer:
        page.get_by_role("button", name=gettext_for("de", PAGE_TEXTS["open"])).click()
    assert "frame-ancestors" in (answer.value.headers.get("content-security-policy") or "")
    # the signal instead of a fixed wait: the iframe has finished loading what the browser let it show
    frame = page.locator("iframe.lotse-frame").element_handle().content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")
    assert frame.locator("#log").count() == 0, "the browser refused to frame the chat"


def test_delete_my_data_forgets_the_session(page: Page, gateway: Gateway) -> None:
    _open(page, gateway, "de")
    session = page.evaluate("localStorage.getItem('lotse.session')")
    _write(page, "de", "lösch meine daten")
    expect(page.locator(".msg--bot")).to_have_count(2)
    page.locator(".quick button").first.click()  # "Ja, alles löschen"
    expect(page.locator(".msg--user")).to_have_count(0)  # the log starts empty again
    assert page.evaluate("localStorage.getItem('lotse.session')") is None
    assert page.evaluate("sessionStorage.getItem('lotse.history')") is None
    page.reload()
    expect(page.locator(".msg--bot")).to_have_count(1)  # greeted as somebody new
    assert page.evaluate("localStorage.getItem('lotse.session')") not in (None, session)


def test_on_a_desktop_the_chat_opens_beside_the_button(browser, gateway: Gateway, partner: PartnerSite) -> None:
    partner.script_tag = (
        f'<script src="{gateway.url}/widget.js" defer data-lang="uk" '
        'data-position="left" data-colour="#ffd500"></script>'
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(partner.url())
        launcher = page.get_by_role("button", name=gettext_for("uk", PAGE_TEXTS["open"]))
        launcher.focus()
        page.keyboard.press("Enter")  # keyboard: the focus goes into the chat's text field
        chat = page.frame_locator("iframe.lotse-frame")
        expect(chat.locator(".msg--bot").first).to_be_visible()
        expect(chat.locator("#text")).to_be_focused()
        box = page.locator("iframe.lotse-frame").bounding_box()
        assert box is not None and box["width"] == 380 and box["x"] < 100, "380 px wide, on the left"
        expect(launcher).to_be_visible()
        # a light brand colour: black text on the header, links and buttons fall back to dark grey
        ink = chat.locator(".chat__head").evaluate("e => getComputedStyle(e).color")
        button_text = chat.locator(".quick button").first.evaluate("e => getComputedStyle(e).color")
        assert ink == "rgb(0, 0, 0)" and button_text == "rgb(27, 27, 27)"
        screenshot(page, "widget-uk-desktop")
        launcher.click()
        expect(page.locator("iframe.lotse-frame")).to_be_hidden()
    finally:
        context.close()


def test_the_person_sees_when_a_counsellor_takes_the_request(
    browser, context: BrowserContext, gateway: Gateway, stack: Stack
) -> None:
    person = context.new_page()
    _open(person, gateway, "ar")
    session = person.evaluate("localStorage.getItem('lotse.session')")
    database = make_engine(stack.settings.effective_database_url)
    try:
        sessions = make_sessions(database)
        give_consent(sessions, f"web:{session}", "contact", "2026-11", "web")
        lead = submit_lead(sessions, submission(f"web:{session}", language="ar", first_name="Amal"))
        username = f"clara{uuid.uuid4().hex[:6]}"
        add_counsellor(sessions, username, "Clara Rat", "a-long-password-3")
    finally:
        database.dispose()

    desk = browser.new_context()  # the counsellor, on another computer
    try:
        inbox = desk.new_page()
        inbox.goto(f"{gateway.url}/inbox/login")
        inbox.get_by_label("Benutzername").fill(username)
        inbox.get_by_label("Passwort").fill("a-long-password-3")
        inbox.get_by_role("button", name="Anmelden").click()
        inbox.goto(f"{gateway.url}/inbox/leads/{lead.id}")
        inbox.get_by_label("Status").select_option("claimed")
        inbox.get_by_role("button", name="Speichern").click()
    finally:
        desk.close()

    expect(person.locator(".msg--bot")).to_have_count(2)
    assert _bot_texts(person)[1] == strip_marks(translate("ar", CLAIMED_NOTICE))
    screenshot(person, "chat-ar-counsellor-took-it")


def _inbox_login(desk: BrowserContext, gateway: Gateway, username: str, password: str) -> Page:
    inbox = desk.new_page()
    inbox.goto(f"{gateway.url}/inbox/login")
    inbox.get_by_label("Benutzername").fill(username)
    inbox.get_by_label("Passwort").fill(password)
    inbox.get_by_role("button", name="Anmelden").click()
    return inbox


def test_a_counsellor_message_arrives_in_the_open_chat_as_from_a_person_and_waits_for_the_next_visit(
    browser, context: BrowserContext, gateway: Gateway, stack: Stack
) -> None:
    from bot.leads.relay import HEADER

    person = context.new_page()
    _open(person, gateway, "ar")
    session = person.evaluate("localStorage.getItem('lotse.session')")
    database = make_engine(stack.settings.effective_database_url)
    try:
        sessions = make_sessions(database)
        give_consent(sessions, f"web:{session}", "contact", "2026-12", "web")
        lead = submit_lead(sessions, submission(f"web:{session}", language="ar", first_name="Amal"))
        username = f"dana{uuid.uuid4().hex[:6]}"
        add_counsellor(sessions, username, "Dana Roth", "a-long-password-5")
    finally:
        database.dispose()

    desk = browser.new_context()  # the counsellor, on another computer
    try:
        inbox = _inbox_login(desk, gateway, username, "a-long-password-5")
        inbox.goto(f"{gateway.url}/inbox/leads/{lead.id}")
        inbox.get_by_label("Status").select_option("claimed")
        inbox.get_by_role("button", name="Speichern").click()
        inbox.get_by_label("Nachricht an Amal").fill("مرحبا أمل، أنا دانا. سأتصل بك غدًا الساعة العاشرة.")
        inbox.get_by_role("button", name="Nachricht senden").click()
        expect(inbox.locator(".relay--to_person")).to_have_count(1)

        from_person = person.locator(".msg--counsellor")
        expect(from_person).to_have_count(1)
        header = strip_marks(translate("ar", HEADER, name="Dana"))
        assert strip_marks(from_person.locator(".msg__from").inner_text()) == header
        assert "سأتصل بك غدًا" in from_person.locator(".msg__text").inner_text()
        # read out as from a person: the header is in the live log's text, no hidden "Lotse:" label
        assert strip_marks(from_person.inner_text()).startswith(header)
        assert from_person.locator(".visually-hidden").count() == 0
        assert person.locator("#log").get_attribute("role") == "log"
        assert person.locator("#log").get_attribute("aria-live") == "polite"
        colours = from_person.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colours != person.locator(".msg--bot").first.evaluate("e => getComputedStyle(e).backgroundColor")
        results = Axe().run(person, context=".msg--counsellor")
        assert results.violations_count == 0, results.generate_report()
        screenshot(person, "chat-ar-counsellor-writes")

        # the person answers; it shows in the inbox, and Lotse says nothing
        bot_before = person.locator(".msg--bot").count()
        _write(person, "ar", "شكرا! أنا متاحة غدًا.")
        expect(person.locator(".msg--user").last).to_contain_text("شكرا! أنا متاحة غدًا.")
        expect(person.locator(".msg--pending")).to_have_count(0)  # the gateway took it
        inbox.reload()
        expect(inbox.locator(".relay--from_person")).to_contain_text("شكرا! أنا متاحة غدًا.")
        assert person.locator(".msg--bot").count() == bot_before

        person.reload()  # the chat shows what it showed, the person's message still looks like one
        expect(person.locator(".msg--counsellor")).to_have_count(1)

        person.close()  # the chat is closed: the next message waits for the next visit
        inbox.get_by_label("Nachricht an Amal").fill("أمل، أرسلت لك العنوان.")
        inbox.get_by_role("button", name="Nachricht senden").click()
        expect(inbox.locator(".relay--to_person")).to_have_count(2)
    finally:
        desk.close()

    again = context.new_page()
    again.goto(f"{gateway.url}/chat?lang=ar")
    expect(again.locator(".msg--counsellor")).to_contain_text("أرسلت لك العنوان")
    screenshot(again, "chat-ar-counsellor-next-visit")


def test_news_sent_again_after_a_lost_acknowledgement_is_shown_once(
    context: BrowserContext, gateway: Gateway, stack: Stack
) -> None:
    """At least once, never twice on the screen: the page's acknowledgements are lost (aborted
    here), so the server sends the news again on every new stream; the page skips the ids it has
    shown — after a reload, and in a new tab (the next visit) — and acknowledges them again."""
    from sqlalchemy import select

    from bot.leads.claims import claim_lead
    from bot.leads.models import OutboxMessage
    from bot.leads.relay import write_to_person

    person = context.new_page()
    lost: list[dict[str, object]] = []

    def lose(route: Route) -> None:
        lost.append(json.loads(route.request.post_data or "null"))
        route.abort()

    person.route("**/api/events/ack", lose)
    _open(person, gateway, "uk")
    session = person.evaluate("localStorage.getItem('lotse.session')")
    telegram_user_id = uuid.uuid4().int % 1_000_000_000
    database = make_engine(stack.settings.effective_database_url)
    try:
        sessions = make_sessions(database)
        give_consent(sessions, f"web:{session}", "contact", "2026-12", "web")
        lead = submit_lead(sessions, submission(f"web:{session}", language="uk", first_name="Olena"))
        counsellor = add_counsellor(
            sessions, f"eva{uuid.uuid4().hex[:6]}", "Eva Lind", "a-long-password-7", telegram_user_id=telegram_user_id
        )
        assert claim_lead(sessions, lead.id, telegram_user_id).reason == "claimed"
        assert write_to_person(sessions, lead.id, counsellor.id, "Добрий день, Олено!", via="inbox").ok

        notice = strip_marks(translate("uk", CLAIMED_NOTICE))
        from_counsellor = person.locator(".msg--counsellor")
        expect(from_counsellor).to_have_count(1)
        assert _bot_texts(person).count(notice) == 1
        person.wait_for_timeout(500)  # the acknowledgements went out (and were lost)
        assert [sorted(body) for body in lost] == [["id", "session"], ["id", "session"]]
        assert all(body["session"] == session and isinstance(body["id"], int) for body in lost)

        person.reload()  # a new stream: both come again (never acknowledged), and are skipped
        assert write_to_person(sessions, lead.id, counsellor.id, "Ще одне: візьміть паспорт.", via="inbox").ok
        expect(from_counsellor).to_have_count(2)  # the new one; the two before it came first
        assert _bot_texts(person).count(notice) == 1
        texts = from_counsellor.locator(".msg__text").all_inner_texts()
        assert sum("Добрий день, Олено!" in text for text in texts) == 1, texts
        person.wait_for_timeout(500)
        assert len(lost) == 5, "the page acknowledged the skipped ones again"
        person.close()

        def statuses() -> set[str]:
            with sessions() as db:
                kinds = ["notice_web", "relay_web"]
                return set(
                    db.scalars(
                        select(OutboxMessage.status).where(
                            OutboxMessage.lead_id == lead.id, OutboxMessage.kind.in_(kinds)
                        )
                    )
                )

        assert statuses() == {"pending"}, "never acknowledged: still to be delivered"
        again = context.new_page()  # the next visit (a new tab); its acknowledgements get through
        _open(again, gateway, "uk")
        for _ in range(40):
            if statuses() == {"sent"}:
                break
            again.wait_for_timeout(250)
        assert statuses() == {"sent"}
        assert again.locator(".msg--counsellor").count() == 0, "shown before: not again"
        assert _bot_texts(again).count(notice) == 0
    finally:
        database.dispose()


def test_an_appointment_is_answered_with_a_button_and_comes_with_its_calendar_file(
    context: BrowserContext, gateway: Gateway, stack: Stack
) -> None:
    """Issue 15, point 3, in the browser: the proposal with "Passt" / "Anderer Termin" in the
    person's language, a press, and the calendar file as a link only this chat can fetch."""
    from datetime import UTC, datetime, timedelta

    from bot.leads.appointment_texts import ANSWER_OTHER, ANSWER_YES, CALENDAR_LINK
    from bot.leads.claims import claim_lead
    from bot.leads.relay import write_to_person

    person = context.new_page()
    _open(person, gateway, "uk")
    session = person.evaluate("localStorage.getItem('lotse.session')")
    telegram_user_id = uuid.uuid4().int % 1_000_000_000
    day = (datetime.now(UTC) + timedelta(days=10)).date()
    database = make_engine(stack.settings.effective_database_url)
    try:
        sessions = make_sessions(database)
        give_consent(sessions, f"web:{session}", "contact", "2026-12", "web")
        lead = submit_lead(sessions, submission(f"web:{session}", language="uk", first_name="Olena"))
        counsellor = add_counsellor(
            sessions, f"ute{uuid.uuid4().hex[:6]}", "Ute Brandt", "a-long-password-9", telegram_user_id=telegram_user_id
        )
        assert claim_lead(sessions, lead.id, telegram_user_id).reason == "claimed"
        values = f"{day:%d.%m.%Y}\n10:30\nJobcenter Schwerin, Raum 12"
        assert write_to_person(sessions, lead.id, counsellor.id, template="meet", values=values, via="inbox").ok
    finally:
        database.dispose()

    proposal = person.locator(".msg--counsellor").last
    expect(proposal).to_contain_text("Jobcenter Schwerin, Raum 12")
    yes = person.get_by_role("button", name=translate("uk", ANSWER_YES), exact=True)
    expect(yes).to_be_visible()
    expect(person.get_by_role("button", name=translate("uk", ANSWER_OTHER), exact=True)).to_be_visible()
    screenshot(person, "chat-uk-appointment-proposed")
    yes.click()

    link = person.get_by_role("link", name=translate("uk", CALENDAR_LINK))
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    assert href.startswith("/api/appointment.ics?") and session in href
    fetched = person.request.get(f"{gateway.url}{href}")
    assert fetched.ok and fetched.headers["content-type"].startswith("text/calendar")
    body = fetched.text()
    assert "BEGIN:VEVENT" in body and f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T103000" in body
    stranger = person.request.get(f"{gateway.url}{href.replace(session, str(uuid.uuid4()))}")
    assert stranger.status == 404, "another chat cannot fetch it"
    _no_horizontal_scrolling(person)
    screenshot(person, "chat-uk-appointment-confirmed")
