"""Conversations, written once for every channel: (state, Inbound) → (new state, replies)."""
