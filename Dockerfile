# Foyer's production image: `docker build -t foyer:local .`
# In place of Supabase's auth (GoTrue) service: deploy/README.md and docs/self-hosted-supabase.md.

ARG NODE_IMAGE=node:20-bookworm-slim

# Build stage: the full install, devDependencies included. `npm ci` runs `postinstall` (patch-package,
# patches/) and `prepare` (bin/build-console.js: vite builds console/ into console/dist); `npm run build`
# compiles src/ into dist/ (bin/build.js), so the image starts without compiling TypeScript.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches/ patches/
COPY bin/build-console.js bin/build.js bin/
COPY console/ console/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN npm run build

# Runtime stage: production dependencies, Foyer compiled to JavaScript and the console, both built above.
# No sources: bin/foyer.js runs dist/ (about 40 % less memory and a faster start than compiling the
# sources at start, docs/operations.md).
FROM ${NODE_IMAGE} AS runtime
# wget runs the health check of Supabase's compose file (`wget --spider http://localhost:9999/health`)
# and this image's own.
RUN apt-get update \
 && apt-get install -y --no-install-recommends wget \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# `postinstall` applies patches/postgres+3.4.9.patch to the driver, so never add --ignore-scripts here.
# `prepare` only notes that vite is absent: the console comes from the build stage.
COPY package.json package-lock.json ./
COPY patches/ patches/
COPY bin/ bin/
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf /root/.npm
COPY --from=build /app/dist/ dist/
COPY --from=build /app/console/dist/ console/dist/
# The embedded database and generated secrets live here when no DATABASE_URL is given: mount a volume
# to keep them. With DATABASE_URL nothing is written to it.
RUN mkdir -p /data && chown node:node /data
# A container's loopback is unreachable from outside it, so Foyer listens on every interface of the
# container; which ports are reachable is decided where the container is run (published ports).
ENV FOYER_DATA_DIR=/data \
    GOTRUE_API_HOST=0.0.0.0
USER node
EXPOSE 8081
# The port Foyer listens on: PORT, else GOTRUE_API_PORT (9999 in Supabase's compose), else 8081.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD wget --quiet --tries=1 --spider "http://127.0.0.1:${PORT:-${GOTRUE_API_PORT:-8081}}/health" || exit 1
STOPSIGNAL SIGTERM
# Exec form, no shell or npm in between: node is PID 1 and receives SIGTERM itself. bin/foyer.js runs
# Foyer's build in this process, with no child, and `foyer start` stops gracefully on SIGTERM. With
# FOYER_WORKERS=N (or auto: one per core) it is the primary of N workers: it passes SIGTERM on to them,
# waits for them to drain and reaps them (docs/operations.md, "Workers"). Other commands:
# `docker run --rm foyer:local migrate`, `… doctor`, `… --help`.
ENTRYPOINT ["node", "/app/bin/foyer.js"]
CMD ["start"]
