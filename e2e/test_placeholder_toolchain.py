"""Checks the pinned MCP SDK imports; the end-to-end suite builds on it."""
import mcp


def test_mcp_sdk_is_pinned_version():
    from importlib.metadata import version
    assert version("mcp") == "2.3.0"
