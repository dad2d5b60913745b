"""The counsellor inbox: web pages served by the bot, behind a login (German, for counsellors)."""
