# syntax=docker/dockerfile:1
# Panorama's production image: `docker build -t panorama .`, then
#   docker run -e DATABASE_URL=postgres://… -e PANORAMA_AUTH__SIGNING_KEY_PEM="$(cat key.pem)" -p 8080:8080 panorama
# (`docker run panorama migrate`, `… export`, `… partner …` run the other commands).

# Build stage: compile the release binary. The registry and the target folder are cache mounts,
# so that a rebuild after a code change compiles the workspace's own crates only.
ARG RUST_VERSION=1.94
FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p panorama-server \
    && cp target/release/panorama /usr/local/bin/panorama

# Run stage: the binary alone on slim Debian, as an unprivileged user with a numeric id (so that
# orchestrators can check it is not root). curl is for the health check.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/panorama panorama \
    && mkdir -p /var/lib/panorama/keys && chown -R panorama /var/lib/panorama
COPY --from=build /usr/local/bin/panorama /usr/local/bin/panorama
USER 10001
WORKDIR /var/lib/panorama
# Production defaults: JSON logs, no demo data. Everything else comes from the environment.
ENV PANORAMA_LISTEN=0.0.0.0:8080 \
    PANORAMA_LOG_FORMAT=json \
    PANORAMA_LOAD_DEMO=false
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["curl", "-fsS", "http://127.0.0.1:8080/readyz"]
# SIGTERM drains requests in flight (PANORAMA_HTTP__SHUTDOWN_GRACE_SECS) and exits with 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["panorama"]
CMD ["serve"]
