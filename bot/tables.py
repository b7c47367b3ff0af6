"""Every table the project owns, on one MetaData: Alembic migrations (bot/migrations/) compare
against it, and the modules that use a table import it from here. Rasa's own tables (the tracker
store's `events`) are not ours and are left out of migrations.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)
from sqlalchemy import (
    false as sa_false,
)

metadata = MetaData()

# --- the anonymised contact log (bot.contact_log) ---------------------------------------------
contacts = Table(
    "contacts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("started_hour", DateTime(timezone=False), nullable=False, index=True),
    Column("channel", String(32), nullable=False),
    Column("language", String(8), nullable=False, default="unknown"),
    Column("country", String(8), nullable=False, default="unknown"),
    Column("age_band", String(16), nullable=False, default="unknown"),
    Column("caller", String(16), nullable=False, default="self"),
    Column("perpetrator", String(16), nullable=False, default="unknown"),
    Column("platform", String(16), nullable=False, default="unknown"),
    Column("time_since_event", String(16), nullable=False, default="unknown"),
    Column("told_anyone", String(16), nullable=False, default="unknown"),
    Column("highest_risk", String(8), nullable=False, default="none"),
    Column("human_requested", Boolean, nullable=False, default=False),
    Column("quick_exit", Boolean, nullable=False, default=False),
    Column("outcome", String(24), nullable=False, default="abandoned"),
    Column("helpful", String(8), nullable=True),  # the child's answer to "was this helpful?" after a live chat
    Column("topics_covered", String(400), nullable=False, default="", server_default=""),  # the bot's topic flows shown
)

contact_categories = Table(
    "contact_categories",
    metadata,
    Column("contact_id", String(32), ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(40), primary_key=True),
    Column("setting", String(8), nullable=True),
)

# The only link from a conversation to its contact, kept while the session is active.
contact_sessions = Table(
    "contact_sessions",
    metadata,
    Column("conversation", String(64), primary_key=True),
    Column("contact_id", String(32), nullable=False),
    Column("last_turn_at", DateTime(timezone=False), nullable=False, index=True),
)

handoff_requests = Table(
    "handoff_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contact_id", String(32), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("conversation", String(64), nullable=False, index=True),
    Column("priority", Integer, nullable=False),  # 0 urgent, 1 high, 2 normal: lower goes first
    Column("status", String(16), nullable=False, default="waiting"),  # bot.handoff.store.Status
    Column("requested_at", DateTime(timezone=False), nullable=False),
    Column("counsellor", String(64), nullable=True, index=True),  # who has it (a username) while live
    Column("taken_at", DateTime(timezone=False), nullable=True),
    Column("ended_at", DateTime(timezone=False), nullable=True),
    Column("flagged", Boolean, nullable=False, default=False, server_default=sa_false()),  # urgent words while live
)

# A live chat's messages, sealed (bot.sealing): the bot's transcript copied at the take, then the
# child's and the counsellor's words. Deleted when the chat ends, on /forget and by retention.
handoff_messages = Table(
    "handoff_messages",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("handoff_requests.id", ondelete="CASCADE"), nullable=False),
    Column("sender", String(12), nullable=False),  # child | bot | counsellor | system
    Column("body", LargeBinary, nullable=False),
    Column("urgent", String(16), nullable=True),  # the safety net's reading of a child's message
    Column("at", DateTime(timezone=False), nullable=False),
    Index("ix_handoff_messages_request", "request_id", "seq"),
)

# The counsellor's coding of a contact, beside the bot's (contacts, contact_categories), so that
# agreement between them can be measured per category.
counsellor_codings = Table(
    "counsellor_codings",
    metadata,
    Column("contact_id", String(32), ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("caller", String(16), nullable=False, default="unknown"),
    Column("perpetrator", String(16), nullable=False, default="unknown"),
    Column("platform", String(16), nullable=False, default="unknown"),
    Column("time_since_event", String(16), nullable=False, default="unknown"),
    Column("told_anyone", String(16), nullable=False, default="unknown"),
    Column("gender", String(8), nullable=False, default="unknown"),
    Column("outcome", String(24), nullable=False),
    Column("coded_on", DateTime(timezone=False), nullable=False, index=True),  # the day, not the minute
)

counsellor_categories = Table(
    "counsellor_categories",
    metadata,
    Column("contact_id", String(32), ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(40), primary_key=True),
    Column("setting", String(8), nullable=True),
)



# --- Telegram (bot.channels.telegram.store) -----------------------------------------------------
telegram_updates = Table(
    "telegram_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("conversation", String(64), nullable=False),
    Column("payload", LargeBinary, nullable=True),  # encrypted update; NULL once handled
    Column("status", String(8), nullable=False, default="pending"),  # pending | done | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("received_at", Float, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Index("ix_telegram_updates_pending", "status", "conversation", "update_id"),
)

telegram_outbox = Table(
    "telegram_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation", String(64), nullable=False, index=True),
    Column("payload", LargeBinary, nullable=False),  # encrypted {"text", "buttons": [{"id", "title"}]}
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
)

telegram_chats = Table(
    "telegram_chats",
    metadata,
    Column("conversation", String(64), primary_key=True),
    Column("chat_id", LargeBinary, nullable=False),  # encrypted
    Column("language", String(8), nullable=True),
    Column("updated_at", Float, nullable=False),
)

telegram_sent = Table(
    "telegram_sent",
    metadata,
    Column("conversation", String(64), primary_key=True),
    Column("message_id", BigInteger, primary_key=True, autoincrement=False),
    Column("buttons", String(2000), nullable=False, default=""),  # comma-separated button ids
    Column("sent_at", Float, nullable=False),
)

telegram_leases = Table(
    "telegram_leases",
    metadata,
    Column("conversation", String(64), primary_key=True),
    Column("owner", String(32), nullable=False),  # the process working the chat
    Column("expires_at", Float, nullable=False),
)


# --- the review's daily summary (bot.review.summary) --------------------------------------------
# Each settled day's counts, for all contacts ("" slice) and per single filter ("channel=webchat"),
# zlib-compressed JSON of bot.review.tally.Counts: a year's statistics add up 365 of them instead
# of reading every contact. Rebuilt from the log, so it can always be dropped.
review_daily = Table(
    "review_daily",
    metadata,
    Column("slice", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("built_at", DateTime(timezone=False), nullable=False),
    Index("ix_review_daily_day", "day"),
)


# --- staff (bot.staff) ----------------------------------------------------------------------------
staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # bot.staff.Role
    Column("password_hash", String(255), nullable=False),  # Argon2id, with its parameters and salt
    Column("totp_secret", LargeBinary, nullable=True),  # encrypted; NULL until a second factor is set
    Column("disabled", Boolean, nullable=False, default=False),
    Column("display_name", String(40), nullable=True),  # what a child sees; never a real name unless set
    Column("failed_sign_ins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=False), nullable=True),
    Column("created_at", DateTime(timezone=False), nullable=False),
)

# Append-only: the application inserts and never updates or deletes. No message text, ever.
staff_audit = Table(
    "staff_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=False), nullable=False, index=True),
    Column("actor", String(64), nullable=False),  # a username, or "cli" for the command line
    Column("action", String(32), nullable=False, index=True),
    Column("target", String(64), nullable=True),
    Column("detail", String(200), nullable=True),
)

# A signed-in staff member's session. The cookie holds a random 128-bit id; only its SHA-256 is
# stored, so a copy of the database lets no one in.
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("csrf", String(64), nullable=False),  # the token every state change must carry
    Column("created_at", DateTime(timezone=False), nullable=False),
    Column("last_seen_at", DateTime(timezone=False), nullable=False),
)

# Whether a counsellor takes chats now, and how many at once. Away until they say otherwise.
staff_presence = Table(
    "staff_presence",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("available", Boolean, nullable=False, default=False),
    Column("max_chats", Integer, nullable=False, default=2),
    Column("updated_at", DateTime(timezone=False), nullable=False),
)
