"""The privacy notice: what Lotse stores, why, who sees it, for how long — in every language.

Shown at ``/privacy?lang=<code>`` by the bot and linked from the consent question. Consent rows
record ``NOTICE_VERSION``; change it whenever a text below changes in substance.
"""

from __future__ import annotations

from knowledge.text import N_

NOTICE_VERSION = "2026-12-07.2"
"""The day of the change (``.2``: the second change that day — appointments)."""

TITLE = N_("Datenschutz bei Lotse")
SECTIONS: tuple[tuple[str, str], ...] = (
    (
        N_("Wer ist Lotse?"),
        N_(
            "Lotse ist ein Chatbot für Menschen in Schwerin und Westmecklenburg, die einen "
            "Berufsabschluss nachholen möchten. Lotse gibt Auskunft und vermittelt, wenn du es willst, "
            "eine Beratung."
        ),
    ),
    (
        N_("Was wird gespeichert, solange du nur chattest?"),
        N_(
            "Deine Nachrichten und deine Antworten aus dem Check, damit das Gespräch weitergehen kann. "
            "Wir löschen das Gespräch {conversation_days} nach deiner letzten Nachricht. Ohne deine "
            "Einwilligung gibt Lotse nichts davon weiter."
        ),
    ),
    (
        N_("Was wird gespeichert, wenn du eine Beratung möchtest?"),
        N_(
            "Nur mit deiner Einwilligung: dein Vorname, wie wir dich erreichen (dieser Chat, Telefon "
            "oder E-Mail), wann und in welcher Sprache, deine Antworten aus dem Check und die Wege, die "
            "zu dir passen. Wir fragen nicht nach deiner Adresse, deinem Ausweis oder deinem "
            "Aufenthaltsstatus im Detail."
        ),
    ),
    (
        N_("Wer sieht deine Angaben?"),
        N_(
            "Nur die Beraterinnen und Berater im Lotse-Team (Jobcenter, Agentur für Arbeit und "
            "Kammern in Westmecklenburg), mit eigenem Login. Über Telegram bekommen sie nur eine kurze "
            "Nachricht mit deinem Vornamen, deiner Sprache und deinem Weg – ohne Telefonnummer und "
            "E-Mail. Jeder Zugriff wird protokolliert."
        ),
    ),
    (
        N_("Nachrichten mit dem Beratungsteam"),
        N_(
            "Hat eine Beraterin oder ein Berater deine Anfrage übernommen, kann sie oder er dir hier im "
            "Chat schreiben, und du kannst antworten. Diese Nachrichten speichern wir bei deiner Anfrage "
            "und löschen sie mit ihr. Deine Antworten sieht das Lotse-Team auch in seinem Telegram-Chat. "
            "Solange ihr schreibt, antwortet Lotse nicht."
        ),
    ),
    (
        N_("Termine"),
        # TRANSLATORS: quote the two buttons as your catalog translates "Passt" and "Anderer Termin".
        N_(
            "Schlägt dir die Beratung einen Termin vor, speichern wir ihn bei deiner Anfrage: Tag, Uhrzeit, "
            "Ort und deine Antwort („Passt“ oder „Anderer Termin“). Sagst du „Passt“, bekommst du eine "
            "Kalenderdatei und am Tag vorher eine Erinnerung hier im Chat. Wir löschen deine Termine mit "
            "deiner Anfrage."
        ),
    ),
    (N_("Wie lange?"), N_("Deine Anfrage löschen wir {lead_days}, nachdem die Beratung abgeschlossen ist.")),
    (
        N_("Deine Rechte"),
        N_(
            "Schreib „Was weißt du über mich?“, dann zeigt Lotse dir alles, was gespeichert ist. "
            "Schreib „Meine Daten löschen“ oder /delete, dann löscht Lotse sofort alles: das Gespräch, "
            "deine Anfrage und deine Einwilligung. Du kannst deine Einwilligung jederzeit so widerrufen. "
            "Du kannst dich auch beim Landesbeauftragten für Datenschutz Mecklenburg-Vorpommern "
            "beschweren."
        ),
    ),
    (
        N_("Freiwillig"),
        N_(
            "Die Beratung und alle Angaben sind freiwillig. Wenn du nicht einwilligst, kannst du Lotse "
            "trotzdem alles fragen."
        ),
    ),
)
