"""Reading a request: the service catalogue, service words, dates, language, understanding."""
