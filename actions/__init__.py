"""Rasa custom actions (rasa_sdk loads this package and registers every action in it).

- turn.py: one turn's context and replies; frame.py: the frame every action runs in
- dialogue.py: the message read as an answer to the bot's last question, before anything else
- flows.py: topic flows and onboarding; routes.py: the urgent route and what follows an answer
- topics.py, onboarding.py, risk.py, replies.py: the actions themselves
"""

from actions import onboarding, replies, risk, topics  # noqa: F401  (registers the actions)
