"""People (residents, workers, staff), the identities that reach them, their conversations."""
