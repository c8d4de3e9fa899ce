"""The local web chat: a demo channel that talks as any person, served on loopback."""
