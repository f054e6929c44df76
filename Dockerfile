# Vintage AI: the Dagster webserver and daemon over a data directory mounted at /data.
#   docker build -t vintage-ai .
#   docker run -p 3000:3000 -v "$PWD/data:/data" vintage-ai
# For a CPU-only image, pass a CPU wheel index for torch: --build-arg TORCH_INDEX_URL=<url>.
FROM python:3.11-slim

ARG TORCH_INDEX_URL=""
ENV PIP_NO_CACHE_DIR=1 \
    PYTHONUNBUFFERED=1 \
    VINTAGE_AI_DATA_DIR=/data \
    DAGSTER_HOME=/data/dagster_home \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=1 \
    DAGSTER_EVENT_BATCH_SIZE=1000

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN pip install ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} torch==2.13.0
COPY pyproject.toml README.md workspace.yaml ./
COPY vintage_ai_assets ./vintage_ai_assets
RUN pip install .

VOLUME ["/data"]
EXPOSE 3000
# Inside a container the UI must listen on all interfaces to be reachable through -p.
CMD ["sh", "-c", "vintage-ai home || exit 1; dagster-daemon run -w workspace.yaml & exec dagster-webserver -h 0.0.0.0 -p 3000 -w workspace.yaml"]
