"""Main-text extraction quality, side by side: khabar, trafilatura, readability-lxml (see README.md)."""
