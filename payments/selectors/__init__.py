"""The selectors of the payments app, one module per part."""
