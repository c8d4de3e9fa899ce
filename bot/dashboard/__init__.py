"""The coordinators' dashboard: log-in, the live queue, requests, the rota, the numbers."""
