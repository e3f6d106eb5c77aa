# Hauler's image: the release tarball `cargo xtask dist` makes, on a slim Debian, as a non-root
# user. Nothing is built here: make the tarball first (`cargo xtask dist`), then
#   docker build -t hauler .
# The image holds no configuration: pass the environment (see .env.example and the README's
# "Deploying").
FROM debian:bookworm-slim

# The public authorities, for Telegram, YooKassa, CargoTech and managed databases over TLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/hauler --create-home hauler

# ADD unpacks a local tarball: /opt/hauler/{bin/hauler,site/,.env.example,README.md}.
ADD target/dist/hauler-linux-x86_64.tar.gz /opt/

ENV SITE_ROOT=/opt/hauler/site \
    DATA_DIR=/var/lib/hauler \
    LISTEN_ADDR=0.0.0.0:3000 \
    HAULER_MODE=production

USER hauler
WORKDIR /var/lib/hauler
EXPOSE 3000
# SIGTERM drains: give the container SHUTDOWN_GRACE_SECONDS (40 by default) to stop.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/hauler/bin/hauler"]
CMD ["serve"]
