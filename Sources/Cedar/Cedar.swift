// Cedar module. See docs/architecture.md.
