#!/bin/sh
# Creates the secrets docker-compose.yml reads, once, in ./secrets (mode 0600) and ./.env:
# a random agent token (the gateway gets only its SHA-256), a self-signed certificate for the agent
# tunnel (name "gateway"), and a random PostgreSQL password. Needs openssl. Never commit ./secrets.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
if [ -f secrets/agent-token ]; then
  echo "init-secrets.sh: secrets/ exists already; delete it to start over." >&2
  exit 1
fi
printf 'alk_%s' "$(openssl rand -hex 32)" > secrets/agent-token
password=$(openssl rand -hex 24)
printf '%s' "$password" > secrets/postgres-password
printf 'postgresql://airlock:%s@postgres:5432/airlock' "$password" > secrets/postgres-url
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
  -subj /CN=gateway -addext subjectAltName=DNS:gateway \
  -keyout secrets/tunnel.key -out secrets/tunnel.crt 2>/dev/null
# The containers run as uid 10001: let them read the files compose mounts.
chmod 0644 secrets/*
printf 'AIRLOCK_AGENT_TOKEN_SHA256=%s\n' "$(printf '%s' "$(cat secrets/agent-token)" | openssl dgst -sha256 -r | cut -c1-64)" > .env
echo "init-secrets.sh: wrote secrets/ and .env; now: docker compose up --build"
