"""Requests: lifecycle, offers, notifications, notes, reports, satisfaction, the queue, history."""
