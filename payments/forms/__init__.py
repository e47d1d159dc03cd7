"""The forms of the payments app, one module per part."""
