// WicketFastCGI module. See docs/architecture.md.
