"""The Matrix adapter (to come); `render` already turns core's markup into Matrix HTML."""
