"""stratowatch: high-altitude balloon incidents and flights.

Wind (gridded forecasts, soundings, embedded climatology), prediction (float, ascent/burst/
descent, falling debris; ensembles forward and backward), tracking (reports of every kind into
tracks, "same object?"), assessment (overflight, aviation, debris casualty expectation,
engagement windows) and delivery (CLI, reports, GeoJSON/KML/CZML).

SI units inside (m, s, kg, Pa); degrees for latitude/longitude; times UTC.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
