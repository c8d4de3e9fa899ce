"""A person's rights over their data (export, erasure) and how long data is kept."""
