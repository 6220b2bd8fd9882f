"""Staff dashboard: headline figures, charts, the map of Liaoning, data health."""
