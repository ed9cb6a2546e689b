// WicketStore module. See docs/architecture.md.
