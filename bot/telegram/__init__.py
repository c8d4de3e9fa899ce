"""The Telegram channel: polling or a webhook in, the outbox out (aiogram or PTB)."""
