# One image for every shopgraph service; compose.yaml picks the command.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app

# Dependencies first, so source changes don't reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY shopgraph ./shopgraph
COPY router ./router
COPY subgraphs ./subgraphs
COPY bff_web ./bff_web
COPY bff_mobile ./bff_mobile
COPY datastores ./datastores
COPY schema ./schema
RUN uv sync --frozen --no-dev

RUN useradd --system --uid 10001 shopgraph
USER shopgraph
ENTRYPOINT ["shopgraph"]
