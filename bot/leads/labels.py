"""The German labels counsellors read for a lead — on the Telegram card and in the inbox.

Counsellors work in German, so these are not in the catalogs. Both channels take them from here,
so that neither imports the other.
"""

from __future__ import annotations

ROUTE_NAMES = {
    "externenpruefung": "Externenprüfung",
    "teilqualifikation": "Teilqualifikationen",
    "umschulung": "Umschulung",
    "validierung": "Validierung",
    "anerkennung": "Anerkennung",
    "ausbildung": "Ausbildung",
}
REASONS = {
    "route_found": "Weg gefunden",
    "contact_valid": "Kontakt gültig",
    "consent_given": "Einwilligung",
    "asks_for_counsellor": "will Beratung",
    "documents_available": "Unterlagen da",
    "urgent": "dringend",
}
METHODS = {"telegram": "über den Telegram-Chat", "phone": "Telefon", "email": "E-Mail"}
OUTCOMES = {
    "route_started": "Weg begonnen",
    "referred": "An andere Stelle vermittelt",
    "not_reachable": "Nicht erreichbar",
    "not_interested": "Kein Interesse mehr",
}
"""How a lead ended (``bot.leads.models.OUTCOMES``), as the close step and the inbox name it."""
APPOINTMENT_STATUS_NAMES = {
    "proposed": "vorgeschlagen, wartet auf Antwort",
    "confirmed": "bestätigt",
    "declined": "abgelehnt: möchte einen anderen Termin",
    "cancelled": "abgesagt",
}
"""An appointment's state (``bot.leads.models.APPOINTMENT_STATUSES``), as the inbox names it."""
