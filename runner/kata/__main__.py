"""`python -m kata` is the same as the `kata` command."""

from kata.cli import main

if __name__ == "__main__":
    main()
