"""Near-duplicate story grouping: the labelled eval set, its metrics, and the datasketch MinHashLSH baseline."""
