#!/bin/sh
# Prints this job's GitHub OIDC token for AWS STS (audience sts.amazonaws.com) on stdout, with no
# trailing newline. The workflows hand it to Dagger as a secret through the `cmd:` provider
# (--aws-web-identity-token=cmd:.github/scripts/aws-oidc-token.sh), so the token never lands in an
# env var, a file or a log, and each job stays checkout + one Dagger step. Needs `id-token: write`.
set -eu
if [ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] || [ -z "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" ]; then
  echo "aws-oidc-token: no OIDC request variables: give the job 'permissions: id-token: write'" >&2
  exit 1
fi
curl -fsS --retry 3 \
  -H "Authorization: bearer ${ACTIONS_ID_TOKEN_REQUEST_TOKEN}" \
  "${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com" | jq -j .value
