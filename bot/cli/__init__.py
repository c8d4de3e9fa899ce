"""The `concierge` command line, one module per group of commands."""
