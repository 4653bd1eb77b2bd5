"""The Discord adapter (discord.py): app commands, components and modals, threads per match."""
