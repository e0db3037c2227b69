"""Scale data and the benchmark suite: `manage.py seed_scale` fills PostgreSQL with millions of
customers and redemptions through COPY; `manage.py bench` (`make bench`) measures the platform
against the nearest physical limit in the same run and writes BENCHMARKS.md."""
