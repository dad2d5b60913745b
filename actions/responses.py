"""Every response the engine can ask for, by name: the words are German gettext msgids.

The Rasa domain lists only the names (``utter_*``); the NLG endpoint renders them from here in
the user's language. Texts are marked with ``N_`` so that ``make catalogs`` extracts them.
Translator comments start with ``TRANSLATORS:``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.i18n import N_


@dataclass(frozen=True)
class Button:
    """A quick reply: a translated title and the payload the engine understands."""

    title: str
    payload: str


@dataclass(frozen=True)
class Response:
    """One bot message: text with ``{placeholders}`` filled from slots, and buttons."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    language_buttons: bool = False
    """Add one button per available language, titled in that language's own name."""


HELP_BUTTON = Button(N_("Was kannst du?"), "/help")
LANGUAGE_BUTTON = Button(N_("Sprache wechseln"), "/change_language")
CHECK_BUTTON = Button(N_("Welcher Weg passt zu mir?"), "/start_check")
PERSON_BUTTON = Button(N_("Mit einem Menschen sprechen"), "/request_counsellor")

RESPONSES: dict[str, Response] = {
    "utter_greet": Response(
        # TRANSLATORS: First message. "Berufsabschluss" is kept in German in every language.
        N_(
            "Hallo! Ich bin Lotse. Ich helfe dir, einen Berufsabschluss nachzuholen – "
            "auch wenn du keine Ausbildung hast oder deinen Abschluss im Ausland gemacht hast."
        ),
        (CHECK_BUTTON, HELP_BUTTON, LANGUAGE_BUTTON),
    ),
    "utter_help": Response(
        N_(
            "Ich erkläre dir die Wege zum Berufsabschluss: zum Beispiel die Externenprüfung, "
            "Teilqualifikationen, eine Umschulung oder die Anerkennung von einem Abschluss aus "
            "dem Ausland. Schreib mir einfach deine Frage – kurz reicht."
        ),
        (CHECK_BUTTON, LANGUAGE_BUTTON),
    ),
    "utter_goodbye": Response(N_("Tschüss! Schreib mir jederzeit wieder.")),
    "utter_thank": Response(N_("Gern geschehen! Frag mich ruhig noch mehr."), (HELP_BUTTON,)),
    "utter_bot_challenge": Response(
        N_(
            "Ich bin ein Chatbot, also ein Computerprogramm – kein Mensch. Was ich nicht "
            "beantworten kann, klären Beraterinnen und Berater im Jobcenter, in der Agentur "
            "für Arbeit oder bei der Kammer mit dir."
        ),
        (HELP_BUTTON,),
    ),
    "utter_out_of_scope": Response(
        # TRANSLATORS: an honest "not my field" (studies, visa, pensions, other cities).
        N_(
            "Das kann ich dir leider nicht beantworten: Ich kenne mich nur mit Wegen zum "
            "Berufsabschluss in Schwerin und Westmecklenburg aus. Für Fragen zu Studium, Visum, "
            "Rente oder anderen Städten sagt dir eine Beraterin oder ein Berater, wer zuständig ist."
        ),
        (PERSON_BUTTON, HELP_BUTTON),
    ),
    "utter_default": Response(
        N_("Das habe ich nicht verstanden. Kannst du es anders sagen? Oder tippe auf eine Taste."),
        (HELP_BUTTON, LANGUAGE_BUTTON),
    ),
    "utter_ask_language": Response(N_("In welcher Sprache möchtest du schreiben?"), language_buttons=True),
    "utter_language_changed": Response(
        # TRANSLATORS: Sent right after switching, in the new language.
        N_("Gut, ab jetzt schreibe ich auf Deutsch."),
        (HELP_BUTTON,),
    ),
    "utter_language_unavailable": Response(
        N_("Diese Sprache kann ich leider noch nicht. Bitte wähle eine von diesen:"),
        language_buttons=True,
    ),
    "utter_triage_intro": Response(
        N_(
            "Ich stelle dir ein paar kurze Fragen – das dauert etwa zwei Minuten. Danach sage ich "
            "dir, welcher Weg zu dir passt. Du kannst jederzeit „neu starten“ schreiben."
        ),
    ),
    "utter_what_next": Response(
        N_("Was möchtest du wissen? Tippe auf eine Taste oder schreib mir deine Frage."),
        (CHECK_BUTTON, HELP_BUTTON),
    ),
    "utter_restart": Response(
        # TRANSLATORS: Rasa sends this after "neu starten" / /restart.
        N_("Okay, wir fangen von vorne an."),
        (CHECK_BUTTON, HELP_BUTTON),
    ),
    "utter_technical_problem": Response(
        N_("Entschuldigung, bei mir ist gerade ein technischer Fehler passiert. Bitte versuch es gleich noch einmal."),
    ),
}
