# syntax=docker/dockerfile:1
#
# loom API image. Two stages: `build` compiles TypeScript with the full
# dependency tree; `runtime` holds only production dependencies and dist/.
#
#   docker build -t loom .
#   docker run --rm -p 3000:3000 -e DATABASE_URL=postgres://... loom
#   docker run --rm -e DATABASE_URL=postgres://... loom node dist/src/cli/migrate.js
#
# Without DATABASE_URL the server runs on an embedded, in-memory PGlite with
# demo data (see docs/DEPLOY.md). scripts/image-smoke.sh replays these steps
# without Docker; keep the two in step.

ARG NODE_IMAGE=node:20-slim

# ---------------------------------------------------------------- build stage
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first: this layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# -------------------------------------------------------------- runtime stage
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: the kernel gives PID 1 no default signal actions, so a bare
# `node` there ignores SIGTERM until the server has installed its handler
# (e.g. while PGlite loads demo data, or in the migrate one-shot, which has
# none) and `docker stop` ends in SIGKILL after the grace period. tini
# forwards SIGTERM/SIGINT to node, which then drains and exits 0, and reaps
# zombies. Debian's package keeps it on the base image's security updates.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist ./dist

# The application files stay owned by root: the service cannot rewrite its own code.
USER node
EXPOSE 3000

# No curl in the slim image: Node 20's global fetch does the probe.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
# node directly, not `npm start`: npm would need tsx and does not forward signals.
CMD ["node", "dist/src/server.js"]
