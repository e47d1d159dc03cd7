"""The manager's Eurocluster dashboard (issue 10, item 1): selectors, charts, views, urls."""
