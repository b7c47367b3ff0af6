"""OCSEA support and signposting bot: channels, triage, contact log, CLI."""
