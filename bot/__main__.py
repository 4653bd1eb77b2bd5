from bot.cli import main

if __name__ == "__main__":  # guarded: the matching worker process re-imports the main module
    main()
