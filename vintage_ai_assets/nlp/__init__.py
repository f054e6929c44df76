"""The nlp layer's logic: embeddings, sentiment, themes."""
