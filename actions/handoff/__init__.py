"""From a conversation to a counsellor: consent, the contact form, the lead, and the person's rights.

- ``consent``: ``request_counsellor`` → ``action_offer_counsellor`` says what is stored, why, who
  sees it and for how long (with a link to the privacy notice), records that the notice was shown,
  and asks for consent with buttons. A button sends ``request_counsellor`` again with the
  ``consent`` entity (``contact`` or ``contact_statistics``); the consent is recorded per purpose,
  with a reference to the notice shown, and the contact form starts. Only a pressed button counts,
  and only after the notice: typed or forged payloads show the notice instead (issue 17).
- ``contact``: ``contact_form`` asks for a first name, how to be contacted (this Telegram chat /
  phone / e-mail), the number or address (checked with phonenumbers / email-validator), a time and
  the language of the call. The triage answers are reused, never asked again.
  ``action_submit_lead`` writes the lead and its counsellor card in one transaction and says
  exactly what happens next; when the database fails, it says so honestly and offers a retry.
- ``rights``: ``show_my_data`` (Art. 15) lists what is stored; ``delete_my_data`` (Art. 17, also
  the way to withdraw consent) asks once, then erases: our rows at once, the tracker events right
  after the turn (the gateway does that when it sees ``{"lotse_erase": true}``, because Rasa writes
  this turn's events only after the action has run).
- ``shared``: what the three share (the conversation's id and channel, buttons, "not saved").

The database work is ``bot.leads``' services, called off the event loop (``asyncio.to_thread``).
"""
