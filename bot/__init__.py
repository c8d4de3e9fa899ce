"""The running service and its edges: channel adapters, the ASGI app and the command line."""
