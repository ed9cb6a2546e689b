// WicketCore module. See docs/architecture.md.
