"""`make bench`: client_credentials tokens/s against the floor view (see bench/README.md)."""
