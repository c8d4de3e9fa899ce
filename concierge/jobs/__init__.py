"""Scheduled domain work: firing a due timer of any kind, and listing what is pending."""
