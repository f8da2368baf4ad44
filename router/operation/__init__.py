"""What happens to a document before planning: parse with a token limit, operation limits,
variables limits and demand control. Each check is a function of the document (and the
schema), linear in the document's size, and returns data."""
