"""guidewatch stage package."""
