"""Stage 4: the HTTP pipeline (Starlette): GraphQL over HTTP, GraphiQL, health, config."""
