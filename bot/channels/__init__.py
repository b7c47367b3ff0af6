"""Input channels: what reaches Rasa from a child, and how replies go back."""
