"""The numbers: facts behind them, counts, CSV export, the daily digest."""
