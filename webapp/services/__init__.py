"""The web application's use cases, called by both the pages and the JSON API (neither holds
logic of its own): scoped reads, and actions that send a command through the bus and write
their audit row in the same transaction."""
