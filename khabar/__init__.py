"""khabar: Hindi news ETL into DuckDB."""

__version__ = "0.1.0"
