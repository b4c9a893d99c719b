# Build stage: compile the release binary.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p panorama-server

# Run stage: the binary alone, as an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/panorama panorama \
    && mkdir -p /var/lib/panorama/keys && chown -R panorama /var/lib/panorama
COPY --from=build /src/target/release/panorama /usr/local/bin/panorama
USER panorama
WORKDIR /var/lib/panorama
ENV PANORAMA_LISTEN=0.0.0.0:8080
EXPOSE 8080
CMD ["panorama", "serve"]
