"""The Discord adapter (to come); `render` already turns core's markup into Discord markdown."""
