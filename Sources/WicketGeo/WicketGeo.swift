// WicketGeo module. See docs/architecture.md.
