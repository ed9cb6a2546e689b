// WicketMCP module. See docs/architecture.md.
