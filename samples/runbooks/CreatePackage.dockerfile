# Packages the contents of CreatePackage/ into a minimal image.
# Build (from a run directory holding CreatePackage/ and this file):
#   docker build --file CreatePackage.dockerfile --secret id=github_token,env=GITHUB_TOKEN .
FROM debian:bookworm-slim

LABEL org.opencontainers.image.description="Runbooks sample package built by CreatePackage.md"

WORKDIR /opt/package
COPY CreatePackage/ ./

# The token is mounted only for this step and never stored in a layer.
RUN --mount=type=secret,id=github_token \
    test -s /run/secrets/github_token && echo "token available to the build step" || echo "no token given"

CMD ["cat", "/opt/package/input.txt"]
