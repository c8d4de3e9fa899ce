"""Routing: who gets a request, staff steering it, and the opening hours the rota makes."""
