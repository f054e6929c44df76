"""The clean layer's logic: markup stripping, language, spam, car matching, mentions."""
