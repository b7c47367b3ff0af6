"""Rasa's SQL tracker store, made to survive a database restart.

rasa.core.tracker_store.SQLTrackerStore pools connections without checking them, so the first
message after PostgreSQL restarts finds a dead connection, the conversation cannot be loaded and
the child silently starts over (age, country and topic forgotten). Checking each connection
before use (`pool_pre_ping`) costs one round trip per checkout and keeps the conversation.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs

from bot.sqlite import tune_sqlite


class ResilientSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Any = None, **kwargs: Any) -> None:
        super().__init__(domain=domain, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = tune_sqlite(
            sa.create_engine(url, pool_pre_ping=True, hide_parameters=True, **create_engine_kwargs(url))
        )
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
