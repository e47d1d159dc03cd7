"""The views of the payments app, one module per part."""
