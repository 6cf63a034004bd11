"""Reports: each a pure function of a scan result to text."""
