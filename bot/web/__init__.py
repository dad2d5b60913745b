"""The bot's web side: the chat page and its JSON API (later also the widget and the inbox)."""
