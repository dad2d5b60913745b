"""What the gateway and the action server agree on: custom-message keys and special payloads.

Both processes import this module (the gateway in ``bot.engine`` and the channels, the actions in
``actions/``), so neither reaches into the other's code for a constant.
"""

from __future__ import annotations

from bot.i18n import N_

LANGUAGE_CUSTOM_KEY = "lotse_language"
"""Key of the custom message (sent by ``action_change_language``) that names the new language."""
ERASE_CUSTOM_KEY = "lotse_erase"
"""Key of the custom message (sent by ``action_delete_my_data``): erase this conversation now."""
SHARE_CONTACT_PAYLOAD = "/share_contact"
"""A button with this payload is Telegram's "share my phone number" button (other channels drop it)."""
SHARE_NUMBER = N_("Meine Nummer teilen")
"""The title of that button."""
