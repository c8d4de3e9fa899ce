"""The Twilio channels: SMS and WhatsApp, the phone line, and calls the service places."""
