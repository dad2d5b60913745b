"""The bot's command menu in Telegram, in every language Telegram can tell us (setMyCommands)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand

from bot.i18n import N_, available_languages, translate

COMMANDS = (
    ("start", N_("Neu anfangen")),
    ("language", N_("Sprache wechseln")),
    ("help", N_("Was kannst du?")),
    ("privacy", N_("Datenschutz bei Lotse")),
    ("delete", N_("Meine Daten löschen")),
)


def commands_for(language: str) -> list[BotCommand]:
    """The menu in ``language`` (no direction marks: Telegram shows the menu as is)."""
    from bot.bidi import strip_marks

    return [
        BotCommand(command=name, description=strip_marks(translate(language, text))[:256]) for name, text in COMMANDS
    ]


async def register_commands(bot: Bot, default_language: str) -> None:
    """One menu per two-letter language code, and the default language's for everyone else."""
    await bot.set_my_commands(commands_for(default_language))
    for language in available_languages():
        if len(language) == 2:
            await bot.set_my_commands(commands_for(language), language_code=language)
