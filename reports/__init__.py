"""Weekly pain-point reports: ranking (pain_points) and rendering (render, templates/)."""
