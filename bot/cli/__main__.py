"""`python -m bot.cli`: the same command line as the `concierge` script."""

from bot.cli.main import app

app()
