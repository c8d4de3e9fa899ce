"""The concierge domain and its storage: knows nothing of channels, HTTP or schedulers."""
