"""The bot's web side: ``app.create_app`` puts the gateway together from a router per concern —
``pages`` (chat page, launcher, privacy notice, Mein Plan), ``chat`` (the chat API and its event
stream), ``webhook`` (Telegram updates in webhook mode) and the inbox's (``bot.inbox``)."""
