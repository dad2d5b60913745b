"""What the web routes need, found on ``app.state``: ``create_app`` puts the settings, the
database's sessionmaker and the inbox's cookie store there, its lifespan the engine client, the
conversations and the Telegram tasks. Routes ask for them by type (``settings: SettingsDep``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import sessionmaker

from bot.conversation import Conversations
from bot.engine import Engine
from bot.news import NewsBell
from bot.settings import Settings
from bot.workers import Telegram


def settings_of(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def sessions_of(request: Request) -> sessionmaker:
    """The database's sessionmaker (also the inbox's: ``app.state.sessions``)."""
    sessions: sessionmaker = request.app.state.sessions
    return sessions


def engine_of(request: Request) -> Engine:
    """The client of the engine's REST channel (set while the app runs)."""
    engine: Engine = request.app.state.engine
    return engine


def conversations_of(request: Request) -> Conversations:
    """The conversations of every channel (set while the app runs)."""
    conversations: Conversations = request.app.state.conversations
    return conversations


def news_of(request: Request) -> NewsBell:
    """The bell that wakes open web chats' event streams (``bot.news``)."""
    bell: NewsBell = request.app.state.news
    return bell


def telegram_of(request: Request) -> Telegram | None:
    """The running Telegram tasks; ``None`` before the app has started them."""
    telegram: Telegram | None = getattr(request.app.state, "telegram", None)
    return telegram


SettingsDep = Annotated[Settings, Depends(settings_of)]
SessionsDep = Annotated[sessionmaker, Depends(sessions_of)]
EngineDep = Annotated[Engine, Depends(engine_of)]
ConversationsDep = Annotated[Conversations, Depends(conversations_of)]
NewsDep = Annotated[NewsBell, Depends(news_of)]
TelegramDep = Annotated[Telegram | None, Depends(telegram_of)]
