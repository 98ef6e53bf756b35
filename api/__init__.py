"""The ways people reach werkkans: command line, HTTP API and web pages."""
