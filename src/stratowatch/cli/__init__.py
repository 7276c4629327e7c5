"""The `stratowatch` command line: thin; parse, call the library, present with rich."""
